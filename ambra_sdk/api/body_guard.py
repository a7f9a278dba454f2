"""Time limits on answers: a server dripping bytes cannot hold a call, in the head or in the body.

**Head.** The status line and the headers must arrive, whole, within one read
timeout after the request was sent (:class:`DeadlineHTTPResponse`, used by
the connections of :class:`HeadDeadlineHTTPConnectionPool`): a server sending
its headers one byte a second fails after ``read`` seconds, not never.

**Body.**

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

import http.client
import logging
import socket
import time
from typing import Any, Optional

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

logger = logging.getLogger(__name__)

#: Fewest bytes a body must deliver in every window of one read timeout.
MIN_BYTES_PER_WINDOW = 1024


class _GuardedSocket:
    """Socket proxy: a deadline on the head, then bytes counted per window (``recv_into``/``recv``).

    :param sock: the real socket.
    :param window: seconds per body window (None: no body limit until :meth:`start_body`).
    :param min_bytes: bytes each body window must bring.
    :param head_deadline: monotonic time by which the head must be read (None: none).
    """

    def __init__(
        self, sock: Any, window: Optional[float], min_bytes: int, head_deadline: Optional[float] = None,
    ) -> None:
        self._sock = sock
        self._window = window
        self._min_bytes = min_bytes
        self._window_start = time.monotonic()
        self._window_bytes = 0
        self._head_deadline = head_deadline
        self._read_timeout = sock.gettimeout() if head_deadline is not None else None

    def end_head(self) -> None:
        """The head is read: lift its deadline and give the socket its read timeout back."""
        if self._head_deadline is None:
            return
        self._head_deadline = None
        try:
            self._sock.settimeout(self._read_timeout)
        except OSError:
            pass

    def start_body(self, window: float, min_bytes: int) -> None:
        """Start the low-speed limit of the body.

        :param window: seconds per window.
        :param min_bytes: bytes each window must bring.
        """
        self.end_head()
        self._window = window
        self._min_bytes = min_bytes
        self._window_start = time.monotonic()
        self._window_bytes = 0

    def _check(self) -> None:
        now = time.monotonic()
        if self._head_deadline is not None:
            remaining = self._head_deadline - now
            if remaining <= 0:
                raise socket.timeout('the status line and headers did not arrive within the read timeout')
            timeout = remaining if self._read_timeout is None else min(remaining, self._read_timeout)
            self._sock.settimeout(timeout)
            return
        if self._window is None:
            return
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
    if sock is None:
        return False
    if isinstance(sock, _GuardedSocket):
        sock.start_body(window, min_bytes)
        return True
    socket_io._sock = _GuardedSocket(sock, window, min_bytes)  # type: ignore[union-attr]
    return True


def end_head(raw: Any) -> None:
    """Lift the head deadline of a response (no body limit is installed).

    :param raw: ``requests.Response.raw``.
    """
    sock = _socket_of(raw)
    if isinstance(sock, _GuardedSocket):
        sock.end_head()


def _socket_of(raw: Any) -> Any:
    http_response = getattr(raw, '_fp', None)
    buffered = getattr(http_response, 'fp', None)
    socket_io = getattr(buffered, 'raw', None)
    return getattr(socket_io, '_sock', None)


class DeadlineHTTPResponse(http.client.HTTPResponse):
    """``http.client`` response whose head must arrive within one read timeout.

    The socket's timeout when the response is created (urllib3 sets it to the
    read timeout just before) is the time allowed for the whole head.
    """

    def __init__(self, sock: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        socket_io = getattr(self.fp, 'raw', None)
        real = getattr(socket_io, '_sock', None)
        timeout = real.gettimeout() if real is not None and hasattr(real, 'gettimeout') else None
        if real is not None and timeout:
            socket_io._sock = _GuardedSocket(  # type: ignore[union-attr]
                real, None, MIN_BYTES_PER_WINDOW, head_deadline=time.monotonic() + timeout,
            )

    def begin(self) -> None:
        """Read the status line and the headers, then lift the head deadline."""
        try:
            super().begin()
        finally:
            sock = getattr(getattr(self.fp, 'raw', None), '_sock', None)
            if isinstance(sock, _GuardedSocket):
                sock.end_head()


class HeadDeadlineHTTPConnection(HTTPConnection):
    """urllib3 HTTP connection whose answers use :class:`DeadlineHTTPResponse`."""

    response_class = DeadlineHTTPResponse


class HeadDeadlineHTTPSConnection(HTTPSConnection):
    """urllib3 HTTPS connection whose answers use :class:`DeadlineHTTPResponse`."""

    response_class = DeadlineHTTPResponse


class HeadDeadlineHTTPConnectionPool(HTTPConnectionPool):
    """Pool of :class:`HeadDeadlineHTTPConnection`."""

    ConnectionCls = HeadDeadlineHTTPConnection


class HeadDeadlineHTTPSConnectionPool(HTTPSConnectionPool):
    """Pool of :class:`HeadDeadlineHTTPSConnection`."""

    ConnectionCls = HeadDeadlineHTTPSConnection


for _cls in (
    HeadDeadlineHTTPConnection, HeadDeadlineHTTPSConnection,
    HeadDeadlineHTTPConnectionPool, HeadDeadlineHTTPSConnectionPool,
):  # messages keep urllib3's names ("HTTPConnectionPool(host=...)")
    _cls.__name__ = _cls.__qualname__ = _cls.__name__.replace('HeadDeadline', '')

#: ``PoolManager.pool_classes_by_scheme`` of the SDK's adapters.
POOL_CLASSES = {'http': HeadDeadlineHTTPConnectionPool, 'https': HeadDeadlineHTTPSConnectionPool}
