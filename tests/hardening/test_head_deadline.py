"""Issue 14, point 5: a server that drips its status line and headers cannot hold a call.

The client's patience is measured in bytes the server managed to drip (one
every 50 ms) before the client hung up, not with a clock in the test.
"""

import pytest

from ambra_sdk.exceptions.base import RequestTimeout
from tests.hardening.conftest import make_api
from tests.hardening.servers import HeaderDripServer

#: Bytes of head dripped in 10 s at one per 50 ms: far above the 1 s read timeout of the test.
PATIENCE_LIMIT = 200


def _call(api, server, call, tmp_path):
    fqdn = server.engine_fqdn
    if call == 'service-read':
        api.Session.user().get()
    elif call == 'service-write':
        api.service_post('/study/add', required_sid=True, data={'study_uid': '1.2'})
    elif call == 'storage-json':
        api.Storage.Study.schema(fqdn, 'ns', '1.2.3')
    else:
        api.Storage.Study.download(fqdn, 'ns', '1.2.3', 'dicom', to_path=str(tmp_path / 'out.zip'))


@pytest.mark.parametrize('call', ['service-read', 'service-write', 'storage-json', 'download'])
def test_dripped_head_ends_within_the_read_timeout(call, tmp_path):
    with HeaderDripServer(interval=0.05, limit=600) as server:
        api = make_api(server, timeout=(1.0, 1.0))
        for params in (api.service_retry_params, api.storage_retry_params):
            params.update(deadline_seconds=1.0)
        with pytest.raises(RequestTimeout):
            _call(api, server, call, tmp_path)
        assert server.sent, 'the server got no request'
        assert max(server.sent) < PATIENCE_LIMIT, server.sent
        assert list(tmp_path.iterdir()) == []


def test_slow_but_steady_head_within_the_timeout_is_fine():
    with HeaderDripServer(interval=0.002, limit=300) as server:
        api = make_api(server, timeout=(1.0, 2.0))
        api.storage_session.get(server.url + '/storage/x', params={}).raise_for_status()
