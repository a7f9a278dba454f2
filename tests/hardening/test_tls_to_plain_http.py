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


def test_tls_still_works_and_a_bad_certificate_is_not_retried():
    """The SDK's connections (head deadline) speak TLS; a certificate that fails is tried once."""
    import http.server
    import ssl
    import threading

    trustme = pytest.importorskip('trustme')
    ca = trustme.CA()
    connections = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            body = b'{"ok": 1}'
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        def get_request(self):
            connections.append(1)
            return super().get_request()

    server = Server(('127.0.0.1', 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert('127.0.0.1').configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fqdn = '127.0.0.1:{0}'.format(server.server_address[1])
    try:
        with ca.cert_pem.tempfile() as ca_path:
            api = make_api(server_like(fqdn), storage_base_url='https://{engine_fqdn}/api/v3/storage')
            api.storage_session.trust_env = False
            api.storage_session.verify = ca_path
            assert api.Storage.Study.schema(fqdn, 'ns', '1.2.3').ok == 1
            api.storage_session.verify = True  # the system store does not know this CA
            before = len(connections)
            with pytest.raises(requests.exceptions.SSLError) as info:
                api.Storage.Study.schema(fqdn, 'ns', '1.2.3')
            assert leaks(info.value) == {}
            assert len(connections) - before == 1
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class server_like:  # noqa: N801 - a tiny stand-in with the attributes make_api reads
    def __init__(self, fqdn):
        self.url = 'https://{0}/api/v3'.format(fqdn)
