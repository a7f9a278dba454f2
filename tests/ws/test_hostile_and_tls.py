"""WSManager against loopback websockets servers written for the test: a hostile one, and TLS."""

from __future__ import annotations

import json
import logging
import socket
import threading

import pytest
import requests
from websockets.sync.server import serve

from ambra_sdk.service.ws import SubscribeRefused, WSConnectError, WSManager
from ambra_sdk.service.ws.tls import ssl_context_for
from ambra_sdk.service.ws.ws import sid_md5

from .conftest import client_threads, leftover_threads

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
    assert leftover_threads(before) == set()


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


def test_without_a_context_wss_trusts_what_a_plain_requests_call_trusts(tls_server, monkeypatch):
    # as requests: REQUESTS_CA_BUNDLE (printed by ``python -m ambra_sdk.emulator --tls``) is honoured
    server, ca_path = tls_server
    url = server.url('https')
    for name in ('REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(WSConnectError):
        WSManager(url).run()
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', ca_path)
    with WSManager(url).channel(SID, 'study.tls'):
        pass


class RecordingSocket:
    """A socket that notes the order of its reads and writes (everything else is the socket's)."""

    def __init__(self, sock):
        self._sock = sock
        self.calls = []

    def recv(self, *args):
        self.calls.append('recv')
        return self._sock.recv(*args)

    def sendall(self, data):
        self.calls.append('sendall')
        return self._sock.sendall(data)

    def __getattr__(self, name):
        return getattr(self._sock, name)


UPGRADE_URL = 'ws://localhost/api/v3/channel/websocket'


def sdk_connection(sock):
    """The SDK's websockets connection class over ``sock`` (not yet upgraded)."""
    from websockets.client import ClientProtocol
    from websockets.sync import client
    from websockets.uri import parse_uri

    from ambra_sdk.service.ws.ws import no_redirect_connection

    return no_redirect_connection(client, UPGRADE_URL)(sock, ClientProtocol(parse_uri(UPGRADE_URL)))


def test_the_io_thread_reads_only_once_the_upgrade_request_is_written():
    # OpenSSL forbids SSL_read and SSL_write at once on a connection: over TLS 1.3 the I/O thread
    # reading the session tickets while the request was written lost the request now and then
    # (the upgrade timed out). The answer is there before the request: a reader that does not wait
    # reads it first.
    ours, theirs = socket.socketpair()
    theirs.sendall(b'HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n')
    recording = RecordingSocket(ours)
    connection = sdk_connection(recording)
    try:
        threading.Event().wait(0.2)
        assert recording.calls == []  # the thread waits
        with pytest.raises(Exception, match='500'):
            connection.handshake(timeout=5)
        assert recording.calls[:2] == ['sendall', 'recv']
        assert theirs.recv(65536).startswith(b'GET /api/v3/channel/websocket HTTP/1.1')
    finally:
        connection.close_socket()
        connection.recv_events_thread.join(5)
        theirs.close()
    assert not connection.recv_events_thread.is_alive()


def test_a_connection_closed_before_its_request_ends_its_io_thread():
    ours, theirs = socket.socketpair()
    connection = sdk_connection(ours)
    connection.close_socket()
    connection.recv_events_thread.join(5)
    theirs.close()
    assert not connection.recv_events_thread.is_alive()


def test_plain_urls_get_no_tls_context():
    assert ssl_context_for(requests.Session(), 'http://localhost/api/v3/channel/websocket') is None


class MuteServer:
    """Accepts websocket connections (wsproto), answers the first subscribe, then never answers a ping."""

    def __init__(self):
        import socket

        self._sock = socket.socket()
        self._sock.bind(('127.0.0.1', 0))
        self._sock.listen(8)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._threads = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        import socket

        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except socket.timeout:
                continue
            self.connections += 1
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, client):
        from wsproto import ConnectionType, WSConnection
        from wsproto.events import AcceptConnection, Message, Request, TextMessage

        ws = WSConnection(ConnectionType.SERVER)
        client.settimeout(0.2)
        answered = False
        while not self._stop.is_set():
            try:
                data = client.recv(65536)
            except OSError:
                continue
            if not data:
                break
            ws.receive_data(data)
            for event in ws.events():
                if isinstance(event, Request):
                    client.sendall(ws.send(AcceptConnection()))
                elif isinstance(event, TextMessage) and not answered and 'subscribe' in event.data:
                    answered = True
                    reply = json.dumps({'status': 'OK', 'channel': json.loads(event.data)['channel']})
                    client.sendall(ws.send(Message(data=reply)))
                # pings (JSON or protocol) get nothing: a half-dead server
        client.close()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)
        for thread in self._threads:
            thread.join(5)
        self._sock.close()


def test_a_server_that_stops_answering_pings_is_left_and_reconnected():
    with MuteServer() as server:
        manager = WSManager('http://127.0.0.1:{0}/api/v3/channel/websocket'.format(server.port))
        manager.worker.inactivity_timeout = 0.05
        with manager.channel(SID, 'study.mute'):
            deadline = threading.Event()
            for _ in range(100):
                if manager.worker.reconnects >= 1:
                    break
                deadline.wait(0.05)
            assert manager.worker.reconnects >= 1 and server.connections >= 2
