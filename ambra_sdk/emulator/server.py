"""The :class:`Emulator`: state + WSGI app + a threaded werkzeug server."""

from __future__ import annotations

import itertools
import queue
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any, Callable, Optional, Tuple, Type, Union

from werkzeug.serving import BaseWSGIServer, ThreadedWSGIServer, WSGIRequestHandler

from .app import EmulatorApp
from .context import EmulatorConfig
from .faults import FaultInjector
from .generic import EndpointSpec, load_spec
from .registry import reset_hooks
from .requests_log import RequestLog
from .seed import ACCOUNT_UUID, ADMIN_UUID, NAMESPACE_UUID, seed_base, seed_demo, seed_studies
from .state import State

if TYPE_CHECKING:  # pragma: no cover
    from ambra_sdk.api import Api

__all__ = ['Emulator', 'DEFAULT_USERNAME', 'DEFAULT_PASSWORD']

DEFAULT_USERNAME = 'admin@example.com'
DEFAULT_PASSWORD = 'emulator-Passw0rd!'


class _QuietHandler(WSGIRequestHandler):
    """Request handler that does not print one line per request."""

    def log_request(self, code: Union[int, str] = '-', size: Union[int, str] = '-') -> None:
        """Do not log requests (the emulator has its own request log)."""


#: Seconds an idle connection thread waits for work before it ends.
IDLE_THREAD_TIMEOUT = 30.0

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


class _Server(ThreadedWSGIServer):
    """werkzeug's threaded server, with connection threads reused (see :class:`_ConnectionThreads`)."""

    def __init__(self, host: str, port: int, app: Any) -> None:
        super().__init__(host, port, app, handler=_QuietHandler)
        self._connection_threads = _ConnectionThreads('ambra-emulator-{0}-conn'.format(self.server_port))

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection in a reused thread (``ThreadingMixIn`` starts a new one)."""
        self._connection_threads.submit(self.process_request_thread, request, client_address)

    def server_close(self) -> None:
        """Close the socket; the connection threads end after their current request."""
        super().server_close()
        self._connection_threads.close()


class Emulator:
    """An offline Ambra server for tests, docs and users.

    :param host: interface to bind (loopback by default).
    :param port: TCP port; 0 picks a free one.
    :param data_dir: where SQLite and uploaded files live (a temporary
        directory, removed on :meth:`stop`, when None).
    :param seed: also add demo data (studies, a group, a location).
    :param spec: endpoint data spec to use instead of the packaged one
        (a path to a JSON file or an already loaded mapping).

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
    ) -> None:
        self.host = host
        self.port = port
        self.data_dir = data_dir
        self.seed = seed
        self.config = EmulatorConfig(
            engine_fqdn=f'{host}:{port}', username=DEFAULT_USERNAME, password=DEFAULT_PASSWORD
        )
        self.faults = FaultInjector()
        self.requests_log = RequestLog()
        self._spec = load_spec(spec) if isinstance(spec, str) else spec
        self.state: Optional[State] = None
        self.app: Optional[EmulatorApp] = None
        self._server: Optional[BaseWSGIServer] = None
        self._thread: Optional[threading.Thread] = None
        self._reset_lock = threading.Lock()

    # ------------------------------------------------------------ lifecycle

    def start(self) -> Emulator:
        """Bind the port, seed the state and serve in a background thread."""
        if self._server is not None:
            return self
        self.state = State(self.data_dir)
        self.app = EmulatorApp(
            self.state,
            self.config,
            faults=self.faults,
            requests_log=self.requests_log,
            spec=self._spec,
            on_reset=self.reset,
        )
        server = _Server(self.host, self.port, self.app)
        self._server = server
        self.port = server.server_port
        self.config.engine_fqdn = f'{self.host}:{self.port}'
        if self._has_seed():
            self.state.set_engine_fqdn(self.config.engine_fqdn)
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
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self.state is not None:
            self.state.close()
            self.state = None

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

    def reset(self) -> None:
        """Wipe every object, session, file, fault and log entry; re-seed."""
        with self._reset_lock:
            self.faults.clear()
            self.requests_log.clear()
            if self.state is not None:
                self._seed(wipe=True)
                for hook in reset_hooks():
                    hook(self.state)

    # ------------------------------------------------------------ addresses

    @property
    def engine_fqdn(self) -> str:
        """``host:port`` of the running server."""
        return self.config.engine_fqdn

    @property
    def url(self) -> str:
        """Service API base URL, ``http://127.0.0.1:PORT/api/v3``."""
        return f'http://{self.engine_fqdn}/api/v3'

    @property
    def storage_base_url(self) -> str:
        """Storage URL template for :class:`~ambra_sdk.api.Api`."""
        return 'http://{engine_fqdn}/api/v3/storage'

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
        """Return an :class:`~ambra_sdk.api.Api` logged in as the seeded admin."""
        from ambra_sdk.api import Api

        return Api.with_creds(
            self.url,
            self.username,
            self.password,
            storage_base_url=self.storage_base_url,
            **kwargs,
        )

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
