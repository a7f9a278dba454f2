"""WSManager against loopback websockets servers written for the test: a hostile one, and TLS."""

from __future__ import annotations

import json
import logging
import threading

import pytest
import requests
from websockets.sync.server import serve

from ambra_sdk.service.ws import SubscribeRefused, WSConnectError, WSManager
from ambra_sdk.service.ws.tls import ssl_context_for
from ambra_sdk.service.ws.ws import sid_md5

from .conftest import client_threads

_QUIET = logging.getLogger('tests.ws.raw_server')
_QUIET.setLevel(logging.INFO)
SID = 'hostile-test-sid-0123456789'


class Server:
    """A websockets server in a thread; ``handler(connection)`` serves each client."""

    def __init__(self, handler, ssl_context=None):
        self._server = serve(handler, '127.0.0.1', 0, ssl=ssl_context, logger=_QUIET)
        self.port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, scheme='http'):
        return '{0}://localhost:{1}/api/v3/channel/websocket'.format(scheme, self.port)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._thread.join(5)


def hostile(connection):
    for raw in connection:
        message = json.loads(raw)
        channel = message.get('channel')
        if message.get('action') != 'subscribe':
            connection.send(json.dumps({'status': 'OK', 'channel': channel}))
            continue
        connection.send('not json at all')
        connection.send(b'\x00\x01binary')
        connection.send(json.dumps(['a', 'list']))
        connection.send(json.dumps({'event': 'READY', 'channel': channel}))  # no sid_md5: not an answer
        if message.get('sid') != SID:
            connection.send(json.dumps({'status': 'ERROR', 'error_type': 'AUTHORIZATION_REQUIRED', 'channel': channel}))
            continue
        connection.send(json.dumps({'status': 'OK', 'channel': channel}))
        connection.send(json.dumps({'event': 'READY', 'channel': channel, 'sid_md5': sid_md5('other')}))
        connection.send(json.dumps({'event': 'READY', 'channel': channel, 'sid_md5': sid_md5(SID), 'n': 1}))


def test_hostile_messages_are_skipped():
    before = set(client_threads())
    with Server(hostile) as server:
        manager = WSManager(server.url())
        with manager.channel(SID, 'study.x'):
            event = manager.wait_for_event('study.x', SID, 'READY', timeout=5)
        assert event.json()['n'] == 1
        with pytest.raises(SubscribeRefused), manager.channel('wrong-sid', 'study.x'):
            pass  # pragma: no cover
    assert set(client_threads()) - before == set()


def echo_ok(connection):
    for raw in connection:
        connection.send(json.dumps({'status': 'OK', 'channel': json.loads(raw).get('channel')}))


@pytest.fixture
def tls_server(tmp_path):
    trustme = pytest.importorskip('trustme')
    import ssl

    ca = trustme.CA()
    cert = ca.issue_cert('localhost', '127.0.0.1')
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(server_context)
    ca_path = tmp_path / 'ca.pem'
    ca.cert_pem.write_to_path(str(ca_path))
    with Server(echo_ok, server_context) as server:
        yield server, str(ca_path)


def test_tls_trusts_what_requests_trusts(tls_server, monkeypatch):
    server, ca_path = tls_server
    url = server.url('https')
    for name in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):  # requests lets them win over session.verify
        monkeypatch.delenv(name, raising=False)
    session = requests.Session()
    session.verify = ca_path
    with WSManager(url, ssl_context=ssl_context_for(session, url)).channel(SID, 'study.tls'):
        pass
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', ca_path)
    with WSManager(url, ssl_context=ssl_context_for(requests.Session(), url)).channel(SID, 'study.tls'):
        pass
    monkeypatch.delenv('REQUESTS_CA_BUNDLE')
    with pytest.raises(WSConnectError):
        WSManager(url, ssl_context=ssl_context_for(requests.Session(), url)).run()
    unverified = requests.Session()
    unverified.verify = False
    with WSManager(url, ssl_context=ssl_context_for(unverified, url)).channel(SID, 'study.tls'):
        pass


def test_plain_urls_get_no_tls_context():
    assert ssl_context_for(requests.Session(), 'http://localhost/api/v3/channel/websocket') is None
