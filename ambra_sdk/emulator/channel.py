"""``/api/v3/channel/websocket``: the emulator's push channel (wsproto over the WSGI server's socket).

Wiring: the route is a raw route (GET) of the WSGI app, so the request log,
the fault rules of the handshake (``emu.faults.add('/channel/websocket',
status=503)`` refuses it) and TLS (the server's socket) apply as to any
call. The handler checks the upgrade request with :mod:`wsproto` (which
writes the ``101 Switching Protocols`` answer and every frame: no framing
here) and answers a :class:`_Upgrade` response: when werkzeug iterates its
body, before anything is written, it takes over the connection
(``environ['werkzeug.socket']``) and serves the websocket in the
connection's thread until either side closes. It then ends the WSGI call
like a dropped connection, so werkzeug writes nothing more.

Protocol (``docs/source/emulator.rst``):

* ``{"action": "subscribe", "channel": c, "sid": s}``: with a valid sid the
  answer is ``{"status": "OK", "channel": c}``; with a missing or invalid
  sid ``{"status": "ERROR", "error_type": "AUTHORIZATION_REQUIRED",
  "channel": c}``, for a namespace the user may not see (:func:`may_listen`)
  ``NOT_PERMITTED`` (the connection stays open).
* ``{"action": "unsubscribe", "channel": c, "sid": anything}``: ``{"status":
  "OK", "channel": c}``.
* ``{"action": "ping"}``: accepted, no answer (protocol-level pings get a pong).
* Anything else: ``{"status": "ERROR", "error_type": "BAD_REQUEST"}``.
* Events (:mod:`ambra_sdk.emulator.events`): ``{"event": e, "channel": c,
  "sid_md5": md5(sid), ...}`` to every subscriber of ``c``, each with the
  md5 of the sid it subscribed with.

Faults: each client message and each event push first takes a fault rule
of method ``WS`` for ``/channel/websocket/<action>`` (``subscribe``,
``unsubscribe``, ``ping``, ``event``): ``drop_connection`` closes the
socket at that point, ``delay`` waits, a ``status`` refuses a subscribe.
:func:`drop_connections` drops every open connection at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import socket
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Optional, Union

from werkzeug.wrappers import Response
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Event,
    Message,
    Ping,
    Request,
    TextMessage,
)
from wsproto.utilities import RemoteProtocolError

from .registry import raw_route

if TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .context import RequestContext
    from .events import EventBus
    from .faults import FaultInjector
    from .state import State

__all__ = ['CHANNEL_PATH', 'may_listen', 'IDLE_TIMEOUT', 'ChannelHub', 'hub_of', 'drop_connections', 'open_connections']

logger = logging.getLogger(__name__)

#: Path of the channel relative to ``/api/v3``.
CHANNEL_PATH = '/channel/websocket'
#: Seconds without a message from the client after which the server closes (about the real server's).
IDLE_TIMEOUT = 300.0
#: Longest text message accepted from a client.
MAX_MESSAGE = 64 * 1024
_RECV = 65536
_CLOSE_GOING_AWAY = 1001
_CLOSE_TOO_BIG = 1009
_CLOSE_UNSUPPORTED = 1003


def sid_md5(sid: str) -> str:
    """Hex md5 of a sid (what events carry)."""
    return hashlib.md5(sid.encode('utf-8')).hexdigest()  # noqa: S324 - the protocol's choice, not security


def may_listen(state: State, user: Mapping[str, Any], channel: str) -> bool:
    """Whether ``user`` may subscribe to ``channel``.

    ``study.<ns>`` and ``job.<ns>``: a sysadmin, the owner of the user
    namespace ``<ns>``, or a member of the account of ``<ns>``. Other
    channel names carry no event here and are allowed.
    """
    kind, _, namespace = channel.partition('.')
    if kind not in ('study', 'job') or not namespace:
        return True
    if user.get('sysadmin') or str(user.get('namespace_id')) == namespace:
        return True
    found = state.get_object('namespace', namespace)
    if found is None or not found.get('account_id'):
        return False
    memberships = state.list_objects('account_user', user_id=user.get('uuid'))
    return any(member.get('account_id') == found['account_id'] for member in memberships)


class _DroppedError(Exception):
    """A fault rule dropped the connection."""


class _Connection:
    """One websocket client: reader loop in the server's thread, writer thread of its own."""

    def __init__(self, hub: ChannelHub, sock: socket.socket, ws: WSConnection) -> None:
        self.hub = hub
        self.sock = sock
        self.ws = ws
        self._ws_lock = threading.Lock()
        self._outbox: queue.SimpleQueue[Optional[Event]] = queue.SimpleQueue()
        #: channel -> md5 of the sid it was subscribed with.
        self.subscriptions: dict[str, str] = {}
        self._subscriptions_lock = threading.Lock()
        self._closed = threading.Event()

    # --------------------------------------------------------------- writing

    def send_json(self, body: Mapping[str, Any]) -> None:
        """Queue a JSON text message."""
        self._outbox.put(Message(data=json.dumps(body)))

    def _write_loop(self) -> None:
        while True:
            event = self._outbox.get()
            if event is None or self._closed.is_set():
                return
            try:
                with self._ws_lock:
                    data = self.ws.send(event)
                self.sock.sendall(data)
            except Exception:  # noqa: BLE001 - the client went away (socket or protocol error)
                self.close()
                return
            if isinstance(event, CloseConnection):
                self.close()
                return

    # --------------------------------------------------------------- reading

    def serve(self) -> None:
        """Serve until the client or the emulator closes (runs in the connection's thread)."""
        writer = threading.Thread(target=self._write_loop, name='ambra-emulator-channel-writer', daemon=True)
        writer.start()
        try:
            self._read_loop()
        except (OSError, RemoteProtocolError, _DroppedError):
            pass
        finally:
            self._outbox.put(None)  # the writer sends what is queued (a close frame), then ends
            writer.join(timeout=5)
            self.close()

    def _read_loop(self) -> None:
        self.sock.settimeout(IDLE_TIMEOUT)
        text: list[str] = []
        size = 0
        while not self._closed.is_set():
            try:
                data = self.sock.recv(_RECV)
            except socket.timeout:
                self._outbox.put(CloseConnection(code=_CLOSE_GOING_AWAY, reason='idle'))
                return
            with self._ws_lock:
                self.ws.receive_data(data or None)
                events = list(self.ws.events())
            for event in events:
                if isinstance(event, TextMessage):
                    text.append(event.data)
                    size += len(event.data)
                    if size > MAX_MESSAGE:
                        self._outbox.put(CloseConnection(code=_CLOSE_TOO_BIG))
                        return
                    if event.message_finished:
                        self._handle_text(''.join(text))
                        text, size = [], 0
                elif isinstance(event, BytesMessage):
                    self._outbox.put(CloseConnection(code=_CLOSE_UNSUPPORTED, reason='text only'))
                    return
                elif isinstance(event, Ping):
                    self._outbox.put(event.response())
                elif isinstance(event, CloseConnection):
                    self._outbox.put(event.response())
                    return
            if not data:
                return

    def _handle_text(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        action = message.get('action') if isinstance(message, dict) else None
        if action not in ('subscribe', 'unsubscribe', 'ping'):
            self.send_json({'status': 'ERROR', 'error_type': 'BAD_REQUEST'})
            return
        assert isinstance(message, dict)
        fault = self.hub.take_fault(str(action))
        if action == 'ping':
            return
        channel = message.get('channel')
        if not isinstance(channel, str) or not channel or 'sid' not in message:
            self.send_json({'status': 'ERROR', 'error_type': 'MISSING_FIELDS'})
            return
        if fault is not None and fault.status is not None:
            error_type = fault.error_type or 'EMULATED_FAULT'
            self.send_json({'status': 'ERROR', 'error_type': error_type, 'channel': channel})
            return
        if action == 'unsubscribe':
            with self._subscriptions_lock:
                self.subscriptions.pop(channel, None)
            self.send_json({'status': 'OK', 'channel': channel})
            return
        sid = message.get('sid')
        user = self.hub.state.session_user(sid) if isinstance(sid, str) and sid else None
        if user is None:
            self.send_json({'status': 'ERROR', 'error_type': 'AUTHORIZATION_REQUIRED', 'channel': channel})
            return
        if not may_listen(self.hub.state, user, channel):
            self.send_json({'status': 'ERROR', 'error_type': 'NOT_PERMITTED', 'channel': channel})
            return
        assert isinstance(sid, str)
        with self._subscriptions_lock:
            self.subscriptions[channel] = sid_md5(sid)
        self.send_json({'status': 'OK', 'channel': channel})

    # ---------------------------------------------------------------- events

    def push(self, channel: str, event: str, fields: Mapping[str, Any]) -> None:
        """Queue an event for this client if it subscribed to ``channel``."""
        with self._subscriptions_lock:
            digest = self.subscriptions.get(channel)
        if digest is None:
            return
        body: dict[str, Any] = {'event': event, 'channel': channel, 'sid_md5': digest}
        body.update((key, value) for key, value in fields.items() if key not in body)
        self.send_json(body)

    def close(self) -> None:
        """Close the socket (both loops end)."""
        if self._closed.is_set():
            return
        self._closed.set()
        self._outbox.put(None)
        self.hub.forget(self)
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class ChannelHub:
    """Every open channel connection of one emulator state; listens to its :class:`EventBus`."""

    def __init__(self, state: State) -> None:
        self.state = state
        self._lock = threading.Lock()
        self._connections: set[_Connection] = set()
        self._closed = False
        state.events.listen(self._on_event, on_close=self.close)

    @property
    def faults(self) -> Optional[FaultInjector]:
        """The emulator's fault rules (set on the bus by the app)."""
        return getattr(self.state.events, 'faults', None)

    def take_fault(self, action: str) -> Any:
        """Apply the fault rule of a channel action, if any (delay, drop); return it."""
        faults = self.faults
        if faults is None:
            return None
        path = '{0}/{1}'.format(CHANNEL_PATH, action)
        fault = faults.take('WS', path, '/api/v3' + path)
        if fault is None:
            return None
        if fault.delay:
            time.sleep(fault.delay)
        if fault.drop_connection:
            raise _DroppedError(action)
        return fault

    def add(self, connection: _Connection) -> bool:
        """Register a connection (False once the hub is closed)."""
        with self._lock:
            if self._closed:
                return False
            self._connections.add(connection)
            return True

    def forget(self, connection: _Connection) -> None:
        """Unregister a closed connection."""
        with self._lock:
            self._connections.discard(connection)

    def connections(self) -> list[_Connection]:
        """The open connections."""
        with self._lock:
            return list(self._connections)

    def _on_event(self, channel: str, event: str, fields: Mapping[str, Any]) -> None:
        for connection in self.connections():
            if channel not in connection.subscriptions:
                continue
            try:
                self.take_fault('event')
            except _DroppedError:
                connection.close()
                continue
            connection.push(channel, event, fields)

    def drop_all(self) -> int:
        """Drop every open connection (clients see a dropped connection); return how many."""
        connections = self.connections()
        for connection in connections:
            connection.close()
        return len(connections)

    def close(self) -> None:
        """Close every connection and accept no more (the emulator stops)."""
        with self._lock:
            self._closed = True
        self.drop_all()


_HUBS: weakref.WeakKeyDictionary[EventBus, ChannelHub] = weakref.WeakKeyDictionary()
_HUBS_LOCK = threading.Lock()


def hub_of(state: State) -> ChannelHub:
    """The channel hub of an emulator state (created on first use)."""
    with _HUBS_LOCK:
        hub = _HUBS.get(state.events)
        if hub is None:
            hub = ChannelHub(state)
            _HUBS[state.events] = hub
        return hub


def drop_connections(state: State) -> int:
    """Drop every open websocket connection of an emulator (to test reconnects); return how many."""
    return hub_of(state).drop_all()


def open_connections(state: State) -> int:
    """How many websocket connections are open."""
    return len(hub_of(state).connections())


# ------------------------------------------------------------------ the route


def _request_bytes(ctx: RequestContext) -> bytes:
    """The upgrade request as sent (werkzeug read it already), for wsproto to check."""
    environ = ctx.request.environ
    target = environ.get('RAW_URI') or environ.get('REQUEST_URI') or ctx.request.full_path
    lines = ['GET {0} HTTP/1.1'.format(target)]
    lines.extend('{0}: {1}'.format(name, value) for name, value in ctx.request.headers.items())
    return ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1', 'replace')


class _Upgrade(Response):
    """A response that takes the connection over for the websocket instead of answering."""

    def __init__(self, hub: ChannelHub, ws: WSConnection, accept: bytes) -> None:
        super().__init__(status=101)
        self._hub = hub
        self._ws = ws
        self._accept = accept

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Return the body whose first step serves the websocket (nothing goes through WSGI)."""
        return self._serve(environ)

    def _serve(self, environ: WSGIEnvironment) -> Iterator[bytes]:
        sock = environ.get('werkzeug.socket')
        if sock is None:  # pragma: no cover (another WSGI server)
            raise ConnectionAbortedError('no socket to upgrade')
        connection = _Connection(self._hub, sock, self._ws)
        if self._hub.add(connection):
            try:
                sock.sendall(self._accept)
                connection.serve()
            except OSError:
                connection.close()
        else:
            connection.close()
        raise ConnectionAbortedError('websocket closed')
        yield b''  # pragma: no cover (makes this a generator)


def _bad_upgrade(reason: str) -> Response:
    body = {'status': 'ERROR', 'error_type': 'BAD_REQUEST', 'error_subtype': reason}
    return Response(json.dumps(body), status=400, content_type='application/json')


@raw_route(CHANNEL_PATH, methods=['GET'], websocket=True)
def channel_websocket(ctx: RequestContext) -> Union[Response, _Upgrade]:
    """Upgrade to the websocket channel (400 for a plain HTTP request)."""
    if 'websocket' not in ctx.request.headers.get('Upgrade', '').lower():
        return _bad_upgrade('not a websocket upgrade')
    ws = WSConnection(ConnectionType.SERVER)
    try:
        ws.receive_data(_request_bytes(ctx))
        events = list(ws.events())
    except RemoteProtocolError as error:
        return _bad_upgrade(str(error))
    if not events or not isinstance(events[0], Request):
        return _bad_upgrade('not a websocket upgrade')
    accept = ws.send(AcceptConnection())
    return _Upgrade(hub_of(ctx.state), ws, accept)
