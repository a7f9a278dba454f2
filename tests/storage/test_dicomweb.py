"""The three DICOMweb metadata methods of storage API v22: prepared requests, the wire, and the Box shapes."""

import json

import pytest
from box import Box, BoxList

from ambra_sdk.storage.request import PreparedRequest, StorageMethod
from ambra_sdk.storage.study_dicomweb import InstanceBox
from tests.helpers.servers import RecordingServer

HOST = 'engine.example:8443'
BASE = 'https://engine.example:8443/api/v3/storage/dicomweb/ns-1/studies/1.2.3'


@pytest.mark.parametrize('method, args, path', [
    ('study_dicomweb', (), '/metadata'),
    ('series_dicomweb', ('1.2.3.4',), '/series/1.2.3.4/metadata'),
    ('image_dicomweb', ('1.2.3.4', '1.2.3.4.5'), '/series/1.2.3.4/instances/1.2.3.4.5/metadata'),
])
def test_prepared_requests(fake_storage, method, args, path):
    call = getattr(fake_storage.Study, method)
    prepared = call(HOST, 'ns-1', '1.2.3', *args, only_prepare=True)
    assert type(prepared) is PreparedRequest
    assert prepared.method is StorageMethod.get
    assert prepared.url == BASE + path
    assert prepared.params == {}
    assert prepared.headers is None and prepared.data is None and prepared.files is None
    with_phi = call(HOST, 'ns-1', '1.2.3', *args, phi_namespace='ns-2', only_prepare=True)
    assert with_phi.params == {'phi_namespace': 'ns-2'}


INSTANCE = {'00080018': {'vr': 'UI', 'Value': ['1.2.3.4.5']}, '00100010': {'vr': 'PN', 'Value': [{'Alphabetic': 'A^B'}]}}


@pytest.fixture
def server():
    with RecordingServer(body=json.dumps([INSTANCE]).encode(), content_type='application/dicom+json') as recording:
        yield recording


def _api(server):
    from ambra_sdk.api import Api

    return Api.with_sid(server.url, 'SID9', storage_base_url='http://{engine_fqdn}/api/v3/storage', rate_limits=None)


def test_on_the_wire_and_boxed(server):
    api = _api(server)
    study = api.Storage.Study.study_dicomweb(server.engine_fqdn, 'ns-1', '1.2.3', phi_namespace='ns-2')
    assert server.requests[-1][0] == 'GET /api/v3/storage/dicomweb/ns-1/studies/1.2.3/metadata?phi_namespace=ns-2&sid=SID9 HTTP/1.1'
    assert isinstance(study, BoxList) and study[0]['00080018'].Value == ['1.2.3.4.5']
    series = api.Storage.Study.series_dicomweb(server.engine_fqdn, 'ns-1', '1.2.3', '1.2.3.4')
    assert server.requests[-1][0] == 'GET /api/v3/storage/dicomweb/ns-1/studies/1.2.3/series/1.2.3.4/metadata?sid=SID9 HTTP/1.1'
    assert isinstance(series, BoxList) and len(series) == 1
    image = api.Storage.Study.image_dicomweb(server.engine_fqdn, 'ns-1', '1.2.3', '1.2.3.4', '1.2.3.4.5')
    assert server.requests[-1][0] == (
        'GET /api/v3/storage/dicomweb/ns-1/studies/1.2.3/series/1.2.3.4/instances/1.2.3.4.5/metadata?sid=SID9 HTTP/1.1'
    )
    assert isinstance(image, Box) and image['00100010'].vr == 'PN'
    raw = api.Storage.Study.image_dicomweb(server.engine_fqdn, 'ns-1', '1.2.3', '1.2.3.4', '1.2.3.4.5', use_box=False)
    assert raw.json() == [INSTANCE]


def test_instance_box_shapes():
    assert InstanceBox([INSTANCE]) == InstanceBox(INSTANCE)
    with pytest.raises(ValueError, match='one instance'):
        InstanceBox([INSTANCE, INSTANCE])
