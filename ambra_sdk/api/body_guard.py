"""Low-speed limit on response bodies: a server dripping bytes cannot hold a call forever.

The read timeout of ``requests`` bounds the wait for *each* socket read, so a
server sending one byte a second never trips it and a call could last for
days. :func:`guard_body` wraps the socket of one response so that, once a
window of ``window`` seconds (the read timeout) has passed with fewer than
:data:`MIN_BYTES_PER_WINDOW` bytes received, the next read fails with a
socket timeout, which urllib3 reports as ``ReadTimeoutError`` (and the SDK as
:class:`~ambra_sdk.exceptions.base.RequestTimeout`).

This is curl's ``--speed-limit``/``--speed-time`` rule; a real download (any
rate above 1 KiB per read timeout) is never cut short.
"""

import logging
import socket
import time
from typing import Any, Optional

logger = logging.getLogger(__name__)

#: Fewest bytes a body must deliver in every window of one read timeout.
MIN_BYTES_PER_WINDOW = 1024


class _GuardedSocket:
    """Socket proxy counting received bytes per window (only ``recv_into``/``recv`` are checked)."""

    def __init__(self, sock: Any, window: float, min_bytes: int) -> None:
        self._sock = sock
        self._window = window
        self._min_bytes = min_bytes
        self._window_start = time.monotonic()
        self._window_bytes = 0

    def _check(self) -> None:
        now = time.monotonic()
        if now - self._window_start < self._window:
            return
        if self._window_bytes < self._min_bytes:
            raise socket.timeout(
                'body too slow: {0} bytes in {1:.1f}s'.format(self._window_bytes, now - self._window_start),
            )
        self._window_start = now
        self._window_bytes = 0

    def recv_into(self, buffer: Any, *args: Any) -> int:
        self._check()
        count = int(self._sock.recv_into(buffer, *args))
        self._window_bytes += count
        return count

    def recv(self, *args: Any) -> bytes:
        self._check()
        data = bytes(self._sock.recv(*args))
        self._window_bytes += len(data)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def read_timeout_of(timeout: Any) -> Optional[float]:
    """Return the read part of a requests timeout value (None: no limit).

    :param timeout: number, ``(connect, read)`` tuple, urllib3 ``Timeout`` or None.
    """
    if timeout is None:
        return None
    if isinstance(timeout, tuple):
        return None if timeout[1] is None else float(timeout[1])
    if isinstance(timeout, (int, float)):
        return float(timeout)
    read = getattr(timeout, 'read_timeout', None)
    return float(read) if isinstance(read, (int, float)) else None


def guard_body(raw: Any, window: Optional[float], min_bytes: int = MIN_BYTES_PER_WINDOW) -> bool:
    """Install the low-speed limit on the body of a urllib3 response.

    :param raw: ``requests.Response.raw`` (a urllib3 ``HTTPResponse``) whose
        body is not read yet.
    :param window: seconds per window (the read timeout); None or 0: no guard.
    :param min_bytes: bytes each window must bring.
    :returns: True when the guard is installed (CPython sockets), else False.
    """
    if not window:
        return False
    # urllib3 HTTPResponse._fp -> http.client.HTTPResponse.fp -> BufferedReader.raw -> SocketIO._sock
    http_response = getattr(raw, '_fp', None)
    buffered = getattr(http_response, 'fp', None)
    socket_io = getattr(buffered, 'raw', None)
    sock = getattr(socket_io, '_sock', None)
    if sock is None or isinstance(sock, _GuardedSocket):
        return False
    socket_io._sock = _GuardedSocket(sock, window, min_bytes)  # type: ignore[union-attr]
    return True
