"""Hostile loopback servers for the adversarial checks of issue 14 (real sockets, one thread each)."""

import gzip
import socket
import threading
import time
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple

from tests.helpers.servers import _Base, read_request

SID = 'hardening-sid-0123456789abcdef'
PASSWORD = 'hardening-password-Zq8'


class Reply(NamedTuple):
    """One canned HTTP answer."""

    status: int = 200
    body: bytes = b'{}'
    headers: Tuple[Tuple[str, str], ...] = (('Content-Type', 'application/json'),)
    #: False: no Content-Length, the body ends when the connection closes.
    with_length: bool = True


class ScriptServer(_Base):
    """Answers each request with ``script(method, target)`` and records ``(method, target, body)``."""

    def __init__(self, script: Callable[[str, str], Reply]) -> None:
        super().__init__()
        self.script = script
        self.requests: List[Tuple[str, str, bytes]] = []
        self.connections = 0
        self._lock = threading.Lock()

    def handle(self, client: socket.socket) -> None:
        with self._lock:
            self.connections += 1
        try:
            while True:
                request_line, _, body = read_request(client)
                if not request_line:
                    return
                method, _, rest = request_line.partition(' ')
                target = rest.rpartition(' ')[0]
                with self._lock:
                    self.requests.append((method, target, body))
                reply = self.script(method, target)
                head = 'HTTP/1.1 {0} X\r\n'.format(reply.status)
                if reply.with_length:
                    head += 'Content-Length: {0}\r\n'.format(len(reply.body))
                else:
                    head += 'Connection: close\r\n'
                head += ''.join('{0}: {1}\r\n'.format(name, value) for name, value in reply.headers)
                client.sendall(head.encode('latin-1') + b'\r\n' + reply.body)
                if not reply.with_length:
                    client.close()
                    return
        except OSError:
            return


def fixed(reply: Reply) -> Callable[[str, str], Reply]:
    """A script that always gives ``reply``."""
    return lambda method, target: reply


def gzip_bomb(decoded_size: int) -> bytes:
    """``decoded_size`` zero bytes, gzipped (about 1/1000 of the size)."""
    return gzip.compress(b'\0' * decoded_size, compresslevel=9)


def gzip_reply(body: bytes, content_type: str = 'application/json') -> Reply:
    """A 200 whose body is ``body`` already gzipped."""
    return Reply(200, body, (('Content-Type', content_type), ('Content-Encoding', 'gzip')))


class HeaderDripServer(_Base):
    """Sends its status line and headers one byte every ``interval`` seconds, up to ``limit`` bytes.

    ``sent`` holds, per connection, how many bytes of the head it could send
    before the client hung up (the client's patience, measured in bytes).
    """

    HEAD = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Pad: ' + b'a' * 4000

    def __init__(self, interval: float = 0.05, limit: int = 600) -> None:
        super().__init__()
        self.interval = interval
        self.limit = limit
        self.sent: List[int] = []
        self.started: List[float] = []

    def handle(self, client: socket.socket) -> None:
        try:
            read_request(client)
        except OSError:
            return
        index = len(self.sent)
        self.sent.append(0)
        self.started.append(time.monotonic())
        try:
            for byte in self.HEAD[: self.limit]:
                if self._stop.is_set():
                    return
                client.sendall(bytes([byte]))
                self.sent[index] += 1
                time.sleep(self.interval)
            client.sendall(b'\r\nContent-Length: 2\r\n\r\n{}')
        except OSError:
            return


class PlainHttpServer(_Base):
    """A plain-HTTP server: answers anything, a TLS client hello included, with ``400 Bad Request``.

    With ``answer=False`` it closes the connection without a word (what the
    emulator does on its plain port when a TLS client hello arrives).
    """

    def __init__(self, answer: bool = True) -> None:
        super().__init__()
        self.connections = 0
        self.answer = answer

    def handle(self, client: socket.socket) -> None:
        self.connections += 1
        try:
            client.settimeout(5)
            client.recv(65536)
            if self.answer:
                client.sendall(b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
            client.close()
        except OSError:
            return


def chain(error: Optional[BaseException]) -> List[BaseException]:
    """Every exception reachable from ``error`` through ``__cause__`` and ``__context__``."""
    seen: List[BaseException] = []
    todo = [error]
    while todo:
        current = todo.pop()
        if current is None or any(current is done for done in seen):
            continue
        seen.append(current)
        todo.extend([current.__cause__, current.__context__])
        todo.extend(arg for arg in current.args if isinstance(arg, BaseException))
    return seen


def leaks(error: BaseException, secrets: Tuple[str, ...] = (SID, PASSWORD)) -> Dict[str, str]:
    """Where a secret shows up in an exception, its chain, args, request and response."""
    found: Dict[str, str] = {}
    for number, current in enumerate(chain(error)):
        texts = {
            'str': str(current),
            'repr': repr(current),
            'args': repr(current.args),
        }
        request = getattr(current, 'request', None)
        if request is not None:
            texts['request.url'] = str(getattr(request, 'url', ''))
            body = getattr(request, 'body', None)
            texts['request.body'] = body.decode('latin-1') if isinstance(body, bytes) else str(body)
        response = getattr(current, 'response', None)
        if response is not None:
            texts['response.url'] = str(getattr(response, 'url', ''))
        for where, text in texts.items():
            for secret in secrets:
                if secret in text:
                    found['{0}[{1}].{2}'.format(type(current).__name__, number, where)] = secret
    return found
