"""Issue 14, point 7: a 2xx JSON body the SDK cannot read is the SDK's own exception."""

import pytest

from ambra_sdk.exceptions.service_base import ServiceResponseError
from ambra_sdk.exceptions.storage import UnexpectedStorageResponse
from tests.hardening.conftest import make_api
from tests.hardening.servers import SID, Reply

BODIES = {
    'deeply-nested': b'[' * 200000 + b']' * 200000,
    'nested-objects': b'{"a":' * 100000 + b'1' + b'}' * 100000,
    'invalid-utf8': b'{"a": "\xff\xfe\xc3"}',
    'not-json': b'<html>oops</html>',
    'empty': b'',
    'truncated': b'{"a": [1, 2',
}


@pytest.mark.parametrize('name', list(BODIES))
def test_storage_json_on_200(script_server, name):
    server = script_server(Reply(200, BODIES[name]))
    api = make_api(server)
    with pytest.raises(UnexpectedStorageResponse) as info:
        api.Storage.Study.schema(server.engine_fqdn, 'ns', '1.2.3')
    assert info.value.http_status_code == 200
    assert info.value.__context__ is None and SID not in str(info.value)


@pytest.mark.parametrize('name', list(BODIES))
def test_service_json_on_200(script_server, name):
    server = script_server(Reply(200, BODIES[name]))
    api = make_api(server)
    with pytest.raises(ServiceResponseError):
        api.Session.user().get()


@pytest.mark.parametrize('name', ['deeply-nested', 'invalid-utf8'])
def test_storage_error_bodies(script_server, name):
    server = script_server(Reply(404, BODIES[name]))
    api = make_api(server)
    with pytest.raises(UnexpectedStorageResponse):
        api.Storage.Study.schema(server.engine_fqdn, 'ns', '1.2.3')


@pytest.mark.parametrize('status', [200, 404])
def test_no_decoder_error_in_the_chain(script_server, status):
    server = script_server(Reply(status, b'{"sid": "' + SID.encode() + b'", oops'))
    api = make_api(server)
    with pytest.raises(UnexpectedStorageResponse) as info:
        api.Storage.Study.schema(server.engine_fqdn, 'ns', '1.2.3')
    assert info.value.__context__ is None and SID not in str(info.value)
    server.script = lambda method, target: Reply(412 if status == 404 else 200, b'{"sid": "' + SID.encode() + b'", x')
    with pytest.raises(ServiceResponseError) as service_info:
        api.Session.user().get()
    assert service_info.value.__context__ is None
