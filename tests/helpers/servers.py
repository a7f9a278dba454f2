"""Small real-socket HTTP servers for transport tests.

These answer the cases the emulator is not meant to imitate: a server that
accepts and never answers, one that drips one byte a second, and one that
records the raw headers it receives.
"""

import socket
import threading
import time
from typing import Callable, Dict, List, Optional, Tuple


class _Base:
    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(('127.0.0.1', 0))
        self._sock.listen(64)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._clients: List[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return 'http://127.0.0.1:{0}/api/v3'.format(self.port)

    @property
    def engine_fqdn(self) -> str:
        return '127.0.0.1:{0}'.format(self.port)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
        for client in self._clients:
            try:
                client.close()
            except OSError:
                pass
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._clients.append(client)
            threading.Thread(target=self.handle, args=(client,), daemon=True).start()

    def handle(self, client: socket.socket) -> None:
        raise NotImplementedError


def read_request(client: socket.socket) -> Tuple[str, Dict[str, str], bytes]:
    """Read one HTTP/1.1 request (head and Content-Length body)."""
    client.settimeout(5)
    data = b''
    while b'\r\n\r\n' not in data:
        chunk = client.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(':')
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get('content-length', '0') or 0)
    while len(body) < length:
        chunk = client.recv(65536)
        if not chunk:
            break
        body += chunk
    return lines[0], headers, body


class SilentServer(_Base):
    """Accepts connections, reads the request, never answers."""

    def handle(self, client: socket.socket) -> None:
        try:
            read_request(client)
        except OSError:
            return
        self._stop.wait(60)


class DripServer(_Base):
    """Answers 200 with a long body sent one byte per ``interval`` seconds."""

    def __init__(self, interval: float = 1.0) -> None:
        super().__init__()
        self.interval = interval

    def handle(self, client: socket.socket) -> None:
        try:
            read_request(client)
            client.sendall(
                b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n',
            )
            while not self._stop.is_set():
                client.sendall(b' ')
                time.sleep(self.interval)
        except OSError:
            return


class RecordingServer(_Base):
    """Answers every request with a fixed JSON body and records what it got."""

    def __init__(self, status: int = 200, body: bytes = b'{"status": "OK"}',
                 content_type: str = 'application/json',
                 answer: Optional[Callable[[str], Tuple[int, str]]] = None) -> None:
        super().__init__()
        self.status = status
        self.body = body
        self.content_type = content_type
        #: ``request line -> (status, extra header lines, each ending in CRLF)``; None: ``status``, no extra.
        self.answer = answer
        self.requests: List[Tuple[str, Dict[str, str], bytes]] = []
        self.lock = threading.Lock()

    def handle(self, client: socket.socket) -> None:
        try:
            while True:
                request_line, headers, body = read_request(client)
                if not request_line:
                    return
                with self.lock:
                    self.requests.append((request_line, headers, body))
                status, extra = self.answer(request_line) if self.answer is not None else (self.status, '')
                client.sendall(
                    'HTTP/1.1 {0} X\r\nContent-Type: {1}\r\n{3}Content-Length: {2}\r\n\r\n'.format(
                        status, self.content_type, len(self.body), extra,
                    ).encode('latin-1') + self.body,
                )
        except OSError:
            return

    def last_headers(self) -> Optional[Dict[str, str]]:
        with self.lock:
            return self.requests[-1][1] if self.requests else None
