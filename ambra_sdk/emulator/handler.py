"""The emulator's HTTP/1.1 request handler: keep-alive, TLS, bodies never parsed as requests.

One class, :class:`EmulatorRequestHandler`, serves one connection:

1. :meth:`~EmulatorRequestHandler.setup` looks at the first byte the client
   sends. On a plain port a TLS client hello (``0x16``) gets an immediate
   plain-text refusal; on a TLS port (``--tls``) a plain HTTP request gets a
   400 saying so; otherwise TLS is negotiated here, in the connection's own
   thread (never in the accepting thread).
2. ``http.server`` reads each request line and headers and calls
   :meth:`~EmulatorRequestHandler.run_wsgi`, the one place where a request is
   dispatched: to a *takeover* registered for the path (a handler that owns
   the connection from then on, e.g. a websocket channel), else to the WSGI
   app through :meth:`~EmulatorRequestHandler.run_app`.
3. The body the app did not read is drained before the next request is
   read (keep-alive, as the real server), or the connection is closed when
   there is too much of it: a body is never parsed as a request.

Nothing of a request (request line, headers, body) is ever logged: the log
lines of ``http.server`` and werkzeug are replaced by fixed messages.
"""

from __future__ import annotations

import io
import json
import logging
import selectors
import socket
import ssl
import time
from typing import TYPE_CHECKING, Any, Callable, Optional

from werkzeug.exceptions import InternalServerError
from werkzeug.serving import WSGIRequestHandler

from .limits import BodyTooLargeError

if TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import WSGIEnvironment

__all__ = [
    'EmulatorRequestHandler',
    'RequestBody',
    'Takeover',
    'KEEP_ALIVE_TIMEOUT',
    'HANDSHAKE_TIMEOUT',
    'DRAIN_LIMIT',
    'TLS_ON_PLAIN_PORT',
    'PLAIN_ON_TLS_PORT',
]

logger = logging.getLogger(__name__)

#: Seconds an idle keep-alive connection (or a silent new one) is kept open.
KEEP_ALIVE_TIMEOUT = 75.0
#: Seconds a client has to finish the TLS handshake.
HANDSHAKE_TIMEOUT = 10.0
#: Unread request body (bytes) drained to keep a connection open; more closes it.
DRAIN_LIMIT = 4 * 1024 * 1024
#: Seconds the rest of an unread body may take to arrive (each read) before the connection closes.
DRAIN_IDLE_TIMEOUT = 1.0
#: How long (seconds) a connection that closes keeps reading what the client still sends,
#: so that it sees the answer rather than a reset.
LINGER_SECONDS = 2.0

_TLS_HANDSHAKE = 0x16
#: The last ``Date`` header text and its second (:meth:`EmulatorRequestHandler.date_time_string`).
_DATE: list[tuple[int, str]] = [(-1, '')]
#: A first body piece up to this size goes out in the same send as the head (a copy of it is cheaper than a send).
_JOINED_BODY = 256 * 1024


def plain_answer(text: str, status: str = '400 Bad Request', content_type: str = 'text/plain; charset=utf-8') -> bytes:
    """A complete answer with ``text`` as its body, ending with ``Connection: close``.

    :param status: status code and reason, e.g. ``'503 Service Unavailable'``.
    """
    body = (text + '\r\n').encode('utf-8')
    head = (
        'HTTP/1.1 {0}\r\n'
        'Content-Type: {1}\r\n'
        'Connection: close\r\n'
        'Content-Length: {2}\r\n\r\n'.format(status, content_type, len(body))
    )
    return head.encode('ascii') + body


def too_large_answer(limit: int) -> bytes:
    """The ``413`` answer to a body over ``limit`` bytes: one JSON body both APIs' clients read.

    It has the service API's ``status``/``error_type`` and the storage API's
    ``kind``/``message`` (``PAYLOAD_TOO_LARGE``, storage code 19).
    """
    message = 'Request body over the emulator limit of {0} bytes (--max-body-bytes for storage, ' \
              '--max-form-bytes for other calls)'.format(limit)
    body = {
        'status': 'ERROR',
        'error_type': 'PAYLOAD_TOO_LARGE',
        'kind': {'code': 19, 'readable_status': 'PAYLOAD_TOO_LARGE'},
        'message': message,
        'exception_data': {'limit': limit},
    }
    return plain_answer(json.dumps(body), '413 Payload Too Large', 'application/json')


def refuse(sock: socket.socket, answer: bytes) -> None:
    """Read what the client sent so far, send ``answer`` and close our side (the peer sees the answer)."""
    try:
        sock.settimeout(0.2)
        sock.recv(65536)
    except OSError:
        pass
    try:
        sock.sendall(answer)
        sock.shutdown(socket.SHUT_WR)
        _linger(sock, 0.5)
    except OSError:
        pass


#: Answer to a TLS client hello on the plain port (clients report a TLS error at once).
TLS_ON_PLAIN_PORT = plain_answer(
    'This Ambra emulator speaks plain HTTP: use an http:// URL '
    '(storage_base_url=\'http://{engine_fqdn}/api/v3/storage\'), or start it with --tls.'
)
#: Answer to a plain HTTP request on the TLS port.
PLAIN_ON_TLS_PORT = plain_answer(
    'This Ambra emulator speaks HTTPS (started with --tls): use an https:// URL and trust its CA file.'
)

#: A connection takeover: called with the handler once the request line and
#: headers are read; it owns ``handler.connection`` (``rfile``/``wfile``)
#: until it returns, and the connection is closed afterwards.
Takeover = Callable[['EmulatorRequestHandler'], None]


class RequestBody:
    """The request body as the app sees it: never a byte past its end.

    :param stream: the connection's reader (or a de-chunking reader).
    :param length: the Content-Length, or None for a chunked body (read to its end).
    :param limit: a chunked body longer than this raises :class:`~ambra_sdk.emulator.limits.BodyTooLargeError`
        (read in bounded pieces: never more than ``limit`` bytes in memory at once).
    """

    def __init__(self, stream: Any, length: Optional[int], limit: Optional[int] = None) -> None:
        self._stream = stream
        self._remaining = length
        self._ended = length == 0
        self._limit = limit if length is None else None
        self._count = 0
        #: True once the body passed its limit (the answer is then a 413, whatever the app said).
        self.over_limit = False

    @property
    def remaining(self) -> Optional[int]:
        """Bytes not read yet (None: a chunked body not read to its end)."""
        if self._ended:
            return 0
        return self._remaining

    def read(self, size: Optional[int] = -1) -> bytes:
        """Read up to ``size`` bytes (all when negative or None); ``b''`` at the end.

        :raises ConnectionError: the client closed before Content-Length bytes.
        """
        if self._ended or size == 0:
            return b''
        if self._limit is not None:
            return self._read_bounded(size)
        if size is None or size < 0:
            size = -1 if self._remaining is None else self._remaining
        elif self._remaining is not None:
            size = min(size, self._remaining)
        data: bytes = self._stream.read(size)
        if self._remaining is not None:
            self._remaining -= len(data)
            if self._remaining <= 0:
                self._ended = True
            elif not data:
                self._ended = True
                raise ConnectionError('request body ended early')
        elif not data or size < 0:  # a read to the end of a chunked body
            self._ended = True
        return data

    def _read_bounded(self, size: Optional[int]) -> bytes:
        """Read a chunked body that has a limit: never more than the limit (plus one byte) at once."""
        if size is not None and size >= 0:
            return self._counted(self._stream.read(min(size, self._room())))
        parts: list[bytes] = []
        while True:
            piece = self._counted(self._stream.read(min(1 << 16, self._room())))
            if not piece:
                return b''.join(parts)
            parts.append(piece)

    def _room(self) -> int:
        """Bytes a read may ask for: up to one past the limit, so that passing it shows."""
        assert self._limit is not None
        return self._limit - self._count + 1

    def _counted(self, data: bytes) -> bytes:
        """Count ``data`` against the limit; ``b''`` ends the body.

        :raises BodyTooLargeError: the body passed its limit.
        """
        if not data:
            self._ended = True
            return data
        self._count += len(data)
        if self._limit is not None and self._count > self._limit:
            self.over_limit = True
            self._ended = True
            raise BodyTooLargeError(self._limit)
        return data

    def readable(self) -> bool:
        """A body is readable (file-like protocol)."""
        return True

    def readline(self, size: int = -1) -> bytes:
        """Read one line (bounded by the body's end)."""
        if self._ended or size == 0:
            return b''
        if self._limit is not None:
            size = self._room() if size is None or size < 0 else min(size, self._room())
            return self._counted(self._stream.readline(size))
        if self._remaining is not None:
            size = self._remaining if size is None or size < 0 else min(size, self._remaining)
        line: bytes = self._stream.readline(size)
        if self._remaining is not None:
            self._remaining -= len(line)
            if self._remaining <= 0 or not line:
                self._ended = True
        elif not line:
            self._ended = True
        return line

    def __iter__(self) -> Any:
        return iter(self.readline, b'')

    def drain(self, limit: int) -> bool:
        """Read and drop what is left, at most ``limit`` bytes.

        :return: True when the body was read to its end.
        """
        left = limit
        while not self._ended and left > 0:
            try:
                data = self.read(min(left, 1 << 16))
            except (OSError, ValueError, BodyTooLargeError):
                return False
            if not data:
                break
            left -= len(data)
        return self._ended


def _content_length(value: Optional[str]) -> Optional[int]:
    """Content-Length as an int; ``-1`` when malformed; None when absent."""
    if value is None:
        return None
    value = value.strip()
    if not value.isdigit():
        return -1
    return int(value)


class EmulatorRequestHandler(WSGIRequestHandler):
    """werkzeug's WSGI handler with keep-alive, TLS in the connection thread and quiet logs.

    The server (:class:`~ambra_sdk.emulator.httpd.EmulatorServer`) gives:
    ``tls_context`` (None on a plain port), ``keep_alive`` (False: answer
    ``Connection: close`` every time), ``takeover_for(path, headers)`` and
    ``track(sock)`` / ``untrack(sock)``.
    """

    protocol_version = 'HTTP/1.1'
    timeout = KEEP_ALIVE_TIMEOUT
    #: Headers and body go out in separate writes: without TCP_NODELAY, a kept-alive
    #: connection would wait for the client's delayed ACK (40 ms) on every answer.
    disable_nagle_algorithm = True

    #: True when the connection was refused in :meth:`setup` (nothing more to serve).
    refused = False
    body: Optional[RequestBody] = None
    _raw_socket: Any = None
    #: Requests whose reading began on this connection.
    _requests_read = 0
    #: ``http.server``'s buffer of the answer's head lines.
    _headers_buffer: list[bytes]

    # ------------------------------------------------------------ connection

    def setup(self) -> None:
        """Refuse the wrong protocol, negotiate TLS, then set up the reader and writer."""
        sock: socket.socket = self.request
        self._raw_socket = sock
        self.server.track(sock)  # type: ignore[attr-defined]
        context: Optional[ssl.SSLContext] = self.server.tls_context  # type: ignore[attr-defined]
        try:
            sock.settimeout(KEEP_ALIVE_TIMEOUT)
            first = sock.recv(1, socket.MSG_PEEK)
            if not first:
                self.refused = True
            elif context is None and first[0] == _TLS_HANDSHAKE:
                self._refuse(sock, TLS_ON_PLAIN_PORT)
            elif context is not None and first[0] != _TLS_HANDSHAKE:
                self._refuse(sock, PLAIN_ON_TLS_PORT)
            elif context is not None:
                sock.settimeout(HANDSHAKE_TIMEOUT)
                tls_sock = context.wrap_socket(sock, server_side=True)
                tls_sock.settimeout(KEEP_ALIVE_TIMEOUT)
                self.request = tls_sock
                self.server.track(tls_sock)  # type: ignore[attr-defined]
        except (OSError, ValueError):  # silent client, failed handshake, reset
            self.refused = True
        if self.refused:
            # Nothing is served: no reader or writer on a socket that may be closed already.
            self.connection = self.request = sock
            self.rfile = io.BytesIO()
            self.wfile = io.BytesIO()
            return
        super().setup()
        network = getattr(self.server, 'network', None)
        if network is not None:  # a network profile (ambra_sdk.emulator.network): latency and rate caps
            self.rfile, self.wfile = network.wrap(self.rfile, self.wfile)

    def _refuse(self, sock: socket.socket, answer: bytes) -> None:
        """Read what the client sent so far, answer ``answer`` and close."""
        self.refused = True
        refuse(sock, answer)

    def handle(self) -> None:
        """Serve requests until the connection closes (nothing when it was refused)."""
        if self.refused:
            return
        super().handle()

    def finish(self) -> None:
        """Flush, close a TLS socket (the accepting server closes plain ones) and forget it."""
        try:
            super().finish()
        except OSError:
            pass
        finally:
            request = self.request
            self._head_read()
            self.server.untrack(request)  # type: ignore[attr-defined]
            if isinstance(request, ssl.SSLSocket):
                try:
                    request.close()
                except OSError:
                    pass

    def handle_one_request(self) -> None:
        """Read one request; stop when the server is closing.

        The first request's head is timed from the accept (the server starts the
        :class:`~ambra_sdk.emulator.limits.HeadWatch`); a later one from its first byte.
        """
        if getattr(self.server, 'closing', False):
            self.close_connection = True
            return
        if self._requests_read and not self._next_request_started():
            self.close_connection = True
            return
        self._requests_read += 1
        try:
            super().handle_one_request()
        finally:
            self._head_read()

    def _next_request_started(self) -> bool:
        """Wait (keep-alive idle) for the first byte of the next request, then time its head."""
        watch = getattr(self.server, 'head_watch', None)
        peek = getattr(self.rfile, 'peek', None)
        if watch is None or peek is None:
            return True
        try:
            if not peek(1):
                return False
        except (OSError, ValueError):
            return False
        watch.start(self._raw_socket)
        return True

    def parse_request(self) -> bool:
        """Parse the request line and headers (the head is then complete: its timer stops)."""
        parsed = bool(super().parse_request())
        self._head_read()
        return parsed

    def date_time_string(self, timestamp: Optional[float] = None) -> str:
        """The ``Date`` header's text: the same text for a whole second, written once per second."""
        if timestamp is not None:
            return str(super().date_time_string(timestamp))
        second = int(time.time())
        cached = _DATE[0]
        if cached[0] != second:
            cached = _DATE[0] = (second, str(super().date_time_string(second)))
        return cached[1]

    def handle_expect_100(self) -> bool:
        """Send nothing yet: :meth:`run_app` answers ``100 Continue`` after the body checks (or a 413)."""
        return True

    def _head_read(self) -> None:
        watch = getattr(self.server, 'head_watch', None)
        if watch is not None:
            watch.stop(self._raw_socket)

    # -------------------------------------------------------------- dispatch

    def run_wsgi(self) -> None:
        """Dispatch one request: a registered takeover for its path, else the WSGI app."""
        takeover: Optional[Takeover] = self.server.takeover_for(self.path, self.headers)  # type: ignore[attr-defined]
        if takeover is not None:
            self.close_connection = True
            takeover(self)
            return
        self.run_app()

    def run_app(self) -> None:  # noqa: C901 - one request's life, kept in one place
        """Run the WSGI app for the request just read, then drain its unread body."""
        if not self.server.keep_alive:  # type: ignore[attr-defined]
            self.close_connection = True
        environ: WSGIEnvironment = self.make_environ()
        self.environ = environ
        length = _content_length(self.headers.get('Content-Length'))
        # werkzeug wraps a chunked body in a de-chunking reader and marks it terminated
        chunked = bool(environ.get('wsgi.input_terminated'))
        coded = self.headers.get('Transfer-Encoding') is not None
        if length == -1 or (chunked and length is not None) or (coded and not chunked):
            # a body whose end cannot be known for sure: never guess, never read on
            self.send_error(400, 'Bad request')
            return
        limits = getattr(self.server, 'limits', None)
        limit: Optional[int] = limits.body_limit(self.path) if limits is not None else None
        if limit is not None and length is not None and length > limit:
            self._answer_too_large(limit)  # before a byte of the body is read
            return
        if self.headers.get('Expect', '').lower().strip() == '100-continue':
            self.wfile.write(b'HTTP/1.1 100 Continue\r\n\r\n')

        body = RequestBody(environ['wsgi.input'], None if chunked else (length or 0), limit)
        self.body = body
        environ['wsgi.input'] = body
        environ['wsgi.input_terminated'] = True

        status_set: Optional[str] = None
        headers_set: Optional[list[tuple[str, str]]] = None
        status_sent: Optional[str] = None
        chunk_response = False

        def write(data: bytes) -> None:
            nonlocal status_sent, chunk_response
            assert status_set is not None and headers_set is not None, 'write() before start_response'
            if status_sent is None:
                status_sent = status_set
                code_str, _, msg = status_sent.partition(' ')
                code = int(code_str)
                self.send_response(code, msg)
                keys = set()
                for key, value in headers_set:
                    self.send_header(key, value)
                    keys.add(key.lower())
                if not (
                    'content-length' in keys
                    or environ['REQUEST_METHOD'] == 'HEAD'
                    or 100 <= code < 200
                    or code in (204, 304)
                ):
                    chunk_response = True
                    self.send_header('Transfer-Encoding', 'chunked')
                unread = body.remaining
                if unread is None or unread > DRAIN_LIMIT:
                    self.close_connection = True
                if 'connection' not in keys:
                    if self.close_connection:
                        self.send_header('Connection', 'close')
                    elif self.request_version == 'HTTP/1.0':
                        self.send_header('Connection', 'keep-alive')
                elif any(k.lower() == 'connection' and v.lower() == 'close' for k, v in headers_set):
                    self.close_connection = True
                if data and not chunk_response and len(data) <= _JOINED_BODY and self.request_version != 'HTTP/0.9':
                    # the head and a small body in one send (one system call, one TCP segment)
                    self._headers_buffer.append(b'\r\n')
                    head = b''.join(self._headers_buffer)
                    self._headers_buffer = []
                    self.wfile.write(head + data)
                    self.wfile.flush()
                    return
                self.end_headers()
            if data:
                if chunk_response:
                    self.wfile.write(b'%x\r\n' % len(data))
                self.wfile.write(data)
                if chunk_response:
                    self.wfile.write(b'\r\n')
            self.wfile.flush()

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            nonlocal status_set, headers_set
            if exc_info:
                try:
                    if status_sent is not None:
                        raise exc_info[1].with_traceback(exc_info[2])
                finally:
                    exc_info = None
            elif headers_set:
                raise AssertionError('Headers already set')
            status_set = status
            headers_set = headers
            return write

        def execute(app: Any) -> None:
            result = app(environ, start_response)
            if body.over_limit and status_sent is None:  # the app saw a cut body: its answer is moot
                if hasattr(result, 'close'):
                    result.close()
                raise BodyTooLargeError(limit or 0)
            try:
                for data in result:
                    write(data)
                if status_sent is None:
                    write(b'')
                if chunk_response:
                    self.wfile.write(b'0\r\n\r\n')
                    self.wfile.flush()
            finally:
                if hasattr(result, 'close'):
                    result.close()

        try:
            execute(self.server.app)
        except BodyTooLargeError as error:
            if status_sent is None:
                self._answer_too_large(error.limit)
            self.close_connection = True
            return
        except (ConnectionError, socket.timeout, ssl.SSLError):
            self.close_connection = True
            return
        except Exception as error:  # noqa: BLE001 - answer 500 and say what broke, never its data
            self.close_connection = True
            logger.error('Emulator request failed: %s', type(error).__name__)
            if status_sent is None:
                status_set = headers_set = None
                try:
                    execute(InternalServerError())
                except Exception:  # noqa: BLE001
                    pass
            return
        self._finish_body(body)

    def _answer_too_large(self, limit: int) -> None:
        """Answer 413 and close, dropping what the client still sends for a moment (never stored)."""
        self.close_connection = True
        try:
            self.wfile.write(too_large_answer(limit))
            self.wfile.flush()
        except OSError:
            return
        _linger(self.connection, LINGER_SECONDS)

    def _finish_body(self, body: RequestBody) -> None:
        """Drain what the app left of the body; close the connection when that is not possible."""
        if body.remaining == 0:
            return
        if self.close_connection:
            _linger(self.connection, LINGER_SECONDS)
            return
        try:
            self.connection.settimeout(DRAIN_IDLE_TIMEOUT)
            drained = body.drain(DRAIN_LIMIT)
            self.connection.settimeout(KEEP_ALIVE_TIMEOUT)
        except OSError:
            drained = False
        if not drained:
            self.close_connection = True
            _linger(self.connection, LINGER_SECONDS)

    # ---------------------------------------------------------------- logging

    def send_error(self, code: int, message: Optional[str] = None, explain: Optional[str] = None) -> None:
        """Answer an unparsable request with a fixed text (never echoing it) and close."""
        self.close_connection = True
        body = b'Bad request\r\n' if code < 500 else b'Error\r\n'
        try:
            self.send_response_only(code)
            self.send_header('Content-Type', 'text/plain; charset=utf-8')
            self.send_header('Content-Length', str(len(body)))
            self.send_header('Connection', 'close')
            self.end_headers()
            if self.command != 'HEAD':
                self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            pass
        self.log_error('rejected a malformed request (%d)', code)

    def log_request(self, code: Any = '-', size: Any = '-') -> None:
        """Do not log requests (the emulator has its own, masked, request log)."""

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        """Log a fixed message: http.server's own lines quote the request (and so bodies)."""
        logger.debug('Emulator connection from %s: %s', self.address_string(), _SAFE_ERRORS.get(format, 'error'))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        """Never print request data to stderr."""
        logger.debug('Emulator connection from %s: message', self.address_string())

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002 - werkzeug's name
        """Never print request data (werkzeug's error lines include tracebacks of request data)."""
        logger.debug('Emulator connection from %s: %s', self.address_string(), type)


#: http.server's formats mapped to messages that quote nothing.
_SAFE_ERRORS = {
    'rejected a malformed request (%d)': 'rejected a malformed request',
    'Request timed out: %r': 'request timed out',
    'code %d, message %s': 'rejected a malformed request',
}


def _linger(sock: Any, seconds: float) -> None:
    """Read (and drop) what the client still sends for up to ``seconds``, so it sees the answer."""
    try:
        sock.shutdown(socket.SHUT_WR)
    except (OSError, ValueError):
        return
    deadline = time.monotonic() + seconds
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(sock, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                    return
                if not sock.recv(1 << 16):
                    return
    except (OSError, ValueError):
        return
