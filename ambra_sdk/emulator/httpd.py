"""The emulator's HTTP server: werkzeug's threaded server with reused threads, TLS and keep-alive.

:class:`EmulatorServer` accepts connections and hands each to a thread (see
:class:`_ConnectionThreads`), where :class:`~ambra_sdk.emulator.handler.EmulatorRequestHandler`
serves its requests. It keeps the open connections so that :meth:`EmulatorServer.server_close`
ends the idle keep-alive ones too.

A module that must own a connection after its request line and headers (a
websocket channel, HTTP or TLS alike) registers a *takeover* at import time::

    from ambra_sdk.emulator.httpd import register_takeover

    def choose(path, headers):            # -> a callable(handler) or None
        if headers.get('Upgrade', '').lower() != 'websocket':
            return None                   # the WSGI app answers
        return serve_channel              # serve_channel(handler) owns handler.connection

    register_takeover(r'/api/v3/channel/websocket', choose)

The takeover gets the :class:`~ambra_sdk.emulator.handler.EmulatorRequestHandler`
(``handler.connection``, ``rfile``, ``wfile``, ``headers``, ``path``,
``server.app`` for the state); the connection is closed when it returns.
"""

from __future__ import annotations

import itertools
import logging
import queue
import re
import socket
import ssl
import threading
from typing import Any, Callable, Optional, Tuple

from werkzeug.serving import ThreadedWSGIServer

from .handler import EmulatorRequestHandler, Takeover, plain_answer, refuse
from .limits import HeadWatch, Limits

__all__ = [
    'EmulatorServer', 'BindError', 'IDLE_THREAD_TIMEOUT', 'register_takeover', 'TakeoverChooser', 'BUSY',
    'MAX_REFUSING',
]

#: ``chooser(path, headers)`` -> a takeover for the request, or None to let the WSGI app answer.
TakeoverChooser = Callable[[str, Any], Optional[Takeover]]

_TAKEOVERS: list[Tuple[str, TakeoverChooser]] = []


def register_takeover(path_pattern: str, chooser: TakeoverChooser) -> None:
    """Register a connection takeover for every server started afterwards (see the module docstring).

    :param path_pattern: regular expression the request path (query excluded) must match in full.
    :param chooser: returns the takeover, or None to let the WSGI app answer.
    """
    _TAKEOVERS.append((path_pattern, chooser))

logger = logging.getLogger(__name__)

#: Seconds an idle connection thread waits for work before it ends.
IDLE_THREAD_TIMEOUT = 30.0
#: Answer to a connection over the caps of :class:`~ambra_sdk.emulator.limits.Limits`.
BUSY = plain_answer('The Ambra emulator is serving as many connections as it may (see --max-connections).',
                    '503 Service Unavailable')
#: Refusals answered at once (each takes a thread for under a second); past that a connection is just closed.
MAX_REFUSING = 16

_Task = Optional[Tuple[Callable[..., None], Tuple[Any, ...]]]


class _ConnectionThreads:
    """Daemon threads that serve connections one after another.

    ``socketserver.ThreadingMixIn`` starts a thread per connection, and the
    server closes every connection after one request (werkzeug's dev server
    has no keep-alive), so that is a thread per request: about 0.2 ms of
    CPU each (the start-up hand-shake with the accepting thread, stack
    mapping, thread state), a fifth of a small request. Here a connection
    goes to an idle thread when there is one, else to a new thread: as
    many connections are served at once as before (no limit), and threads
    idle for :data:`IDLE_THREAD_TIMEOUT` seconds end.

    :param name: prefix of the thread names.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._tasks: queue.SimpleQueue[_Task] = queue.SimpleQueue()
        self._lock = threading.Lock()
        #: Threads waiting for work minus queued tasks (each queued task has a thread to come).
        self._idle = 0
        self._alive = 0
        self._closed = False
        self._numbers = itertools.count(1)

    def submit(self, func: Callable[..., None], *args: Any) -> None:
        """Run ``func(*args)`` in an idle thread, or in a new one when none is idle.

        :raises RuntimeError: a new thread was needed and could not start (nothing was queued).
        """
        with self._lock:
            if self._idle > 0:
                self._idle -= 1
                self._tasks.put((func, args))
                return
            self._alive += 1
        try:
            name = '{0}-{1}'.format(self._name, next(self._numbers))
            threading.Thread(target=self._run, name=name, daemon=True).start()
        except BaseException:
            with self._lock:
                self._alive -= 1
            raise
        self._tasks.put((func, args))

    def close(self) -> None:
        """Let every thread end once the queued work is done (they never block interpreter exit)."""
        with self._lock:
            self._closed = True
            alive = self._alive
        for _ in range(alive):
            self._tasks.put(None)

    def _run(self) -> None:
        while True:
            try:
                task = self._tasks.get(timeout=IDLE_THREAD_TIMEOUT)
            except queue.Empty:
                with self._lock:
                    if self._idle > 0:  # no queued task counts on this thread
                        self._idle -= 1
                        self._alive -= 1
                        return
                continue
            if task is None:
                return
            func, args = task
            try:
                func(*args)
            except BaseException:
                with self._lock:
                    self._alive -= 1
                raise
            with self._lock:
                if self._closed:
                    return
                self._idle += 1



class EmulatorServer(ThreadedWSGIServer):
    """The emulator's server socket.

    :param host: interface to bind.
    :param port: TCP port (0: a free one).
    :param app: the WSGI app.
    :param tls_context: serve HTTPS with this context (None: plain HTTP).
    :param keep_alive: keep HTTP/1.1 connections open between requests (False: close after each).
    :param limits: body, connection and head bounds (defaults of :class:`~ambra_sdk.emulator.limits.Limits`).
    :raises BindError: the address cannot be bound (``errno`` and ``strerror`` say why).
    :param network: shapes every connection (:mod:`ambra_sdk.emulator.network`); None: loopback as is.
    """

    def __init__(
        self,
        host: str,
        port: int,
        app: Any,
        tls_context: Optional[ssl.SSLContext] = None,
        keep_alive: bool = True,
        limits: Optional[Limits] = None,
        network: Optional[Any] = None,
    ) -> None:
        # set before binding: werkzeug calls server_close() when the bind fails
        self.closing = False
        self._open: set[Any] = set()
        self._open_lock = threading.Lock()
        self._connection_threads: Optional[_ConnectionThreads] = None
        self.limits = limits if limits is not None else Limits()
        self.head_watch = HeadWatch(self.limits.head_timeout)
        #: Connections being served (accepted and not ended), refusals excluded.
        self._active = 0
        self._refusing = 0
        #: Connections answered 503 because a cap was reached.
        self.connections_refused = 0
        super().__init__(host, port, app, handler=EmulatorRequestHandler)
        #: A :class:`~ambra_sdk.emulator.network.NetworkShaper`, or None.
        self.network = network
        #: werkzeug reads it for ``wsgi.url_scheme``; the handshake itself is done per connection.
        self.ssl_context = tls_context
        self.tls_context = tls_context
        self.keep_alive = keep_alive
        #: Connections accepted so far.
        self.connections_accepted = 0
        self._serving = 0
        self._served = threading.Condition(self._open_lock)
        self._takeovers: list[Tuple[re.Pattern[str], TakeoverChooser]] = []
        for pattern, chooser in _TAKEOVERS:
            self.add_takeover(pattern, chooser)
        self._connection_threads = _ConnectionThreads('ambra-emulator-{0}-conn'.format(self.server_port))

    # ------------------------------------------------------------ takeovers

    def add_takeover(self, path_pattern: str, chooser: TakeoverChooser) -> None:
        """Let ``chooser(path, headers)`` take over connections whose request path matches.

        :param path_pattern: regular expression matched against the request path (query excluded).
        :param chooser: returns a :data:`~ambra_sdk.emulator.handler.Takeover` to own the
            connection, or None to let the WSGI app answer the request.
        """
        self._takeovers.append((re.compile(path_pattern), chooser))

    def takeover_for(self, target: str, headers: Any) -> Optional[Takeover]:
        """The takeover for a request (see :meth:`add_takeover`), or None."""
        if not self._takeovers:
            return None
        path = target.split('?', 1)[0]
        for pattern, chooser in self._takeovers:
            if pattern.fullmatch(path):
                takeover = chooser(path, headers)
                if takeover is not None:
                    return takeover
        return None

    # ---------------------------------------------------------- connections

    def track(self, sock: Any) -> None:
        """Remember an open connection (closed by :meth:`server_close`)."""
        with self._open_lock:
            self._open.add(sock)

    def untrack(self, sock: Any) -> None:
        """Forget a connection that ended."""
        with self._open_lock:
            self._open.discard(sock)

    def server_bind(self) -> None:
        """Bind the socket; a failure raises :class:`BindError` (werkzeug would print and exit)."""
        try:
            super().server_bind()
        except OSError as error:
            self.socket.close()
            raise BindError(error.errno, error.strerror or str(error)) from None

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection in a reused thread (``ThreadingMixIn`` starts a new one), or refuse it."""
        self.connections_accepted += 1
        limits = self.limits
        answer = False
        with self._open_lock:
            busy = self._active >= limits.max_connections or len(self.head_watch) >= limits.max_half_open
            if not busy:
                self._active += 1
            elif self._refusing < MAX_REFUSING:
                self._refusing += 1
                answer = True
        if busy:
            self.connections_refused += 1
            self._refuse_busy(request, answer)
            return
        self.head_watch.start(request)
        assert self._connection_threads is not None
        try:
            self._connection_threads.submit(self._serve_connection, request, client_address)
        except BaseException:
            self.head_watch.stop(request)
            with self._open_lock:
                self._active -= 1
            raise

    def _refuse_busy(self, request: Any, answer: bool) -> None:
        """Answer 503 in a connection thread when ``answer`` (a few at once), else close at once."""
        if answer and self._connection_threads is not None:
            try:
                self._connection_threads.submit(self._answer_busy, request)
                return
            except RuntimeError:
                self._refused()
        elif answer:
            self._refused()
        self.shutdown_request(request)

    def _answer_busy(self, request: Any) -> None:
        try:
            refuse(request, BUSY)
        finally:
            self._refused()
            self.shutdown_request(request)

    def _refused(self) -> None:
        with self._open_lock:
            self._refusing -= 1

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._serving += 1
        try:
            self.finish_request(request, client_address)
        except Exception as error:  # noqa: BLE001 - log the kind, never the data
            self.handle_error(request, client_address, error)
        finally:
            self.head_watch.stop(request)
            self.untrack(request)
            self.shutdown_request(request)
            with self._open_lock:
                self._serving -= 1
                self._active -= 1
                self._served.notify_all()

    def wait_for_connections(self, timeout: float) -> bool:
        """Wait until no connection is being served (after :meth:`server_close`, their cleanup is done).

        :param timeout: seconds to wait at most.
        :return: True when none is left.
        """
        with self._open_lock:
            return self._served.wait_for(lambda: self._serving == 0, timeout)

    def handle_error(self, request: Any, client_address: Any, error: Optional[BaseException] = None) -> None:
        """Log what kind of error ended a connection, without the traceback (it may quote request data)."""
        logger.warning('Emulator connection ended by %s', type(error).__name__ if error else 'an error')

    def server_close(self) -> None:
        """Close the socket and every open connection; the connection threads end."""
        self.closing = True
        super().server_close()
        self.head_watch.close()
        with self._open_lock:
            connections = list(self._open)
        for sock in connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except (OSError, ValueError):
                pass
        if self._connection_threads is not None:
            self._connection_threads.close()


class BindError(Exception):
    """The server could not bind its address (not an ``OSError``: werkzeug would exit on one).

    :param errno: the ``OSError`` number (``errno.EADDRINUSE``, ``errno.EACCES``, ...).
    :param strerror: its text.
    """

    def __init__(self, errno: Optional[int], strerror: str) -> None:
        super().__init__(strerror)
        self.errno = errno
        self.strerror = strerror
