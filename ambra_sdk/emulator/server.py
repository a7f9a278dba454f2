"""The :class:`Emulator`: state + WSGI app + a threaded werkzeug server."""

from __future__ import annotations

import secrets
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any, Optional, Type, Union

from .app import EmulatorApp
from .context import EmulatorConfig
from .faults import FaultInjector
from .generic import EndpointSpec, load_spec
from .httpd import EmulatorServer
from .processing import DEFAULT_PROCESSING_DELAY, check_delay
from .registry import reset_hooks
from .requests_log import RequestLog
from .seed import ACCOUNT_UUID, ADMIN_UUID, NAMESPACE_UUID, seed_admin_studies, seed_base, seed_demo, seed_studies
from .state import State

if TYPE_CHECKING:  # pragma: no cover
    from ambra_sdk.api import Api

    from .tls import TlsMaterial

__all__ = ['Emulator', 'DEFAULT_USERNAME', 'DEFAULT_PASSWORD']

#: Seconds :meth:`Emulator.stop` waits for the connections being served to end.
STOP_GRACE_SECONDS = 5.0

DEFAULT_USERNAME = 'admin@example.com'
DEFAULT_PASSWORD = 'emulator-Passw0rd!'


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
    ) -> None:
        self.host = host
        self.port = port
        self.data_dir = data_dir
        self.seed = seed
        self.tls = bool(tls)
        self.keep_alive = bool(keep_alive)
        self.config = EmulatorConfig(
            engine_fqdn=f'{host}:{port}',
            username=DEFAULT_USERNAME,
            password=DEFAULT_PASSWORD,
            scheme='https' if self.tls else 'http',
            control_token=secrets.token_urlsafe(32) if control else None,
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
        """Bind the port, seed the state and serve in a background thread."""
        if self._server is not None:
            return self
        if self.tls:
            from .tls import make_tls_material

            self._tls = make_tls_material(self.host)
        self.state = State(self.data_dir)
        self.state.processing.delay = self._processing_delay
        self.app = EmulatorApp(
            self.state,
            self.config,
            faults=self.faults,
            requests_log=self.requests_log,
            spec=self._spec,
            on_reset=self.reset,
        )
        server = EmulatorServer(
            self.host,
            self.port,
            self.app,
            tls_context=self._tls.context if self._tls is not None else None,
            keep_alive=self.keep_alive,
        )
        self._server = server
        self.port = server.server_port
        self.config.engine_fqdn = f'{self.host}:{self.port}'
        if self._has_seed():
            self.state.set_engine_fqdn(self.config.engine_fqdn)
            _sweep_leftovers(self.state)
        else:
            self._seed(wipe=True)
        self._thread = threading.Thread(
            target=server.serve_forever, name=f'ambra-emulator-{self.port}', daemon=True
        )
        self._thread.start()
        return self

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

        With ``tls=True`` its HTTP sessions trust :attr:`ca_file` (see
        :class:`~ambra_sdk.emulator.trust.EmulatorApi`).
        """
        from ambra_sdk.api import Api

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
