"""The :class:`Emulator`: state + WSGI app + a threaded werkzeug server."""

from __future__ import annotations

import logging
import secrets
import sqlite3
import ssl
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any, Optional, Type, Union

from ambra_sdk.redact import install_dicom_redaction

from .app import EmulatorApp
from .context import DEFAULT_PASSWORD, DEFAULT_USERNAME, EmulatorConfig
from .extra import extra_error
from .faults import FaultInjector
from .generic import EndpointSpec, load_spec
from .httpd import BindError, EmulatorServer
from .limits import (
    DEFAULT_HEAD_TIMEOUT,
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_MAX_FORM_BYTES,
    DEFAULT_MAX_HALF_OPEN,
    Limits,
)
from .lockout import DEFAULT_ATTEMPTS, DEFAULT_WINDOW
from .network import NetworkProfile, NetworkShaper, parse_network
from .origin import is_loopback
from .processing import DEFAULT_PROCESSING_DELAY, check_delay
from .registry import reset_hooks
from .requests_log import RequestLog
from .seed import ACCOUNT_UUID, ADMIN_UUID, NAMESPACE_UUID, seed_admin_studies, seed_base, seed_demo, seed_studies
from .startup import PASSWORD_ENV, StartupError, bind_problem, check_port, data_problem, tls_problem
from .state import State

if TYPE_CHECKING:  # pragma: no cover
    from ambra_sdk.api import Api

    from .tls import TlsMaterial

__all__ = ['Emulator', 'DEFAULT_USERNAME', 'DEFAULT_PASSWORD', 'StartupError']

logger = logging.getLogger(__name__)

#: Seconds :meth:`Emulator.stop` waits for the connections being served to end.
STOP_GRACE_SECONDS = 5.0


class Emulator:
    """An offline Ambra server for tests, docs and users.

    :param host: interface to bind (loopback by default).
    :param port: TCP port; 0 picks a free one.
    :param data_dir: where SQLite and uploaded files live (a temporary
        directory, removed on :meth:`stop`, when None).
    :param seed: also add demo data: studies with real images in storage (three in the account's
        namespace, two in the admin's own), a group and a location.
    :param spec: endpoint data spec to use instead of the packaged one
        (a path to a JSON file or an already loaded mapping).
    :param tls: serve HTTPS (a CA and a certificate are made at start-up with
        ``trustme``; see :attr:`ca_file`).
    :param keep_alive: keep HTTP/1.1 connections open between requests, as the
        real server does (False: answer ``Connection: close`` every time).
    :param control: serve the control API ``/_emulator/*`` (it needs the
        :attr:`control_token` header); False answers 404 there.
    :param processing_delay: seconds between a bare storage upload's answer and
        its service study (and the channel's study event), as the real
        server's processing step (default
        :data:`~ambra_sdk.emulator.processing.DEFAULT_PROCESSING_DELAY`; 0 makes
        uploads synchronous). See :attr:`processing_delay`, :meth:`wait_processed`.
    :param lockout_attempts: failed logins of one user within ``lockout_window``
        seconds after which ``/session/login`` answers ``LOCKOUT`` for
        ``lockout_window`` seconds (0: no lockout; see :mod:`ambra_sdk.emulator.lockout`).
    :param lockout_window: seconds of the failed-login window and of the lock.
    :param password: the seeded admin's password (also set on an existing
        ``data_dir``). None: the published :data:`DEFAULT_PASSWORD`, accepted
        from loopback addresses only; a ``host`` other than loopback needs one.
    :param max_body_bytes: largest storage request body (2 GiB); more is answered 413 unread.
    :param max_form_bytes: largest body of a service call, bundle or control call (64 MiB).
    :param max_connections: connections served at once (256); more are answered 503.
    :param max_half_open: connections without a full request head at once (64); more are answered 503.
    :param head_timeout: seconds a connection has to send a full request head (10).
    :param network: a network profile such as ``'rtt=40ms,conn=50Mbit,total=1Gbit'``
        (round-trip latency and throughput caps on every connection, see
        :mod:`ambra_sdk.emulator.network`); None: loopback as is.
    :raises ValueError: a limit that is not positive.

    :meth:`start` raises :class:`~ambra_sdk.emulator.startup.StartupError` for a
    busy port, a data folder it cannot use, a TLS certificate it cannot make, or
    a network ``host`` without a password.

    Usage::

        with Emulator() as emu:
            api = emu.api()
            api.Study.list().all()
    """

    def __init__(
        self,
        host: str = '127.0.0.1',
        port: int = 0,
        data_dir: Optional[str] = None,
        seed: bool = False,
        spec: Optional[Union[str, dict[str, EndpointSpec]]] = None,
        tls: bool = False,
        keep_alive: bool = True,
        control: bool = True,
        processing_delay: float = DEFAULT_PROCESSING_DELAY,
        lockout_attempts: int = DEFAULT_ATTEMPTS,
        lockout_window: float = DEFAULT_WINDOW,
        password: Optional[str] = None,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_form_bytes: int = DEFAULT_MAX_FORM_BYTES,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        max_half_open: int = DEFAULT_MAX_HALF_OPEN,
        head_timeout: float = DEFAULT_HEAD_TIMEOUT,
        network: Optional[Union[str, NetworkProfile]] = None,
    ) -> None:
        if lockout_attempts < 0 or lockout_window < 0:
            raise ValueError('lockout_attempts and lockout_window must not be negative')
        self.limits = Limits(max_body_bytes, max_form_bytes, max_connections, max_half_open, head_timeout)
        self._password_set = password is not None
        self.host = host
        #: The network profile (:class:`~ambra_sdk.emulator.network.NetworkProfile`; no shaping when empty).
        self.network = parse_network(network)
        self.port = port
        self.data_dir = data_dir
        self.seed = seed
        self.tls = bool(tls)
        self.keep_alive = bool(keep_alive)
        self.config = EmulatorConfig(
            engine_fqdn=f'{host}:{port}',
            username=DEFAULT_USERNAME,
            password=DEFAULT_PASSWORD if password is None else password,
            scheme='https' if self.tls else 'http',
            control_token=secrets.token_urlsafe(32) if control else None,
            lockout_attempts=int(lockout_attempts),
            lockout_window=float(lockout_window),
        )
        self.faults = FaultInjector()
        self.requests_log = RequestLog()
        self._spec = load_spec(spec) if isinstance(spec, str) else spec
        self.state: Optional[State] = None
        self.app: Optional[EmulatorApp] = None
        self._server: Optional[EmulatorServer] = None
        self._tls: Optional[TlsMaterial] = None
        self._thread: Optional[threading.Thread] = None
        self._reset_lock = threading.Lock()
        self._processing_delay = check_delay(processing_delay)

    # ------------------------------------------------------------ lifecycle

    def start(self) -> Emulator:
        """Bind the port, seed the state and serve in a background thread.

        :raises StartupError: the emulator cannot start (the message names the option to change).
        :raises ImportError: a module of the ``emulator`` extra is missing (the message says how to install it).
        """
        if self._server is not None:
            return self
        check_port(self.port)
        self._check_network()
        install_dicom_redaction()  # the storage part reads uploads with pydicom, whose warnings quote values
        try:
            self._open()
        except ImportError as error:  # a module of the emulator extra (pydicom, numpy, wsproto, trustme) is missing
            self.stop()
            raise extra_error(error) from None
        except BaseException:
            self.stop()
            raise
        assert self._server is not None and self.state is not None
        if not is_loopback(self.host):
            logger.warning('Warning: the Ambra emulator listens on %s, beyond loopback: whoever reaches this '
                           'machine on port %d can use it with the admin password', self.host or '*', self.port)
        if self._has_seed():
            self.state.set_engine_fqdn(self.config.engine_fqdn)
            if self._password_set:
                from .accounts import hash_password

                self.state.update_object('user', ADMIN_UUID, hash_password(self.config.password))
            _sweep_leftovers(self.state)
        else:
            self._seed(wipe=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f'ambra-emulator-{self.port}', daemon=True
        )
        self._thread.start()
        return self

    def _check_network(self) -> None:
        """A bind beyond loopback needs a password of the user's own (:meth:`start` then logs a warning)."""
        if is_loopback(self.host):
            return
        if not self._password_set or self.config.password == DEFAULT_PASSWORD:
            raise StartupError(
                '--host {0} is not a loopback address: set an admin password of your own with '
                '--admin-password @FILE or the {1} environment variable'.format(self.host or '""', PASSWORD_ENV),
                '--admin-password',
            )

    def _open(self) -> None:
        """Make the TLS material, the state and the server socket (each failure: a :class:`StartupError`)."""
        if self.tls:
            from .tls import make_tls_material

            try:
                self._tls = make_tls_material(self.host)
            except (OSError, ssl.SSLError, ValueError) as error:
                raise tls_problem(error) from None
        try:
            self.state = State(self.data_dir)
        except (OSError, sqlite3.Error) as error:
            raise data_problem(str(self.data_dir), error) from None
        self.state.processing.delay = self._processing_delay
        shaper = NetworkShaper(self.network) if any(self.network) else None
        self.app = EmulatorApp(
            self.state,
            self.config,
            faults=self.faults,
            requests_log=self.requests_log,
            spec=self._spec,
            on_reset=self.reset,
            network=shaper,
        )
        try:
            server = EmulatorServer(
                self.host,
                self.port,
                self.app,
                tls_context=self._tls.context if self._tls is not None else None,
                keep_alive=self.keep_alive,
                limits=self.limits,
                network=shaper,
            )
        except BindError as error:
            raise bind_problem(error.errno, error.strerror, self.host, self.port) from None
        except OSError as error:  # the host name does not resolve
            raise bind_problem(error.errno, error.strerror or str(error), self.host, self.port) from None
        self._server = server
        self.port = server.server_port
        self.config.engine_fqdn = f'{self.host}:{self.port}'

    def stop(self) -> None:
        """Stop serving and close the state (a temporary data dir is removed)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            # The connections are shut: let their threads clean up (an upload
            # in flight removes its temporary file) before the state closes.
            self._server.wait_for_connections(STOP_GRACE_SECONDS)
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self.state is not None:
            self.state.close()
            self.state = None
        if self._tls is not None:
            self._tls.close()
            self._tls = None

    @property
    def running(self) -> bool:
        """True while the server thread serves."""
        return self._thread is not None and self._thread.is_alive()

    def serve_forever(self) -> None:
        """Block until the server thread ends (Ctrl-C to stop)."""
        if self._thread is None:
            self.start()
        assert self._thread is not None
        while self._thread.is_alive():
            self._thread.join(0.5)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    # ---------------------------------------------------------------- state

    def _has_seed(self) -> bool:
        assert self.state is not None
        return self.state.get_object('user', ADMIN_UUID) is not None

    def _seed(self, wipe: bool = True) -> None:
        assert self.state is not None
        if wipe:
            self.state.wipe()
            seed_base(self.state, self.config)
            if self.seed:
                seed_demo(self.state, self.config)
                seed_admin_studies(self.state, self.config)

    def reset(self) -> None:
        """Wipe every object, session, file, fault and log entry and pending processing; re-seed."""
        with self._reset_lock:
            self.faults.clear()
            self.requests_log.clear()
            if self.state is not None:
                self._seed(wipe=True)
                for hook in reset_hooks():
                    hook(self.state)

    # ----------------------------------------------------------- processing

    @property
    def processing_delay(self) -> float:
        """Seconds between a bare storage upload's answer and its service study (settable; 0: at once)."""
        if self.state is not None:  # the control API may have changed it
            return self.state.processing.delay
        return self._processing_delay

    @processing_delay.setter
    def processing_delay(self, value: float) -> None:
        self._processing_delay = check_delay(value)
        if self.state is not None:
            self.state.processing.delay = self._processing_delay

    def wait_processed(self, timeout: float = 30.0) -> bool:
        """Block until every upload so far is processed (for the emulator's own tests).

        SDK code waits as on the real server instead (``api.Addon.Study.wait``:
        events or polling).

        :return: False when ``timeout`` seconds passed first.
        """
        if self.state is None:
            return True
        return self.state.processing.wait(timeout)

    # ------------------------------------------------------------ addresses

    @property
    def engine_fqdn(self) -> str:
        """``host:port`` of the running server."""
        return self.config.engine_fqdn

    @property
    def scheme(self) -> str:
        """``https`` with ``tls=True``, else ``http``."""
        return self.config.scheme

    @property
    def url(self) -> str:
        """Service API base URL, ``http://127.0.0.1:PORT/api/v3`` (``https://`` with ``tls=True``)."""
        return f'{self.scheme}://{self.engine_fqdn}/api/v3'

    @property
    def storage_base_url(self) -> str:
        """Storage URL template for :class:`~ambra_sdk.api.Api` (the SDK's default with ``tls=True``)."""
        return self.scheme + '://{engine_fqdn}/api/v3/storage'

    @property
    def ca_file(self) -> Optional[str]:
        """Path of the CA certificate (PEM) to trust with ``tls=True`` while running, else None.

        ``REQUESTS_CA_BUNDLE=<ca_file>`` makes ``requests`` (and so the SDK) trust it.
        """
        return str(self._tls.ca_file) if self._tls is not None else None

    @property
    def control_token(self) -> Optional[str]:
        """Token of the control API: send it as the :data:`~ambra_sdk.emulator.control.TOKEN_HEADER`
        header of every ``/_emulator/*`` request (None with ``control=False``)."""
        return self.config.control_token

    def control_headers(self) -> dict[str, str]:
        """Headers a ``/_emulator/*`` request needs (``{}`` with ``control=False``)."""
        from .control import TOKEN_HEADER

        token = self.control_token
        return {TOKEN_HEADER: token} if token else {}

    @property
    def traffic(self) -> tuple[int, int]:
        """Bytes ``(received, sent)`` so far over the network profile's connections (``(0, 0)`` without one).

        Request lines, headers and bodies count; the same figures as ``GET /_emulator/network``.
        """
        shaper = self.app.network if self.app is not None else None
        return (0, 0) if shaper is None else shaper.traffic.snapshot()

    @property
    def connections_accepted(self) -> int:
        """TCP connections accepted so far (keep-alive makes it much smaller than the requests)."""
        return self._server.connections_accepted if self._server is not None else 0

    @property
    def username(self) -> str:
        """Login (email) of the seeded admin."""
        return self.config.username

    @property
    def password(self) -> str:
        """Password of the seeded admin."""
        return self.config.password

    @property
    def user_id(self) -> str:
        """Uuid of the seeded admin."""
        return ADMIN_UUID

    @property
    def account_id(self) -> str:
        """Uuid of the seeded account."""
        return ACCOUNT_UUID

    @property
    def namespace_id(self) -> str:
        """Uuid of the seeded account's namespace (use it as storage namespace)."""
        return NAMESPACE_UUID

    def api(self, **kwargs: Any) -> Api:
        """Return an :class:`~ambra_sdk.api.Api` logged in as the seeded admin.

        Without client-side rate limits (``rate_limits=None``) unless ``rate_limits`` is given:
        the reference's limits protect the real server and only slow calls to an emulator.

        With ``tls=True`` its HTTP sessions trust :attr:`ca_file` (see
        :class:`~ambra_sdk.emulator.trust.EmulatorApi`).
        """
        from ambra_sdk.api import Api

        kwargs.setdefault('rate_limits', None)
        if self.ca_file is None:
            return Api.with_creds(
                self.url, self.username, self.password, storage_base_url=self.storage_base_url, **kwargs
            )
        from .trust import EmulatorApi

        api = EmulatorApi.with_creds(
            self.url, self.username, self.password, storage_base_url=self.storage_base_url, **kwargs
        )
        assert isinstance(api, EmulatorApi)
        return api.trust(self.ca_file)

    def add_user(
        self,
        email: str,
        password: str,
        first: str = 'Test',
        last: str = 'User',
        account_id: Optional[str] = None,
        sysadmin: bool = False,
    ) -> dict[str, Any]:
        """Create a user who can log in (a member of ``account_id``, default: the seeded account).

        :return: the user object (``uuid``, ``email``, ``namespace_id``, ...), without password fields.
        """
        assert self.state is not None, 'Emulator is not started'
        from .accounts import hash_password, public_user

        namespace = self.state.add_object(
            'namespace', {'name': f'{first} {last}', 'type': 'user', 'engine_fqdn': self.engine_fqdn}
        )
        user = self.state.add_object(
            'user',
            {
                'first': first,
                'last': last,
                'name': f'{first} {last}',
                'email': email,
                'namespace_id': namespace['uuid'],
                'sysadmin': int(sysadmin),
                'settings': {},
                **hash_password(password),
            },
        )
        self.state.update_object('namespace', namespace['uuid'], {'user_id': user['uuid']})
        self.state.add_object(
            'account_user', {'account_id': account_id or ACCOUNT_UUID, 'user_id': user['uuid'], 'role_id': None}
        )
        return public_user(user)

    def seed_studies(self, count: int, namespace_id: Optional[str] = None) -> int:
        """Add ``count`` synthetic studies fast (one transaction), e.g. 100 000 for a pagination benchmark.

        :param namespace_id: storage and PHI namespace (default: :attr:`namespace_id`).
        :return: the number of studies added.
        """
        assert self.state is not None, 'Emulator is not started'
        return seed_studies(self.state, self.config, count, namespace_id)

    def login(self) -> str:
        """Create a session for the seeded admin and return its sid."""
        assert self.state is not None, 'Emulator is not started'
        return self.state.create_session(ADMIN_UUID)


def _sweep_leftovers(state: State) -> None:
    """Remove the files an earlier run left when it stopped during an upload (storage part, if present)."""
    try:
        from .storage.index import StorageIndex
        from .storage.upload import sweep_leftovers
    except ImportError:  # pragma: no cover - the storage part needs pydicom
        return
    sweep_leftovers(StorageIndex(state))
