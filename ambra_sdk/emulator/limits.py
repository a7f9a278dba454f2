"""The emulator's limits: request bodies, connections, request heads (one place for every bound).

:class:`Limits` holds the numbers (``Emulator(max_body_bytes=..., ...)``,
``--max-body-bytes`` ...); the server layer applies them:

* a request body longer than :meth:`Limits.body_limit` for its path is
  answered ``413`` before it is read: a ``Content-Length`` over the limit
  at once, after the head; a chunked body as soon as the bytes read pass
  it (:class:`BodyTooLargeError`, raised by the handler's body reader);
* a connection beyond :attr:`Limits.max_connections` open ones, or beyond
  :attr:`Limits.max_half_open` ones that have not sent a full request head
  yet, is answered ``503`` and closed;
* a connection that has not sent a full request head
  :attr:`Limits.head_timeout` seconds after it opened (or after the first
  byte of a later request on a kept-alive connection) is closed by
  :class:`HeadWatch`, so a silent or dripping client holds a thread for
  that long at most.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from typing import Any, Optional

__all__ = [
    'Limits',
    'BodyTooLargeError',
    'HeadWatch',
    'parse_size',
    'STORAGE_PATH_PREFIX',
    'DEFAULT_MAX_BODY_BYTES',
    'DEFAULT_MAX_FORM_BYTES',
    'DEFAULT_MAX_CONNECTIONS',
    'DEFAULT_MAX_HALF_OPEN',
    'DEFAULT_HEAD_TIMEOUT',
]

MIB = 1024 * 1024
#: Storage bodies (DICOM uploads, attachments, multipart chunks): 2 GiB, the vendor's wrap limit.
DEFAULT_MAX_BODY_BYTES = 2048 * MIB
#: Service forms, bundles and control calls: 64 MiB (werkzeug's form memory limit of the app).
DEFAULT_MAX_FORM_BYTES = 64 * MIB
#: Connections served at once (a thread each).
DEFAULT_MAX_CONNECTIONS = 256
#: Connections that have not sent a full request head yet.
DEFAULT_MAX_HALF_OPEN = 64
#: Seconds a connection has to send a full request head.
DEFAULT_HEAD_TIMEOUT = 10.0
#: Paths whose bodies may reach :attr:`Limits.max_body_bytes` (every other path: the form limit).
STORAGE_PATH_PREFIX = '/api/v3/storage/'

_SIZE_UNITS = {'': 1, 'K': 1024, 'M': MIB, 'G': 1024 * MIB}


def parse_size(text: str) -> int:
    """A byte count written ``1048576``, ``512K``, ``64M`` or ``2G`` (powers of 1024).

    :raises ValueError: anything else, or a count below 1.
    """
    value = text.strip().upper().removesuffix('IB').removesuffix('B')
    unit = value[-1:] if value[-1:] in _SIZE_UNITS and value[-1:] else ''
    number = value[: len(value) - len(unit)].strip()
    if not number.isdigit() or int(number) < 1:
        raise ValueError('not a size: {0!r} (e.g. 1048576, 512K, 64M, 2G)'.format(text))
    return int(number) * _SIZE_UNITS[unit]


@dataclass(frozen=True)
class Limits:
    """Bounds of one emulator (see the module docstring).

    :ivar max_body_bytes: largest storage request body (``/api/v3/storage/...``).
    :ivar max_form_bytes: largest body of any other request (service form, bundle,
        control call); never more than ``max_body_bytes``.
    :ivar max_connections: connections served at once; more are answered 503.
    :ivar max_half_open: connections without a full request head at once; more are answered 503.
    :ivar head_timeout: seconds a connection has to send a full request head.
    """

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_form_bytes: int = DEFAULT_MAX_FORM_BYTES
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    max_half_open: int = DEFAULT_MAX_HALF_OPEN
    head_timeout: float = DEFAULT_HEAD_TIMEOUT

    def __post_init__(self) -> None:
        for name in ('max_body_bytes', 'max_form_bytes', 'max_connections', 'max_half_open'):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError('{0} must be a positive integer, not {1!r}'.format(name, value))
        if not 0 < self.head_timeout <= 3600:
            raise ValueError('head_timeout must be in (0, 3600] seconds, not {0!r}'.format(self.head_timeout))

    def body_limit(self, path: str) -> int:
        """Largest body accepted for a request to ``path`` (query excluded or not)."""
        if path.startswith(STORAGE_PATH_PREFIX):
            return self.max_body_bytes
        return min(self.max_form_bytes, self.max_body_bytes)


class BodyTooLargeError(Exception):
    """A chunked request body passed its limit while it was read (the handler answers 413).

    :param limit: the limit in bytes.
    """

    def __init__(self, limit: int) -> None:
        super().__init__('request body over {0} bytes'.format(limit))
        self.limit = limit


class HeadWatch:
    """Closes connections that do not send a full request head in time.

    :meth:`start` when a connection opens (or a new request begins on a kept-alive
    one), :meth:`stop` once its head is read. A daemon thread shuts the sockets
    whose deadline passed, which ends the blocked read of their connection thread.

    :param timeout: seconds allowed for a head.
    :param name: name of the watching thread.
    """

    def __init__(self, timeout: float, name: str = 'ambra-emulator-heads') -> None:
        self.timeout = timeout
        self._name = name
        self._deadlines: dict[Any, float] = {}
        self._changed = threading.Condition()
        self._thread: Optional[threading.Thread] = None
        self._closed = False
        #: When the watching thread wakes up next (None: only when notified).
        self._wake_at: Optional[float] = None
        #: Connections closed because their head did not come in time.
        self.expired = 0

    def __len__(self) -> int:
        """Connections waiting for their head."""
        return len(self._deadlines)

    def start(self, sock: Any) -> None:
        """Give ``sock`` :attr:`timeout` seconds from now to deliver a request head.

        The watching thread is woken only when this deadline comes before its
        next wake-up: a deadline is always ``timeout`` seconds away and the
        thread, even idle, wakes at most ``timeout`` seconds after it last
        looked, so a busy server's requests do not wake it one by one.
        """
        with self._changed:
            if self._closed:
                return
            deadline = self._deadlines[sock] = time.monotonic() + self.timeout
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            wake_at = self._wake_at
            if wake_at is None or deadline < wake_at:
                self._changed.notify()

    def stop(self, sock: Any) -> None:
        """The head of ``sock`` arrived (or the connection ended)."""
        with self._changed:
            self._deadlines.pop(sock, None)

    def close(self) -> None:
        """Stop watching (the thread ends)."""
        with self._changed:
            self._closed = True
            self._deadlines.clear()
            self._changed.notify()

    def _run(self) -> None:
        with self._changed:
            while not self._closed:
                now = time.monotonic()
                late = [sock for sock, deadline in self._deadlines.items() if deadline <= now]
                for sock in late:
                    del self._deadlines[sock]
                    self.expired += 1
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except (OSError, ValueError):
                        pass
                wake_at = min(self._deadlines.values()) if self._deadlines else now + self.timeout
                self._wake_at = wake_at
                self._changed.wait(max(0.0, wake_at - now))
                self._wake_at = None
