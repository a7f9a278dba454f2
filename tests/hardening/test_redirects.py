"""Issue 14, point 3: the storage session never follows a redirect; the sid stays on its host."""

import io

import pytest

from ambra_sdk.exceptions.storage import UnexpectedStorageResponse
from tests.hardening.conftest import make_api
from tests.hardening.servers import SID, Reply


@pytest.mark.parametrize('status', [301, 302, 303, 307, 308])
@pytest.mark.parametrize('call', ['schema', 'upload', 'delete', 'download'])
def test_redirect_is_an_error_naming_status_and_host(script_server, tmp_path, status, call):
    other = script_server(Reply(200, b'{}'))
    location = 'http://{0}/api/v3/storage/elsewhere?keep=1'.format(other.engine_fqdn)
    server = script_server(Reply(status, b'', (('Location', location),)))
    api = make_api(server)
    fqdn = server.engine_fqdn
    target = tmp_path / 'out.zip'
    with pytest.raises(UnexpectedStorageResponse) as info:
        if call == 'schema':
            api.Storage.Study.schema(fqdn, 'ns', '1.2.3')
        elif call == 'upload':
            api.Storage.Image.upload(fqdn, 'ns', io.BytesIO(b'DICM' * 10))
        elif call == 'delete':
            api.Storage.Study.delete(fqdn, 'ns', '1.2.3')
        else:
            api.Storage.Study.download(fqdn, 'ns', '1.2.3', 'dicom', to_path=str(target))
    message = str(info.value)
    assert str(status) in message
    assert other.engine_fqdn in message
    assert SID not in message and 'keep=1' not in message
    assert info.value.http_status_code == status
    assert other.requests == [], 'the redirect was followed'
    assert len(server.requests) == 1
    assert not target.exists() and list(tmp_path.iterdir()) == []


def test_service_session_does_not_follow_either(script_server):
    other = script_server(Reply(200, b'{"status": "OK"}'))
    server = script_server(Reply(302, b'', (('Location', 'http://{0}/x'.format(other.engine_fqdn)),)))
    api = make_api(server)
    response = api.service_session.post(server.url + '/session/user', data={'sid': SID}, allow_redirects=True)
    assert response.status_code == 302
    response = api.storage_session.get(server.url + '/storage/x', params={'sid': SID}, allow_redirects=True)
    assert response.status_code == 302
    assert other.requests == []
