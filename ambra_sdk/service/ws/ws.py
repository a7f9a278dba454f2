"""The websocket channel client: :class:`WSManager` and its worker :class:`WS`.

Synchronous, on the ``websockets`` library's sync client (the ``ws`` extra:
the ``ws`` extra); this module imports it only when a
manager is built, so importing it (and ``import ambra_sdk.api``) works
without the extra.

Threads: each running manager has one worker thread (:class:`WS`) that
reads the connection, sends a ping after :data:`INACTIVITY_TIMEOUT` seconds
without traffic, and reconnects (re-subscribing every channel) when the
connection drops; the websockets connection itself runs one I/O thread
while it is open. :meth:`WSManager.stop` closes the connection and joins
both, always.

Hostile servers: the upgrade never follows a redirect (a 3xx raises
:class:`WSRedirectRefused`; nothing, the sid included, goes to the target);
messages decode with the SDK's bounded JSON decoder
(:func:`ambra_sdk.bounded_json.bounded_json_loads`); reconnects are paced by
:class:`~ambra_sdk.service.ws.reconnect.ReconnectPacer` (jittered exponential
back-off, also after a connection that dropped at once, and a bound per
minute); server texts quoted in exceptions are redacted.

Logging: connection events at DEBUG on ``ambra_sdk.service.ws.ws``; the
library's own frame log (which would show the sid of a subscribe) is kept at
INFO on ``ambra_sdk.service.ws.protocol``.
"""

import contextlib
import hashlib
import inspect
import json
import logging
import queue
import socket
import ssl
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Iterator, Mapping, Optional, Tuple
from urllib.parse import urlsplit

import requests

from ambra_sdk.exceptions.base import AmbraException
from ambra_sdk.extras import install_command
from ambra_sdk.redact import SecretFilter, redact_text, register_secret
from ambra_sdk.service.ws.message import MAX_MESSAGE_SIZE, WSMessage, WSMsgType, json_fields
from ambra_sdk.service.ws.reconnect import ReconnectPacer
from ambra_sdk.service.ws.tls import ssl_context_for

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

logger = logging.getLogger(__name__)
_protocol_logger = logging.getLogger('ambra_sdk.service.ws.protocol')
_protocol_logger.setLevel(logging.INFO)
_protocol_logger.addFilter(SecretFilter())

#: Seconds without traffic after which the worker sends ``{"action": "ping"}`` (the reference's value).
INACTIVITY_TIMEOUT = 10
#: Seconds :meth:`WSManager.subscribe` / :meth:`WSManager.unsubscribe` wait for the server's answer.
SUBSCRIBE_TIMEOUT = 10.0
#: Seconds to open a connection (TCP, TLS and the upgrade).
OPEN_TIMEOUT = 10.0
#: Longest wait of the worker for a command of ``WS(..., requests=queue)``, in seconds.
COMMAND_POLL = 0.2
#: Seconds to wait for the server's close frame when stopping.
CLOSE_TIMEOUT = 2.0
#: Received messages kept for :meth:`WSManager.wait_for` (the oldest is dropped when full).
RESPONSES_MAXSIZE = 100
#: The ``sid`` placeholder of an unsubscribe (the field is required, its value unused).
UNSUBSCRIBE_SID = 'NOT NEEDED!'
#: Longest part of a server's answer quoted in an exception message.
_MAX_SHOWN = 100
#: What to install for the channel.
INSTALL_HINT = install_command('ws')


class WSError(AmbraException):
    """Base class of the websocket channel errors."""


class WSExtraMissing(WSError, ImportError):  # noqa: N818
    """The ``ws`` extra (the websockets library) is not installed."""


class WSConnectError(WSError, ConnectionError):
    """The channel could not be opened (refused, not a websocket endpoint, unreachable)."""


class WSRedirectRefused(WSConnectError):  # noqa: N818
    """The upgrade was answered with a redirect; it is not followed (nothing goes to the target).

    :param url: the channel URL.
    :param status: the 3xx status.
    :param target_host: the host the ``Location`` names (redacted), or ``''``.
    """

    def __init__(self, url: str, status: int, target_host: str) -> None:
        self.status = status
        self.target_host = target_host
        super().__init__(
            'The websocket channel {0} answered HTTP {1}, a redirect to host {2!r}: not followed '
            '(the channel does not redirect; the sid stays here)'.format(url, status, target_host or '?'),
        )


class SubscribeRefused(WSError):  # noqa: N818
    """The server answered a subscribe (or unsubscribe) with an error.

    :param channel: the channel.
    :param error_type: the server's ``error_type``.
    """

    def __init__(self, channel: str, error_type: Any) -> None:
        self.channel = channel
        self.error_type = error_type
        shown = redact_text(str(error_type)[:_MAX_SHOWN])  # a hostile server's answer: short, redacted
        super().__init__('The server refused the subscription to {0}: {1}'.format(channel, shown))


def _websockets_client() -> Any:
    """Import the websockets sync client, or explain how to install it."""
    try:
        from websockets.sync import client
    except ImportError:
        raise WSExtraMissing(
            'The websocket channel needs the websockets library: {0}'.format(INSTALL_HINT),
        ) from None
    return client


def _parameters(client: Any) -> Any:
    """The parameter names of ``client.connect``."""
    try:
        return inspect.signature(client.connect).parameters
    except (TypeError, ValueError):  # pragma: no cover
        return {}


def _takes_legacy(client: Any) -> bool:
    """True when ``client.connect`` has the ``legacy`` flag (websockets 17.1 and later)."""
    return 'legacy' in _parameters(client)


def _status_of(error: BaseException) -> Optional[int]:
    """The HTTP status of a websockets handshake error (``InvalidStatus``), else None."""
    status = getattr(getattr(error, 'response', None), 'status_code', None)
    return status if isinstance(status, int) else None


def _location_host(error: BaseException) -> str:
    headers = getattr(getattr(error, 'response', None), 'headers', None)
    try:
        location = str(headers.get('Location') or '') if headers is not None else ''
        host = urlsplit(location).netloc.rpartition('@')[2]
    except ValueError:
        host = '?'
    return redact_text(host[:_MAX_SHOWN])


def no_redirect_connection(client: Any, url: str) -> Any:
    """A ``ClientConnection`` class whose handshake turns a 3xx into :class:`WSRedirectRefused`.

    websockets follows redirects inside ``connect()`` (it catches ``InvalidStatus``
    and connects to ``Location``, then the subscribes carry the sid there); an
    error of another type ends ``connect()`` at the first answer.

    Its I/O thread starts reading once the upgrade request is written (or the
    socket closed; at most :data:`OPEN_TIMEOUT` seconds later). The library
    starts that thread before it writes the request: over TLS 1.3 the thread's
    ``SSL_read`` then handles the server's session tickets while the request's
    ``SSL_write`` runs, and OpenSSL forbids both at once on one connection: now
    and then (about 1 in 250 under load) the request was lost and the upgrade
    timed out after ``open_timeout``.

    :param client: the ``websockets.sync.client`` module.
    :param url: the channel URL (named in the error).
    """
    base = client.ClientConnection

    class NoRedirectConnection(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._request_written = threading.Event()  # before the base class starts the I/O thread
            super().__init__(*args, **kwargs)

        def recv_events(self) -> None:
            self._request_written.wait(OPEN_TIMEOUT)
            super().recv_events()

        def send_data(self) -> None:
            try:
                super().send_data()
            finally:
                self._request_written.set()

        def close_socket(self) -> None:
            self._request_written.set()
            super().close_socket()

        def handshake(self, *args: Any, **kwargs: Any) -> None:
            try:
                super().handshake(*args, **kwargs)
            except Exception as error:
                status = _status_of(error)
                if status is None or not 300 <= status < 400:
                    raise
                refused = WSRedirectRefused(url, status, _location_host(error))
            else:
                return
            raise refused  # outside the except block: the library's error is not chained

    return NoRedirectConnection


def ws_scheme_url(url: str) -> str:
    """Return ``url`` with the ``ws://``/``wss://`` scheme (the API gives ``http(s)://`` URLs).

    :param url: ``http``, ``https``, ``ws`` or ``wss`` URL.
    :raises ValueError: another scheme.
    """
    if not isinstance(url, str):
        raise ValueError('url must be a str, got {0}'.format(type(url).__name__))
    scheme, sep, rest = url.partition('://')
    schemes = {'http': 'ws', 'https': 'wss', 'ws': 'ws', 'wss': 'wss'}
    if not sep or scheme.lower() not in schemes or not rest:
        raise ValueError('url must be an http(s):// or ws(s):// URL, got {0!r}'.format(url))
    return '{0}://{1}'.format(schemes[scheme.lower()], rest)


def sid_md5(sid: str) -> str:
    """The ``sid_md5`` of events sent to a subscriber with this sid.

    :param sid: the sid.
    """
    return hashlib.md5(sid.encode('utf-8')).hexdigest()  # noqa: S324 - the protocol's choice


def _check_text(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError('{0} must be a non-empty str'.format(name))
    return value


class WS:  # noqa: WPS214
    """The background worker of a :class:`WSManager`: one connection, its reader, pings, reconnects.

    :param url: channel URL (``http(s)://`` or ``ws(s)://``).
    :param responses: where received text messages go (:class:`WSMessage`).
    :param requests: commands for the worker thread, as the reference's
        ``WS(url, responses, requests)`` took them: ``('SUBSCRIBE', {'sid':
        ..., 'channel': ...})``, ``('UNSUBSCRIBE', {'channel': ...})``,
        ``('STOP', {})``; read every :data:`COMMAND_POLL` seconds by
        :meth:`run` (None: none; :class:`WSManager` calls the methods directly).
    :param ssl_context: TLS context of a ``wss://`` URL (None: what a plain
        ``requests`` call trusts, ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` included).
    :param open_timeout: seconds to open a connection.
    :param headers: extra HTTP headers of the upgrade request.
    :param inactivity_timeout: seconds without traffic before a ping.
    """

    def __init__(
        self,
        url: str,
        responses: 'queue.Queue[WSMessage]',
        requests: 'Optional[queue.Queue[Tuple[str, Dict[str, Any]]]]' = None,
        *,
        ssl_context: Optional[ssl.SSLContext] = None,
        open_timeout: float = OPEN_TIMEOUT,
        headers: Optional[Mapping[str, str]] = None,
        inactivity_timeout: float = INACTIVITY_TIMEOUT,
    ) -> None:
        self.url = ws_scheme_url(url)
        self.responses = responses
        self.requests = requests
        self.ssl_context = ssl_context
        self.open_timeout = open_timeout
        self.headers = dict(headers or {})
        self.inactivity_timeout = inactivity_timeout
        self._client = _websockets_client()
        self._connection_class = (
            no_redirect_connection(self._client, self.url) if 'create_connection' in _parameters(self._client)
            else None  # websockets without the parameter does not follow redirects
        )
        self._conn: Optional[ClientConnection] = None
        self._conn_lock = threading.Lock()
        self._channels: Dict[str, str] = {}
        self._channels_lock = threading.Lock()
        self._stopping = threading.Event()
        self._last_activity = time.monotonic()
        self._pong: Optional[threading.Event] = None
        #: The reconnect schedule (back-off, bound per minute).
        self.pacer = ReconnectPacer()
        #: How many times the connection was opened again after a drop.
        self.reconnects = 0

    # ------------------------------------------------------------- connection
    def connect(self) -> None:
        """Open the connection (the worker reopens it after a drop; after :meth:`stop` it starts afresh).

        :raises WSConnectError: refused, not a websocket endpoint, or unreachable.
        """
        self._stopping.clear()
        self.pacer.attempt()
        conn = self._open()
        self.pacer.opened()
        with self._conn_lock:
            self._conn = conn
        self._last_activity = time.monotonic()

    def _open(self) -> 'ClientConnection':
        kwargs: Dict[str, Any] = {
            'open_timeout': self.open_timeout,
            'close_timeout': CLOSE_TIMEOUT,
            'ping_interval': None,  # the worker pings (JSON and protocol pings) on inactivity
            'max_size': MAX_MESSAGE_SIZE,
            'compression': None,
            'additional_headers': self.headers,
            'logger': _protocol_logger,
        }
        if self._connection_class is not None:
            kwargs['create_connection'] = self._connection_class
        if _takes_legacy(self._client):
            kwargs['legacy'] = True  # websockets >= 17.1: the connection itself, without a warning
        try:
            if self.url.startswith('wss://'):  # a CA bundle that cannot be read is an OSError too
                kwargs['ssl'] = self.ssl_context or ssl_context_for(requests.Session(), self.url)
            return self._client.connect(self.url, **kwargs)  # type: ignore[no-any-return]
        except WSRedirectRefused:
            raise
        except (OSError, TimeoutError) as error:
            raise WSConnectError('Cannot open the websocket channel {0}: {1}'.format(
                self.url, type(error).__name__,
            )) from None
        except Exception as error:  # websockets' handshake errors (InvalidStatus, InvalidURI...)
            raise WSConnectError('The websocket channel {0} refused the connection: {1}'.format(
                self.url, _describe(error),
            )) from None

    @property
    def connected(self) -> bool:
        """True while a connection is open."""
        with self._conn_lock:
            return self._conn is not None

    # ---------------------------------------------------------------- sending
    def send_json(self, body: Mapping[str, Any]) -> bool:
        """Send one JSON message now; False when there is no open connection (it is being reopened).

        :param body: the message.
        """
        with self._conn_lock:
            conn = self._conn
        if conn is None:
            return False
        try:
            conn.send(json.dumps(body))
        except Exception:  # noqa: BLE001 - closed or closing: the worker reconnects
            return False
        self._last_activity = time.monotonic()
        return True

    def subscribe(self, sid: str, channel: str) -> None:
        """Remember the channel (re-subscribed after a reconnect) and send the subscribe."""
        register_secret(sid)
        with self._channels_lock:
            self._channels[channel] = sid
        self.send_json({'action': 'subscribe', 'channel': channel, 'sid': sid})

    def unsubscribe(self, channel: str) -> None:
        """Forget the channel and send the unsubscribe."""
        with self._channels_lock:
            self._channels.pop(channel, None)
        self.send_json({'action': 'unsubscribe', 'channel': channel, 'sid': UNSUBSCRIBE_SID})

    # ---------------------------------------------------------------- the loop
    def run(self) -> None:
        """Read until :meth:`stop` (the worker thread's body)."""
        while not self._stopping.is_set():
            with self._conn_lock:
                conn = self._conn
            if conn is None:
                if not self._reconnect():
                    break
                continue
            if self.requests is not None and self._run_commands():
                break
            wait = self._last_activity + self.inactivity_timeout - time.monotonic()
            if self.requests is not None:
                wait = min(wait, COMMAND_POLL)
            try:
                data = conn.recv(timeout=max(wait, 0.0))
            except TimeoutError:
                if time.monotonic() >= self._last_activity + self.inactivity_timeout:
                    self._ping(conn)
                continue
            except Exception as error:  # noqa: BLE001 - ConnectionClosed and socket errors
                self._dropped(conn, error)
                continue
            self._last_activity = time.monotonic()
            if isinstance(data, str):
                self._deliver(WSMessage(WSMsgType.TEXT, data))
            else:
                logger.debug('Websocket channel: binary message of %d bytes dropped', len(data))
        logger.debug('Websocket channel worker stopped')

    def _run_commands(self) -> bool:
        """Carry out the queued commands of :attr:`requests`; True after ``STOP``."""
        assert self.requests is not None  # noqa: S101 (only called with a queue)
        while True:
            try:
                command, args = self.requests.get_nowait()
            except queue.Empty:
                return False
            if command == 'SUBSCRIBE':
                self.subscribe(args['sid'], args['channel'])
            elif command == 'UNSUBSCRIBE':
                self.unsubscribe(args['channel'])
            elif command == 'STOP':
                self.stop()
                return True
            else:
                logger.debug('Websocket channel: unknown command %r dropped', command)

    def _deliver(self, message: WSMessage) -> None:
        while True:
            try:
                self.responses.put_nowait(message)
            except queue.Full:
                try:
                    self.responses.get_nowait()
                except queue.Empty:
                    continue
                logger.debug('Websocket channel: queue full, oldest message dropped')
            else:
                return

    def _ping(self, conn: 'ClientConnection') -> None:
        pong = self._pong
        if pong is not None and not pong.is_set():
            _abort(conn)  # a dead peer would not answer the closing handshake either
            self._dropped(conn, TimeoutError('no pong'))
            return
        self.send_json({'action': 'ping'})
        try:
            self._pong = conn.ping()
        except Exception as error:  # noqa: BLE001 - closed meanwhile
            self._dropped(conn, error)
            return
        self._last_activity = time.monotonic()

    def _dropped(self, conn: 'ClientConnection', error: BaseException) -> None:
        with self._conn_lock:
            if self._conn is conn:
                self._conn = None
        self._pong = None
        self.pacer.dropped()
        _close_quietly(conn)
        if not self._stopping.is_set():
            logger.debug('Websocket channel lost (%s); reconnecting', type(error).__name__)

    def _reconnect(self) -> bool:
        """Open a new connection when the pacer allows it and re-subscribe; False when stopping."""
        while not self._stopping.is_set():
            delay = self.pacer.delay()
            if delay > 0 and self._stopping.wait(delay):
                return False
            self.pacer.attempt()
            try:
                conn = self._open()
            except WSConnectError as error:
                self.pacer.failed()
                logger.debug('Websocket channel: reconnect failed (%s)', error)
                continue
            with self._conn_lock:
                if self._stopping.is_set():
                    _close_quietly(conn)
                    return False
                self._conn = conn
            self.pacer.opened()
            self.reconnects += 1
            self._last_activity = time.monotonic()
            with self._channels_lock:
                channels = dict(self._channels)
            for channel, sid in channels.items():
                self.send_json({'action': 'subscribe', 'channel': channel, 'sid': sid})
            logger.debug('Websocket channel reconnected; %d channel(s) subscribed again', len(channels))
            return True
        return False

    def stop(self) -> None:
        """Make :meth:`run` return: close the connection and forget the channels (from any thread)."""
        self._stopping.set()
        with self._channels_lock:
            self._channels.clear()
        with self._conn_lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            _close_quietly(conn)


def _abort(conn: 'ClientConnection') -> None:
    """Shut the connection's socket down, so that closing it does not wait for the peer."""
    try:
        conn.socket.shutdown(socket.SHUT_RDWR)
    except (OSError, AttributeError):
        pass


def _close_quietly(conn: 'ClientConnection') -> None:
    try:
        conn.close()
    except Exception:  # noqa: BLE001, S110 - closing a broken connection
        pass


def _describe(error: BaseException) -> str:
    status = _status_of(error)
    if status is not None:
        return 'HTTP {0}'.format(status)
    return type(error).__name__


class WSManager:  # noqa: WPS214
    """The websocket channel of an Ambra server (``api.ws_url``).

    ::

        manager = WSManager(api.ws_url)
        with manager.channel(api.sid, 'study.{0}'.format(namespace_id)):
            manager.wait_for_event(channel, api.sid, 'READY', timeout=30)

    :param url: the channel URL, ``{api_url}/channel/websocket``.
    :param ssl_context: TLS context of an ``https``/``wss`` URL (None: what a plain
        ``requests`` call would trust: ``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE``,
        else requests' CA bundle; see :func:`ambra_sdk.service.ws.tls.ssl_context_for`).
    :param open_timeout: seconds to open the connection.
    :param headers: extra HTTP headers of the upgrade request.
    :raises WSExtraMissing: the ``ws`` extra is not installed (an ``ImportError``).
    :raises ValueError: ``url`` is not an http(s)/ws(s) URL.
    """

    def __init__(
        self,
        url: str,
        *,
        ssl_context: Optional[ssl.SSLContext] = None,
        open_timeout: float = OPEN_TIMEOUT,
        headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        self.url = url
        self._responses: queue.Queue[WSMessage] = queue.Queue(maxsize=RESPONSES_MAXSIZE)
        self._ws = WS(url, self._responses, ssl_context=ssl_context, open_timeout=open_timeout, headers=headers)
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()

    @property
    def worker(self) -> WS:
        """The :class:`WS` worker (its ``reconnects`` counter, ``connected`` flag)."""
        return self._ws

    @property
    def running(self) -> bool:
        """True between :meth:`run` and :meth:`stop`."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    # -------------------------------------------------------------- lifecycle
    def run(self) -> None:
        """Connect and start the background worker thread (does nothing when running).

        :raises WSConnectError: the connection could not be opened (no thread is left).
        """
        with self._lock:
            if self._thread is not None:
                return
            self._ws.connect()
            thread = threading.Thread(target=self._ws.run, name='ambra-ws-manager', daemon=True)
            self._thread = thread
            thread.start()

    def stop(self) -> None:
        """Close the connection and join the worker thread (safe to call twice, or before :meth:`run`)."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._ws.stop()
            if thread is not None:
                thread.join()

    def __enter__(self) -> 'WSManager':
        self.run()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # ---------------------------------------------------------- subscriptions
    def subscribe(self, sid: str, channel: str, timeout: float = SUBSCRIBE_TIMEOUT) -> None:
        """Subscribe to a channel and wait for the server's OK.

        :param sid: the session id (events carry its md5).
        :param channel: e.g. ``study.<namespace_id>``.
        :param timeout: seconds to wait for the answer.
        :raises SubscribeRefused: the server answered with an error (e.g. a bad sid).
        :raises TimeoutError: no answer in time.
        """
        _check_text('sid', sid)
        _check_text('channel', channel)
        self._ws.subscribe(sid, channel)
        self.wait_for_subscribe(channel, timeout=timeout)

    def unsubscribe(self, channel: str, timeout: float = SUBSCRIBE_TIMEOUT) -> None:
        """Unsubscribe from a channel and wait for the server's OK.

        :param channel: the channel.
        :param timeout: seconds to wait for the answer.
        :raises TimeoutError: no answer in time.
        """
        _check_text('channel', channel)
        self._ws.unsubscribe(channel)
        self.wait_for_unsubscribe(channel, timeout=timeout)

    @contextlib.contextmanager
    def channels(self, sid: str, channel_names: Iterable[str]) -> Iterator['WSManager']:
        """Run, subscribe to each channel, yield the manager; then unsubscribe and stop.

        The manager is stopped (its thread joined) even when a subscribe fails.

        :param sid: the session id.
        :param channel_names: the channels.
        """
        names = list(channel_names)
        self.run()
        try:
            for name in names:
                self.subscribe(sid, name)
            yield self
        finally:
            try:
                for name in names:
                    if self._ws.connected:
                        self.unsubscribe(name, timeout=1.0)
            except (TimeoutError, WSError):
                logger.debug('Websocket channel: unsubscribe not confirmed; stopping anyway')
            finally:
                self.stop()

    @contextlib.contextmanager
    def channel(self, sid: str, channel_name: str) -> Iterator['WSManager']:
        """:meth:`channels` for one channel.

        :param sid: the session id.
        :param channel_name: the channel.
        """
        with self.channels(sid, [channel_name]) as manager:
            yield manager

    # ------------------------------------------------------------------- waits
    def wait_for(self, fn: Callable[[WSMessage], bool], timeout: Optional[float] = None) -> WSMessage:
        """Return the first received message for which ``fn(message)`` is true.

        Messages that do not match are dropped.

        :param fn: the test.
        :param timeout: seconds in all (None: no limit).
        :raises TimeoutError: none came in time (the manager keeps running).
        :raises WSError: the manager is not running and no message is left.
        """
        deadline = None if timeout is None else time.monotonic() + max(float(timeout), 0.0)
        while True:
            remaining = 0.5 if deadline is None else min(deadline - time.monotonic(), 0.5)
            try:
                message = self._responses.get(timeout=max(remaining, 0.0))
            except queue.Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise TimeoutError('No matching websocket message within {0} s'.format(timeout)) from None
                if not self.running:
                    raise WSError('The WSManager is not running: call run() first') from None
                continue
            if fn(message):
                return message

    def wait_for_event(self, channel: str, sid: str, event: str, timeout: Optional[float] = None) -> WSMessage:
        """Wait for ``event`` on ``channel`` sent to the subscriber ``sid``.

        :param channel: the channel.
        :param sid: the sid it was subscribed with (matched as ``sid_md5``).
        :param event: e.g. ``READY`` or ``DONE``.
        :param timeout: seconds (None: no limit).
        :raises TimeoutError: no such event in time.
        """
        digest = sid_md5(sid)

        def matches(message: WSMessage) -> bool:
            body = json_fields(message)
            return body.get('event') == event and body.get('channel') == channel and body.get('sid_md5') == digest

        return self.wait_for(matches, timeout)

    def wait_for_subscribe(self, channel: str, timeout: Optional[float] = None) -> WSMessage:
        """Wait for the answer ``{"status": "OK", "channel": channel}``.

        :param channel: the channel.
        :param timeout: seconds (None: no limit).
        :raises SubscribeRefused: the answer was an error for this channel.
        :raises TimeoutError: no answer in time.
        """
        message = self.wait_for(lambda msg: _is_answer(msg, channel), timeout)
        body = json_fields(message)
        if body.get('status') != 'OK':
            raise SubscribeRefused(channel, body.get('error_type'))
        return message

    def wait_for_unsubscribe(self, channel: str, timeout: Optional[float] = None) -> WSMessage:
        """Wait for the answer to an unsubscribe (the same as :meth:`wait_for_subscribe`)."""
        return self.wait_for_subscribe(channel, timeout)


def _is_answer(message: WSMessage, channel: str) -> bool:
    body = json_fields(message)
    return body.get('channel') == channel and body.get('status') in ('OK', 'ERROR') and 'event' not in body


__all__ = [
    'INACTIVITY_TIMEOUT',
    'SUBSCRIBE_TIMEOUT',
    'INSTALL_HINT',
    'WS',
    'WSManager',
    'WSMessage',
    'WSMsgType',
    'WSError',
    'WSExtraMissing',
    'WSConnectError',
    'WSRedirectRefused',
    'SubscribeRefused',
    'sid_md5',
    'ws_scheme_url',
]
