"""HTTP/1.1 keep-alive, as the real server: connections stay open between requests (over real sockets)."""

from __future__ import annotations

import http.client
import socket
from urllib.parse import urlencode

import requests

from ambra_sdk.emulator import Emulator


def _connection(emu) -> http.client.HTTPConnection:
    host, port = emu.engine_fqdn.split(':')
    return http.client.HTTPConnection(host, int(port), timeout=10)


def test_one_session_uses_one_connection(emulator):
    session = requests.Session()
    before = emulator.connections_accepted
    for _ in range(20):
        response = session.post(emulator.url + '/session/user', timeout=10)
        assert response.status_code == 401
        assert 'close' not in response.headers.get('Connection', '').lower()
    assert emulator.connections_accepted - before == 1
    session.close()


def test_the_sdk_reuses_its_connections(emulator):
    api = emulator.api(rate_limits=None)
    api.Session.user().get()
    before = emulator.connections_accepted
    for _ in range(20):
        api.Session.user().get()
    assert emulator.connections_accepted == before
    api.logout()


def test_keep_alive_off_closes_every_connection():
    with Emulator(keep_alive=False) as emu:
        session = requests.Session()
        for _ in range(5):
            response = session.post(emu.url + '/session/user', timeout=10)
            assert response.status_code == 401
            assert response.headers['Connection'] == 'close'
        assert emu.connections_accepted == 5
        session.close()


def test_connection_close_from_the_client_is_honoured(emulator):
    host, port = emulator.engine_fqdn.split(':')
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b'POST /api/v3/session/user HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'
                     % emulator.engine_fqdn.encode())
        answer = b''
        while True:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    assert answer.startswith(b'HTTP/1.1 401')
    assert b'\r\nConnection: close\r\n' in answer


def test_http_1_0_closes_unless_asked(emulator):
    host, port = emulator.engine_fqdn.split(':')
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b'POST /api/v3/session/user HTTP/1.0\r\nContent-Length: 0\r\n\r\n')
        answer = b''
        while True:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    assert b' 401 ' in answer.split(b'\r\n', 1)[0]


def test_chunked_request_body_then_another_request(emulator):
    emulator.reset()
    conn = _connection(emulator)
    form = urlencode({'login': emulator.username, 'password': emulator.password}).encode()
    conn.request(
        'POST', '/api/v3/session/login', body=iter([form[:5], form[5:]]),
        headers={'Content-Type': 'application/x-www-form-urlencoded'}, encode_chunked=True,
    )
    response = conn.getresponse()
    assert response.status == 200, response.read()
    response.read()
    before = emulator.connections_accepted
    conn.request('POST', '/api/v3/session/user', body=b'', headers={'Content-Length': '0'})
    assert conn.getresponse().status == 401
    assert emulator.connections_accepted == before
    conn.close()


def test_stop_closes_idle_keep_alive_connections():
    emu = Emulator().start()
    host, port = emu.engine_fqdn.split(':')
    sock = socket.create_connection((host, int(port)), timeout=10)
    try:
        sock.sendall(b'POST /api/v3/session/user HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\n\r\n' % emu.engine_fqdn.encode())
        first = sock.recv(65536)
        assert first.startswith(b'HTTP/1.1 401')
        emu.stop()
        sock.settimeout(5)  # recv raises a timeout if the connection stays open
        while sock.recv(65536):
            pass
    finally:
        sock.close()


def test_a_registered_takeover_owns_the_connection():
    """The hook a websocket channel uses: after the request head, a takeover owns the socket."""
    from ambra_sdk.emulator import httpd

    def serve(handler):
        handler.wfile.write(b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n')
        handler.wfile.write(b'echo:' + handler.rfile.readline())

    def choose(path, headers):
        return serve if headers.get('Upgrade') == 'test' else None

    entry = (r'/api/v3/_test/takeover', choose)
    httpd.register_takeover(*entry)
    try:
        with Emulator() as emu:
            host, port = emu.engine_fqdn.split(':')
            with socket.create_connection((host, int(port)), timeout=10) as sock:
                sock.sendall(b'GET /api/v3/_test/takeover HTTP/1.1\r\nHost: %s\r\nUpgrade: test\r\n\r\nping\n'
                             % emu.engine_fqdn.encode())
                answer = b''
                while True:
                    data = sock.recv(65536)
                    if not data:
                        break
                    answer += data
            assert answer.startswith(b'HTTP/1.1 101 ') and answer.endswith(b'echo:ping\n')
            # without the header the WSGI app answers
            assert requests.get(emu.url + '/_test/takeover', timeout=10).status_code == 404
    finally:
        httpd._TAKEOVERS.remove(entry)


def test_a_body_of_unknown_length_is_refused_and_the_connection_closed(emulator):
    host, port = emulator.engine_fqdn.split(':')
    for head in (b'Transfer-Encoding: gzip\r\n', b'Transfer-Encoding: chunked\r\nContent-Length: 5\r\n',
                 b'Content-Length: 5x\r\n'):
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(b'POST /api/v3/session/user HTTP/1.1\r\nHost: x\r\n' + head + b'\r\n'
                         + b'GET /api/v3/smuggled HTTP/1.1\r\nHost: x\r\n\r\n')
            answer = b''
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        assert answer.startswith(b'HTTP/1.1 400 '), head
        assert answer.count(b'HTTP/1.1 ') == 1, head
    assert all('smuggled' not in entry.path for entry in emulator.requests_log)
