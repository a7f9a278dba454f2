"""Per-request context handed to every route handler."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from .errors import AuthorizationRequiredError, documented_error, missing_fields
from .lockout import DEFAULT_ATTEMPTS, DEFAULT_WINDOW

if TYPE_CHECKING:  # pragma: no cover
    from werkzeug.wrappers import Request

    from .state import State

__all__ = ['EmulatorConfig', 'RequestContext', 'DEFAULT_USERNAME', 'DEFAULT_PASSWORD']

#: Login of the seeded admin.
DEFAULT_USERNAME = 'admin@example.com'
#: The published password of the seeded admin: accepted from loopback addresses only.
DEFAULT_PASSWORD = 'emulator-Passw0rd!'


@dataclass
class EmulatorConfig:
    """Facts about the running emulator that routes need.

    :ivar engine_fqdn: ``host:port`` of the emulator (set once bound).
    :ivar username: the seeded admin's login (email).
    :ivar password: the seeded admin's password.
    :ivar scheme: ``https`` when the emulator serves TLS, else ``http``.
    :ivar control_token: token the control API ``/_emulator/*`` requires (None: control API off).
    :ivar lockout_attempts: failed logins of one user within ``lockout_window`` that lock
        it out (``LOCKOUT``); 0 turns the lockout off (:mod:`ambra_sdk.emulator.lockout`).
    :ivar lockout_window: seconds of the failed-login window and of the lock.
    """

    engine_fqdn: str = '127.0.0.1'
    username: str = DEFAULT_USERNAME
    password: str = DEFAULT_PASSWORD
    scheme: str = 'http'
    control_token: Optional[str] = None
    lockout_attempts: int = DEFAULT_ATTEMPTS
    lockout_window: float = DEFAULT_WINDOW

    @property
    def url(self) -> str:
        """Service API base URL (``http://{engine_fqdn}/api/v3``)."""
        return f'{self.scheme}://{self.engine_fqdn}/api/v3'

    @property
    def storage_base_url(self) -> str:
        """Base URL of the storage API (``http://{engine_fqdn}/api/v3/storage``)."""
        return f'{self.scheme}://{self.engine_fqdn}/api/v3/storage'


class RequestContext:
    """Everything a handler needs about one request.

    :ivar request: the werkzeug request.
    :ivar state: the emulator :class:`~ambra_sdk.emulator.state.State`.
    :ivar config: the :class:`EmulatorConfig`.
    :ivar path: the path relative to ``/api/v3`` (e.g. ``/study/list``).
    :ivar form: the first value of every form field (urlencoded or multipart;
        the query string for a GET), or the ``form`` given (bundled calls).
    """

    def __init__(
        self,
        request: Request,
        state: State,
        config: EmulatorConfig,
        path: str,
        form: Optional[dict[str, str]] = None,
    ) -> None:
        self.request = request
        self.state = state
        self.config = config
        self.path = path
        self.form: dict[str, str] = {}
        #: Per-request scratch space for handlers (e.g. lookups shared by many rows).
        self.cache: dict[str, Any] = {}
        if form is not None:
            self.form = dict(form)
        elif request.method in ('GET', 'HEAD'):
            self.form = {key: request.args.get(key, '') for key in request.args}
        else:
            try:
                for key in request.form:
                    self.form[key] = request.form.get(key, '')
            except Exception:  # malformed bodies: treat as empty form  # noqa: BLE001
                self.form = {}
        self._user: Optional[dict[str, Any]] = None
        self._user_resolved = False

    # ------------------------------------------------------------ parameters

    @property
    def sid(self) -> Optional[str]:
        """The sid from the form, else from the query string, else None (see also :attr:`user`)."""
        return self.form.get('sid') or self.request.args.get('sid') or None

    def param(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """Return a form parameter (empty strings count as missing)."""
        value = self.form.get(name)
        return default if value is None or value == '' else value

    def has(self, name: str) -> bool:
        """True when the parameter is present and not empty."""
        return self.param(name) is not None

    def require(self, *names: str) -> dict[str, str]:
        """Return the named parameters or raise ``MISSING_FIELDS`` listing the absent ones."""
        missing = [n for n in names if not self.has(n)]
        if missing:
            raise missing_fields(missing)
        return {n: self.form[n] for n in names}

    def flag(self, name: str, default: bool = False) -> bool:
        """Read a vendor flag (``1``/``0``; ``true``/``false`` are accepted too).

        :raises ServiceError: ``INVALID_FLAG`` for other values when the call documents it
            (else the value is ignored: ``default``).
        """
        value = self.param(name)
        if value is None:
            return default
        lowered = value.strip().lower()
        if lowered in ('1', 'true'):
            return True
        if lowered in ('0', 'false'):
            return False
        error = documented_error(self.path, ('INVALID_FLAG',), name)
        if error is not None:
            raise error
        return default

    def integer(self, name: str, default: Optional[int] = None) -> Optional[int]:
        """Read an integer parameter; ``INVALID_INTEGER`` when malformed (ignored: ``default``, if undocumented)."""
        value = self.param(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            error = documented_error(self.path, ('INVALID_INTEGER',), name)
        if error is not None:
            raise error
        return default

    def json_param(self, name: str, default: Any = None) -> Any:
        """Read a JSON parameter; ``INVALID_JSON`` (subtype = name) when malformed (ignored, if undocumented)."""
        value = self.param(name)
        if value is None:
            return default
        try:
            return json.loads(value)
        except ValueError:
            error = documented_error(self.path, ('INVALID_JSON',), name)
        if error is not None:
            raise error
        return default

    # --------------------------------------------------------- authentication

    @property
    def user(self) -> Optional[dict[str, Any]]:
        """The authenticated user (sid or basic auth), or None."""
        if not self._user_resolved:
            self._user = self._resolve_user()
            self._user_resolved = True
        return self._user

    def _resolve_user(self) -> Optional[dict[str, Any]]:
        sid = self.sid
        if sid:
            return self.state.session_user(sid)
        auth = self.request.authorization
        if auth is not None and auth.type == 'bearer' and auth.token:
            return self.state.session_user(auth.token)  # an OAuth-style token: the emulator accepts a sid
        if auth is not None and auth.type == 'basic' and auth.username:
            from .accounts import find_user_by_login, password_accepted

            user = find_user_by_login(self.state, auth.username)
            if user is not None and password_accepted(user, auth.password or '', self.request.remote_addr):
                return user
        return None

    def require_user(self) -> dict[str, Any]:
        """Return the authenticated user or raise a 401."""
        user = self.user
        if user is None:
            raise AuthorizationRequiredError()
        return user
