"""The :class:`Api`: one object holding the service and storage sessions."""

import logging
import threading
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, TypeVar

import requests

from ambra_sdk import __version__
from ambra_sdk.api.base_api import (
    DEFAULT_RATE_LIMITS,
    DEFAULT_SDK_CLIENT_NAME,
    Credentials,
    RateLimits,
)
from ambra_sdk.api.namespaces import SERVICE_NAMESPACES, LazyNamespace, service_namespace
from ambra_sdk.api.rate_limiter import RateLimiter
from ambra_sdk.api.retry import RETRY_POLICIES, SAFE_POLICY
from ambra_sdk.api.transport import (
    DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_DOWNLOAD_EXPANSION,
    DEFAULT_TIMEOUT,
    TimeoutType,
    build_session,
    default_service_retry_params,
    default_storage_retry_params,
    validate_timeout,
)
from ambra_sdk.clear_params import clear_params
from ambra_sdk.exceptions.base import ApiConfigurationError, MissingCredentials
from ambra_sdk.exceptions.service_base import AuthorizationRequired
from ambra_sdk.redact import install_log_filter, redact_text, register_secret
from ambra_sdk.request_args import RequestArgs

if TYPE_CHECKING:  # attribute types for IDEs and mypy; the objects are created lazily
    from ambra_sdk.addon.addon import Addon as _AddonNamespace
    from ambra_sdk.service.bundle import Bundle
    from ambra_sdk.service.entrypoints.union.account import Account as _AccountNamespace
    from ambra_sdk.service.entrypoints.union.activity import Activity as _ActivityNamespace
    from ambra_sdk.service.entrypoints.union.analytics import Analytics as _AnalyticsNamespace
    from ambra_sdk.service.entrypoints.union.annotation import Annotation as _AnnotationNamespace
    from ambra_sdk.service.entrypoints.union.anonymization import Anonymization as _AnonymizationNamespace
    from ambra_sdk.service.entrypoints.union.appointment import Appointment as _AppointmentNamespace
    from ambra_sdk.service.entrypoints.union.audit import Audit as _AuditNamespace
    from ambra_sdk.service.entrypoints.union.case import Case as _CaseNamespace
    from ambra_sdk.service.entrypoints.union.customcode import Customcode as _CustomcodeNamespace
    from ambra_sdk.service.entrypoints.union.customfield import Customfield as _CustomfieldNamespace
    from ambra_sdk.service.entrypoints.union.destination import Destination as _DestinationNamespace
    from ambra_sdk.service.entrypoints.union.dicomdata import Dicomdata as _DicomdataNamespace
    from ambra_sdk.service.entrypoints.union.dictionary import Dictionary as _DictionaryNamespace
    from ambra_sdk.service.entrypoints.union.filter import Filter as _FilterNamespace
    from ambra_sdk.service.entrypoints.union.group import Group as _GroupNamespace
    from ambra_sdk.service.entrypoints.union.help import Help as _HelpNamespace
    from ambra_sdk.service.entrypoints.union.hl7 import Hl7 as _Hl7Namespace
    from ambra_sdk.service.entrypoints.union.keyimage import Keyimage as _KeyimageNamespace
    from ambra_sdk.service.entrypoints.union.link import Link as _LinkNamespace
    from ambra_sdk.service.entrypoints.union.location import Location as _LocationNamespace
    from ambra_sdk.service.entrypoints.union.meeting import Meeting as _MeetingNamespace
    from ambra_sdk.service.entrypoints.union.message import Message as _MessageNamespace
    from ambra_sdk.service.entrypoints.union.namespace import Namespace as _NamespaceNamespace
    from ambra_sdk.service.entrypoints.union.node import Node as _NodeNamespace
    from ambra_sdk.service.entrypoints.union.npi import Npi as _NpiNamespace
    from ambra_sdk.service.entrypoints.union.order import Order as _OrderNamespace
    from ambra_sdk.service.entrypoints.union.patient import Patient as _PatientNamespace
    from ambra_sdk.service.entrypoints.union.purge import Purge as _PurgeNamespace
    from ambra_sdk.service.entrypoints.union.qctask import Qctask as _QctaskNamespace
    from ambra_sdk.service.entrypoints.union.query import Query as _QueryNamespace
    from ambra_sdk.service.entrypoints.union.radreport import Radreport as _RadreportNamespace
    from ambra_sdk.service.entrypoints.union.radreportmacro import Radreportmacro as _RadreportmacroNamespace
    from ambra_sdk.service.entrypoints.union.report import Report as _ReportNamespace
    from ambra_sdk.service.entrypoints.union.role import Role as _RoleNamespace
    from ambra_sdk.service.entrypoints.union.route import Route as _RouteNamespace
    from ambra_sdk.service.entrypoints.union.rsna import Rsna as _RsnaNamespace
    from ambra_sdk.service.entrypoints.union.rule_set import RuleSet as _RuleSetNamespace
    from ambra_sdk.service.entrypoints.union.scanner import Scanner as _ScannerNamespace
    from ambra_sdk.service.entrypoints.union.session import Session as _SessionNamespace
    from ambra_sdk.service.entrypoints.union.setting import Setting as _SettingNamespace
    from ambra_sdk.service.entrypoints.union.site import Site as _SiteNamespace
    from ambra_sdk.service.entrypoints.union.study import Study as _StudyNamespace
    from ambra_sdk.service.entrypoints.union.tag import Tag as _TagNamespace
    from ambra_sdk.service.entrypoints.union.terminology import Terminology as _TerminologyNamespace
    from ambra_sdk.service.entrypoints.union.timer_rule import TimerRule as _TimerRuleNamespace
    from ambra_sdk.service.entrypoints.union.training import Training as _TrainingNamespace
    from ambra_sdk.service.entrypoints.union.user import User as _UserNamespace
    from ambra_sdk.service.entrypoints.union.validate import Validate as _ValidateNamespace
    from ambra_sdk.service.entrypoints.union.webhook import Webhook as _WebhookNamespace
    from ambra_sdk.storage.storage import Storage as _StorageNamespace

logger = logging.getLogger(__name__)

T = TypeVar('T')

DEFAULT_STORAGE_BASE_URL = 'https://{engine_fqdn}/api/v3/storage'
_UNSET: Any = object()


class Api:
    """Client of the Ambra service and storage APIs.

    Build it with :meth:`with_creds` (the SDK logs in when needed and again
    when the sid expires) or :meth:`with_sid`::

        api = Api.with_creds(
            url='https://ambrahealth_host/api/v3',
            username='user@example.com',
            password='...',
            client_name='Some name (ex: Hospital-ABC)',
        )
        user = api.Session.user().get()

    :param url: service API URL, like ``https://ambrahealth_host/api/v3``.
    :param username: login used to get a sid (with ``password``).
    :param password: password used to get a sid.
    :param sid: an existing session id.
    :param client_name: sent as the ``SDK-CLIENT-NAME`` header.
    :param special_headers_for_login: extra headers of the login request.
    :param rate_limits: client-side limits of service calls (None: off).
    :param autocast_arguments: cast dates, lists, dicts and bools of service
        calls to the wire format.
    :param timeout: ``(connect, read)`` seconds for every request
        (default :data:`ambra_sdk.api.transport.DEFAULT_TIMEOUT`).
    :param storage_base_url: template of storage URLs, default
        ``'https://{engine_fqdn}/api/v3/storage'``; use
        ``'http://{engine_fqdn}/api/v3/storage'`` for a plain-http storage
        (the emulator, a local test installation).
    :param retry_policy: ``'safe'`` (default: reads retried, writes only when
        they never reached the server) or ``'reference'`` (3.21.6.0-1: every
        method retried); see :mod:`ambra_sdk.api.retry`.
    """

    backend = 'REQUESTS'

    # namespaces (lazy descriptors installed below the class)
    Account: '_AccountNamespace'
    Activity: '_ActivityNamespace'
    Analytics: '_AnalyticsNamespace'
    Annotation: '_AnnotationNamespace'
    Anonymization: '_AnonymizationNamespace'
    Appointment: '_AppointmentNamespace'
    Audit: '_AuditNamespace'
    Case: '_CaseNamespace'
    Customcode: '_CustomcodeNamespace'
    Customfield: '_CustomfieldNamespace'
    Destination: '_DestinationNamespace'
    Dicomdata: '_DicomdataNamespace'
    Dictionary: '_DictionaryNamespace'
    Filter: '_FilterNamespace'
    Group: '_GroupNamespace'
    Help: '_HelpNamespace'
    Hl7: '_Hl7Namespace'
    Keyimage: '_KeyimageNamespace'
    Link: '_LinkNamespace'
    Location: '_LocationNamespace'
    Meeting: '_MeetingNamespace'
    Message: '_MessageNamespace'
    Namespace: '_NamespaceNamespace'
    Node: '_NodeNamespace'
    Npi: '_NpiNamespace'
    Order: '_OrderNamespace'
    Patient: '_PatientNamespace'
    Purge: '_PurgeNamespace'
    Qctask: '_QctaskNamespace'
    Query: '_QueryNamespace'
    Radreport: '_RadreportNamespace'
    Radreportmacro: '_RadreportmacroNamespace'
    Report: '_ReportNamespace'
    Role: '_RoleNamespace'
    Route: '_RouteNamespace'
    RuleSet: '_RuleSetNamespace'
    Rsna: '_RsnaNamespace'
    Scanner: '_ScannerNamespace'
    Session: '_SessionNamespace'
    Setting: '_SettingNamespace'
    Site: '_SiteNamespace'
    Study: '_StudyNamespace'
    Tag: '_TagNamespace'
    Terminology: '_TerminologyNamespace'
    TimerRule: '_TimerRuleNamespace'
    Training: '_TrainingNamespace'
    User: '_UserNamespace'
    Validate: '_ValidateNamespace'
    Webhook: '_WebhookNamespace'
    Storage: '_StorageNamespace'
    Addon: '_AddonNamespace'

    def __init__(
        self,
        url: str,
        username: Optional[str] = None,
        password: Optional[str] = None,
        sid: Optional[str] = None,
        client_name: str = DEFAULT_SDK_CLIENT_NAME,
        special_headers_for_login: Optional[Dict[str, str]] = None,
        rate_limits: Optional[RateLimits] = DEFAULT_RATE_LIMITS,
        autocast_arguments: bool = True,
        *,
        timeout: TimeoutType = DEFAULT_TIMEOUT,
        storage_base_url: Optional[str] = None,
        retry_policy: str = SAFE_POLICY,  # reliability: retry policy
    ) -> None:
        _check_url(url)
        if (username is None) != (password is None):
            missing = 'password' if password is None else 'username'
            raise ApiConfigurationError(
                'Api needs both username and password to log in; {0} is missing. '
                'Use Api.with_creds(url, username, password) or Api.with_sid(url, sid).'.format(missing),
            )
        for name, value in (('username', username), ('password', password), ('sid', sid)):
            if value is not None and not isinstance(value, str):
                raise ApiConfigurationError('{0} must be a str, got {1}'.format(name, type(value).__name__))
        if rate_limits is not None and not isinstance(rate_limits, RateLimits):
            raise ApiConfigurationError('rate_limits must be a RateLimits or None')
        if storage_base_url is not None and '{engine_fqdn}' not in storage_base_url:
            raise ApiConfigurationError(
                "storage_base_url must contain '{engine_fqdn}', e.g. 'http://{engine_fqdn}/api/v3/storage'",
            )
        if retry_policy not in RETRY_POLICIES:  # reliability: retry policy
            raise ApiConfigurationError(
                'retry_policy must be one of {0}, got {1!r}'.format(RETRY_POLICIES, retry_policy),
            )
        install_log_filter()
        register_secret(password)
        register_secret(sid)

        self._api_url = url.rstrip('/')
        self._creds = Credentials(username, password) if username is not None and password is not None else None
        self._sid = sid
        self._client_name = client_name
        self._special_headers_for_login = special_headers_for_login
        self._default_headers: Dict[str, str] = {
            'SDK-CLIENT-NAME': client_name,
            'SDK-VERSION': __version__,
        }
        self._service_default_headers: Dict[str, str] = {}
        self._storage_default_headers: Dict[str, str] = {}
        self._autocast_arguments = autocast_arguments
        self._timeout = validate_timeout(timeout)
        self.storage_base_url = storage_base_url or DEFAULT_STORAGE_BASE_URL
        self.ws_url = '{0}/channel/websocket'.format(self._api_url)

        # reliability: retry policy (the dicts hold the policy's Retry/SafeRetry arguments)
        self.retry_policy = retry_policy
        self.service_retry_params: Dict[str, Any] = default_service_retry_params(retry_policy)
        self.storage_retry_params: Dict[str, Any] = default_storage_retry_params(retry_policy)
        self._service_session: Optional[requests.Session] = None
        self._storage_session: Optional[requests.Session] = None
        self._sessions_lock = threading.Lock()
        self._sid_lock = threading.RLock()
        self._local = threading.local()
        self._rate_limiter = RateLimiter(rate_limits)
        self._max_body_bytes = DEFAULT_MAX_BODY_BYTES
        self._max_download_expansion = DEFAULT_MAX_DOWNLOAD_EXPANSION

    # ------------------------------------------------------------------ factories
    @classmethod
    def with_sid(
        cls,
        url: str,
        sid: str,
        client_name: str = DEFAULT_SDK_CLIENT_NAME,
        rate_limits: Optional[RateLimits] = DEFAULT_RATE_LIMITS,
        autocast_arguments: bool = True,
        *,
        timeout: TimeoutType = DEFAULT_TIMEOUT,
        storage_base_url: Optional[str] = None,
        retry_policy: str = SAFE_POLICY,  # reliability: retry policy
    ) -> 'Api':
        """Build an Api from an existing sid (it cannot log in again).

        :param url: service API URL.
        :param sid: session id.
        :param client_name: sent as the ``SDK-CLIENT-NAME`` header.
        :param rate_limits: client-side limits of service calls.
        :param autocast_arguments: cast arguments to the wire format.
        :param timeout: ``(connect, read)`` seconds.
        :param storage_base_url: storage URL template.
        :param retry_policy: ``'safe'`` or ``'reference'``.
        """
        if not isinstance(sid, str) or not sid:
            raise ApiConfigurationError('with_sid needs a non-empty sid string')
        return cls(
            url=url,
            sid=sid,
            client_name=client_name,
            rate_limits=rate_limits,
            autocast_arguments=autocast_arguments,
            timeout=timeout,
            storage_base_url=storage_base_url,
            retry_policy=retry_policy,  # reliability: retry policy
        )

    @classmethod
    def with_creds(
        cls,
        url: str,
        username: str,
        password: str,
        client_name: str = DEFAULT_SDK_CLIENT_NAME,
        special_headers_for_login: Optional[Dict[str, str]] = None,
        rate_limits: Optional[RateLimits] = DEFAULT_RATE_LIMITS,
        autocast_arguments: bool = True,
        *,
        timeout: TimeoutType = DEFAULT_TIMEOUT,
        storage_base_url: Optional[str] = None,
        retry_policy: str = SAFE_POLICY,  # reliability: retry policy
    ) -> 'Api':
        """Build an Api that logs in with credentials when it needs a sid.

        :param url: service API URL.
        :param username: login.
        :param password: password.
        :param client_name: sent as the ``SDK-CLIENT-NAME`` header.
        :param special_headers_for_login: extra headers of the login request.
        :param rate_limits: client-side limits of service calls.
        :param autocast_arguments: cast arguments to the wire format.
        :param timeout: ``(connect, read)`` seconds.
        :param storage_base_url: storage URL template.
        :param retry_policy: ``'safe'`` or ``'reference'``.
        """
        if username is None or password is None:
            raise ApiConfigurationError('with_creds needs both username and password')
        return cls(
            url=url,
            username=username,
            password=password,
            client_name=client_name,
            special_headers_for_login=special_headers_for_login,
            rate_limits=rate_limits,
            autocast_arguments=autocast_arguments,
            timeout=timeout,
            storage_base_url=storage_base_url,
            retry_policy=retry_policy,  # reliability: retry policy
        )

    # ------------------------------------------------------------------ settings
    @property
    def default_headers(self) -> Dict[str, str]:
        """Headers of both sessions (live: changes apply to the next request)."""
        return self._default_headers

    @property
    def service_default_headers(self) -> Dict[str, str]:
        """Headers of service calls only (live)."""
        return self._service_default_headers

    @property
    def storage_default_headers(self) -> Dict[str, str]:
        """Headers of storage calls only (live)."""
        return self._storage_default_headers

    @property
    def timeout(self) -> TimeoutType:
        """``(connect, read)`` timeout in seconds of every request."""
        return self._timeout

    @timeout.setter
    def timeout(self, value: TimeoutType) -> None:
        self._timeout = validate_timeout(value)

    @property
    def max_body_bytes(self) -> int:
        """Largest decoded body read into memory (service answers, storage JSON, error bodies).

        Default :data:`ambra_sdk.api.transport.DEFAULT_MAX_BODY_BYTES` (128 MiB);
        a larger answer raises :class:`~ambra_sdk.exceptions.base.ResponseTooLarge`.
        """
        return self._max_body_bytes

    @max_body_bytes.setter
    def max_body_bytes(self, value: int) -> None:
        self._max_body_bytes = _positive_int(value, 'max_body_bytes')

    @property
    def max_download_expansion(self) -> int:
        """How many times a compressed download may grow once decoded (default 100).

        A download with a ``Content-Encoding`` may decode to at most this many
        times its encoded length (as declared, else as received) plus 1 MiB;
        beyond, it raises :class:`~ambra_sdk.exceptions.base.ResponseTooLarge`
        and leaves no file.
        """
        return self._max_download_expansion

    @max_download_expansion.setter
    def max_download_expansion(self, value: int) -> None:
        self._max_download_expansion = _positive_int(value, 'max_download_expansion')

    @property
    def rate_limits(self) -> Optional[RateLimits]:
        """Client-side limits of service calls (None: off)."""
        return self._rate_limiter.rate_limits

    @rate_limits.setter
    def rate_limits(self, value: Optional[RateLimits]) -> None:
        self._rate_limiter.rate_limits = value

    def service_full_url(self, url: str) -> str:
        """Absolute URL of a service method.

        :param url: relative URL (``/study/list``).
        """
        return self._api_url + url

    # ------------------------------------------------------------------ sessions
    def _service_headers(self) -> Dict[str, str]:
        return {**self._default_headers, **self._service_default_headers}

    def _storage_headers(self) -> Dict[str, str]:
        return {**self._default_headers, **self._storage_default_headers}

    def _current_timeout(self) -> TimeoutType:
        return self._timeout

    def _current_body_limit(self) -> Optional[int]:
        return self._max_body_bytes

    @property
    def service_session(self) -> requests.Session:
        """The session of service calls (created on first use)."""
        session = self._service_session
        if session is None:
            with self._sessions_lock:
                if self._service_session is None:
                    self._service_session = build_session(
                        self.service_retry_params, self._service_headers, self._current_timeout,
                        kind='service', policy=self.retry_policy,  # reliability: retry policy
                        body_limit_source=self._current_body_limit,
                    )
                session = self._service_session
        return session

    @property
    def storage_session(self) -> requests.Session:
        """The session of storage calls (created on first use)."""
        session = self._storage_session
        if session is None:
            with self._sessions_lock:
                if self._storage_session is None:
                    self._storage_session = build_session(
                        self.storage_retry_params, self._storage_headers, self._current_timeout,
                        kind='storage', policy=self.retry_policy,  # reliability: retry policy
                        body_limit_source=self._current_body_limit,
                    )
                session = self._storage_session
        return session

    # ------------------------------------------------------------------ sid
    @property
    def sid(self) -> str:
        """The current sid (logs in first when there is none)."""
        return self.get_sid()

    def get_sid(self) -> str:
        """Return the current sid, logging in first when there is none."""
        sid = self._sid
        if sid is not None:
            return sid
        with self._sid_lock:
            if self._sid is None:
                return self.get_new_sid()
            return self._sid

    def get_new_sid(self) -> str:
        """Log in with the credentials and store the new sid.

        :raises MissingCredentials: when the Api was built without credentials.
        """
        if self._creds is None:
            raise MissingCredentials(
                'Missed credentials: the Api needs a new sid but was built without a username '
                'and password. Build it with Api.with_creds(url, username, password).',
            )
        with self._sid_lock:
            sid = self.Session.get_sid(
                self._creds.username,
                self._creds.password,
                special_headers_for_login=self._special_headers_for_login,
            )
            register_secret(sid)
            self._sid = sid
            return sid

    def _refresh_sid(self, stale_sid: Optional[str]) -> str:
        """Replace ``stale_sid`` once, however many threads found it stale.

        :param stale_sid: the sid a failed call used.
        """
        with self._sid_lock:
            current = self._sid
            if current is not None and current != stale_sid:
                return current  # another thread already logged in again
            return self.get_new_sid()

    def _sid_is_alive(self, sid: str) -> bool:
        """Ask the service whether ``sid`` is still a valid session."""
        try:
            response = self.service_post('/session/user', required_sid=False, data={'sid': sid})
        except requests.RequestException:
            return False
        return response.status_code == 200

    def retry_with_new_sid(self, fn: Callable[[], T]) -> T:
        """Call ``fn``; if the sid was rejected, get a new one and call it once more.

        Service 401 (:class:`AuthorizationRequired`) and storage
        ``AccessDenied`` count as a rejected sid. A storage ``AccessDenied``
        with a sid the service still accepts is a permission denial and is
        raised as is. Concurrent threads share one re-login.

        :param fn: the call to make.
        """
        access_denied = _access_denied_class()
        self._local.used_sid = None
        try:
            return fn()
        except AuthorizationRequired:
            stale = self._local.used_sid
        except access_denied:
            stale = self._local.used_sid
            if stale is not None and stale == self._sid and self._sid_is_alive(stale):
                raise
        self._refresh_sid(stale)
        return fn()

    def logout(self) -> None:
        """Close the session on the server (if any) and the HTTP sessions. Safe to call twice."""
        from ambra_sdk.exceptions.base import AmbraResponseException

        sid = self._sid
        if sid:
            try:
                self.Session.logout().get_once()
            except (AmbraResponseException, requests.RequestException) as error:
                logger.info('Logout failed, the session is dropped anyway: %s', type(error).__name__)
            self._sid = None
        with self._sessions_lock:
            for session in (self._storage_session, self._service_session):
                if session is not None:
                    session.close()
            self._storage_session = None
            self._service_session = None

    # ------------------------------------------------------------------ service
    def _wait_for_service_request(self, url: str) -> None:
        self._rate_limiter.wait(url)

    def service_request(self, request_args: RequestArgs, required_sid: bool) -> requests.Response:
        """Send one service request (rate-limited, sid added when required).

        The query's own data is never modified: the sid is added to a copy.

        :param request_args: what to send.
        :param required_sid: add the sid to the form data.
        :returns: the raw response.
        """
        _check_url_scheme(request_args.full_url or '')
        self._wait_for_service_request(request_args.url)
        kwargs = request_args.dict_optional_args(self._autocast_arguments)
        data = kwargs.get('data')
        if required_sid is True:
            data = dict(data) if isinstance(data, dict) else {}
            sid = self.get_sid()
            self._local.used_sid = sid
            data['sid'] = sid
            kwargs['data'] = data
        kwargs['allow_redirects'] = False
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                'Service post: %s. Params: %s',
                request_args.url,
                clear_params(request_args.data if isinstance(request_args.data, dict) else None),
            )
        return self.service_session.request(
            method=request_args.method,
            url=request_args.full_url,
            **kwargs,
        )

    def service_post(self, url: str, required_sid: bool, **kwargs: Any) -> requests.Response:
        """POST to a service method.

        :param url: relative URL (``/study/list``).
        :param required_sid: add the sid to the form data.
        :param kwargs: other :class:`~ambra_sdk.request_args.RequestArgs` fields (``data``, ...).
        """
        request_args = RequestArgs(method='POST', url=url, full_url=self.service_full_url(url), **kwargs)
        return self.service_request(request_args=request_args, required_sid=required_sid)

    def bundle(self, chunk_size: int = 100, workers: int = 1) -> 'Bundle':
        """Send service calls together (``POST /bundle``): see :mod:`ambra_sdk.service.bundle`.

        :param chunk_size: calls per request.
        :param workers: requests sent at the same time.
        """
        from ambra_sdk.service.bundle import Bundle

        return Bundle(self, chunk_size=chunk_size, workers=workers)

    # ------------------------------------------------------------------ storage
    def storage_request(self, method: str, url: str, required_sid: bool, **kwargs: Any) -> requests.Response:
        """Send one storage request (the sid goes in the query string).

        :param method: ``GET``, ``POST`` or ``DELETE``.
        :param url: absolute storage URL.
        :param required_sid: add the sid to ``params``.
        :param kwargs: :meth:`requests.Session.request` keyword arguments.
        """
        if required_sid:
            params = kwargs.get('params')
            if params is None:
                params = {}
            elif not isinstance(params, dict):
                raise TypeError('storage params must be a dict, got {0}'.format(type(params).__name__))
            sid = self.get_sid()
            self._local.used_sid = sid
            kwargs['params'] = {**params, 'sid': sid}
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                'Storage %s: %s. Params: %s',
                method.lower(),
                redact_text(url),
                clear_params(kwargs.get('params')),
            )
        return self.storage_session.request(method=method, url=url, **kwargs)

    def storage_get(self, url: str, required_sid: bool, **kwargs: Any) -> requests.Response:
        """GET a storage URL (see :meth:`storage_request`)."""
        return self.storage_request('GET', url, required_sid, **kwargs)

    def storage_post(self, url: str, required_sid: bool, **kwargs: Any) -> requests.Response:
        """POST to a storage URL (see :meth:`storage_request`)."""
        return self.storage_request('POST', url, required_sid, **kwargs)

    def storage_delete(self, url: str, required_sid: bool, **kwargs: Any) -> requests.Response:
        """DELETE a storage URL (see :meth:`storage_request`)."""
        return self.storage_request('DELETE', url, required_sid, **kwargs)

    def __repr__(self) -> str:
        return '<Api url={url!r} credentials={creds} sid={sid}>'.format(
            url=self._api_url,
            creds='yes' if self._creds else 'no',
            sid='set' if self._sid else 'none',
        )

    def __getstate__(self) -> Dict[str, Any]:
        raise TypeError('Api objects hold sessions and locks and cannot be pickled')


def _access_denied_class() -> Any:
    try:
        from ambra_sdk.exceptions.storage import AccessDenied
    except ImportError:  # pragma: no cover - storage exceptions always ship
        return AuthorizationRequired
    return AccessDenied


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError('{0} must be a positive int, got {1!r}'.format(name, value))
    return value


def _check_url(url: Any) -> None:
    # Any str is accepted when the Api is built (as the reference did); the scheme is checked
    # by _check_url_scheme when a service request is about to be sent.
    if not isinstance(url, str):
        raise ApiConfigurationError(
            "url must be the service API URL, like 'https://ambrahealth_host/api/v3', got {0!r}".format(url),
        )


def _check_url_scheme(url: str) -> None:
    if not url.lower().startswith(('http://', 'https://')):
        raise ApiConfigurationError(
            "url must be the service API URL, like 'https://ambrahealth_host/api/v3', got {0!r}".format(url),
        )


for _name in SERVICE_NAMESPACES:
    _descriptor = service_namespace(_name)
    _descriptor.attribute = _name
    setattr(Api, _name, _descriptor)

_storage = LazyNamespace('ambra_sdk.storage.storage', 'Storage')
_storage.attribute = 'Storage'
Api.Storage = _storage  # type: ignore[assignment]
_addon = LazyNamespace('ambra_sdk.addon.addon', 'Addon')
_addon.attribute = 'Addon'
Api.Addon = _addon  # type: ignore[assignment]
