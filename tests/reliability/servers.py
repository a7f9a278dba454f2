"""Scripted real-socket HTTP server: answers that break off, lie about their length, drop."""

import socket
import threading
from typing import List, NamedTuple, Optional

from tests.helpers.servers import _Base, read_request


class Answer(NamedTuple):
    """One scripted answer.

    :ivar body: the full body.
    :ivar send: how many body bytes to send before closing (None: all).
    :ivar length: Content-Length to announce (None: ``len(body)``; -1: chunked).
    :ivar status: HTTP status.
    :ivar drop: close without answering at all.
    """

    body: bytes
    send: Optional[int] = None
    length: Optional[int] = None
    status: int = 200
    drop: bool = False


class ScriptedServer(_Base):
    """Answers the n-th request with the n-th :class:`Answer` (the last one repeats)."""

    def __init__(self, answers: List[Answer]) -> None:
        super().__init__()
        self.answers = list(answers)
        self.requests: List[str] = []
        self._lock = threading.Lock()

    def _next(self, request_line: str) -> Answer:
        with self._lock:
            self.requests.append(request_line)
            index = min(len(self.requests), len(self.answers)) - 1
            return self.answers[index]

    def handle(self, client: socket.socket) -> None:
        try:
            while True:
                request_line, _, _ = read_request(client)
                if not request_line:
                    return
                answer = self._next(request_line)
                if answer.drop:
                    client.shutdown(socket.SHUT_RDWR)
                    client.close()
                    return
                body = answer.body if answer.send is None else answer.body[: answer.send]
                if answer.length == -1:
                    head = 'Transfer-Encoding: chunked\r\n'
                    payload = b'%x\r\n%s\r\n' % (len(body), body) if body else b''
                    if answer.send is None:
                        payload += b'0\r\n\r\n'
                else:
                    size = len(answer.body) if answer.length is None else answer.length
                    head = 'Content-Length: {0}\r\n'.format(size)
                    payload = body
                client.sendall(
                    'HTTP/1.1 {0} X\r\nContent-Type: application/octet-stream\r\n{1}\r\n'.format(
                        answer.status, head,
                    ).encode('latin-1') + payload,
                )
                if answer.send is not None or answer.length is not None:
                    client.shutdown(socket.SHUT_RDWR)
                    client.close()
                    return
        except OSError:
            return
