"""Issue 12 point 1 (client side): TLS spoken to a plain-HTTP server fails at once, saying so."""

import pytest
import requests

from tests.hardening.conftest import make_api
from tests.hardening.servers import SID, PlainHttpServer, leaks

PHRASE = 'the server speaks plain HTTP: use storage_base_url='


@pytest.mark.parametrize('policy', ['safe', 'reference'])
@pytest.mark.parametrize('side', ['storage', 'service'])
@pytest.mark.parametrize('answer', [True, False], ids=['answers-400', 'closes'])
def test_tls_to_plain_http_fails_at_once_with_a_clear_message(side, policy, answer):
    with PlainHttpServer(answer=answer) as server:
        api = make_api(server, storage_base_url='https://{engine_fqdn}/api/v3/storage', retry_policy=policy)
        if side == 'service':
            api._api_url = 'https://{0}/api/v3'.format(server.engine_fqdn)
        with pytest.raises(requests.exceptions.SSLError) as info:
            if side == 'storage':
                api.Storage.Study.schema(server.engine_fqdn, 'ns', '1.2.3')
            else:
                api.service_post('/session/user', required_sid=True)
        message = str(info.value)
        assert PHRASE in message and '--tls' in message
        assert server.engine_fqdn in message
        assert SID not in message and leaks(info.value) == {}
        assert server.connections == 1, 'the TLS failure was retried'
