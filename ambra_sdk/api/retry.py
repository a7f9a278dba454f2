"""Safe retries: idempotent reads are retried, writes only when they never left.

The ``'safe'`` retry policy (the default) splits every request in two classes:

* **reads** -- storage ``GET``/``HEAD`` (except the few that change data, see
  :data:`STORAGE_UNSAFE_SEGMENTS`) and service methods whose URL ends with one
  of :data:`SERVICE_READ_SEGMENTS`. They are retried on 429/502/503/504,
  connection errors, connection resets and read timeouts, with jittered
  exponential back-off, honouring ``Retry-After`` up to a cap.
* **writes** -- everything else (service ``add``/``set``/``delete``/...,
  storage ``POST``/``DELETE``, uploads, ``merge``). They are retried only when
  the request provably never reached the server: the TCP connection could not
  be opened, or the server answered 429/503 *with* ``Retry-After`` (it refused
  the request without running it). A read timeout or a connection reset after
  the request was sent is never retried, so an injected fault cannot create a
  duplicate study, user or image.

One deadline (:attr:`SafeRetry.deadline_seconds`, measured from the start of the
call) bounds the retries of a call: no new attempt starts after it, and no
back-off sleeps past it.

:class:`SafeRetry` is a :class:`urllib3.util.retry.Retry` that works on urllib3
1.26 and 2.x (jitter, the back-off cap and the ``Retry-After`` cap are
implemented here, not taken from urllib3 2.x arguments).
"""

import random
import threading
import time
from typing import Any, Dict, FrozenSet, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from urllib3.exceptions import MaxRetryError, ResponseError, SSLError
from urllib3.util.retry import Retry

#: Name of the default policy and of the reference (3.21.6.0-1) one.
SAFE_POLICY = 'safe'
REFERENCE_POLICY = 'reference'
RETRY_POLICIES = (SAFE_POLICY, REFERENCE_POLICY)

#: Last URL segments of service methods that only read data, so that sending
#: them twice is harmless. The list is explicit on purpose: a method missing
#: here is treated as a write (retried only when it never reached the server),
#: which is always safe. ``login`` is a write (it creates a session).
SERVICE_READ_SEGMENTS: FrozenSet[str] = frozenset({
    'get',          # /study/get, /user/get, ... (46 methods)
    'list',         # /study/list, /account/list, ... (51 methods)
    'count',        # /study/count, /message/count, /activity/list/count
    'exists',       # /study/exists
    'search',       # /customfield/search, /destination/search
    'find',         # /npi/find, /order/sps/find, /patient/portal/find
    'user',         # /session/user, /analytics/user, /audit/user
    'permissions',  # /session/permissions, /study/permissions, /namespace/permissions
    'settings',     # /account/settings, /namespace/settings, /study/viewer/settings
    'lookup',       # /customfield/lookup
    'history',      # /study/status/history
    'locks',        # /study/status/locks
    'detail',       # /study/report/detail, /role/report/detail
    'audit',        # /study/audit, /namespace/audit, /radreport/audit
    'object',       # /audit/object
    'account',      # /audit/account
    'deleted',      # /audit/deleted
    'failedlogins',  # /audit/failedlogins
    'who',          # /study/share/who
    'ttl',          # /session/ttl
    'uuid',         # /session/uuid
    'css',          # /account/css
    'entries',      # /dictionary/entries
    'defaults',     # /namespace/event/defaults, /namespace/study/defaults
    'requestable',  # /account/list/requestable
    'todo',         # /training/todo
    'i18next',      # /terminology/i18next
    'overrides',    # /terminology/account/overrides
})

#: Storage ``GET`` URLs (by last segment) that change data: treated as writes.
STORAGE_UNSAFE_SEGMENTS: FrozenSet[str] = frozenset({'merge'})

#: HTTP methods a storage read may use.
STORAGE_READ_METHODS: FrozenSet[str] = frozenset({'GET', 'HEAD', 'OPTIONS', 'TRACE'})

#: Every method (a service read is a POST).
ALL_METHODS: FrozenSet[str] = frozenset({'HEAD', 'TRACE', 'GET', 'PUT', 'OPTIONS', 'DELETE', 'POST'})

#: ``allowed_methods`` of writes: matches no HTTP method.
NO_METHODS: FrozenSet[str] = frozenset({'(NONE)'})

#: Statuses after which a write may be retried, and only with ``Retry-After``.
WRITE_RETRY_STATUSES: FrozenSet[int] = frozenset({429, 503})

DEFAULT_DEADLINE = 60.0
DEFAULT_RETRY_AFTER_CAP = 30.0
DEFAULT_BACKOFF_CAP = 10.0

_call = threading.local()


def last_segment(url: str) -> str:
    """Return the last path segment of an absolute or relative URL (query ignored).

    :param url: ``https://host/api/v3/study/list?x=1`` or ``/study/list``.
    """
    path = urlsplit(url).path.rstrip('/')
    return path.rsplit('/', 1)[-1].lower()


def is_service_read(url: str) -> bool:
    """Tell whether a service URL is an idempotent read (see :data:`SERVICE_READ_SEGMENTS`).

    :param url: absolute or relative service URL.
    """
    return last_segment(url) in SERVICE_READ_SEGMENTS


def is_storage_read_url(url: str) -> bool:
    """Tell whether a ``GET`` of this storage URL is an idempotent read.

    :param url: absolute storage URL.
    """
    return last_segment(url) not in STORAGE_UNSAFE_SEGMENTS


def is_tls_failure(error: Optional[Exception]) -> bool:
    """Tell whether a failed attempt is a TLS failure (never transient: not retried).

    A TLS client hello answered in plain HTTP, a certificate that does not
    verify, a handshake the server refused: sending it again gives the same
    answer, so the call fails at once instead of after every retry.

    :param error: the error urllib3 passes to ``Retry.increment``.
    """
    return isinstance(error, SSLError)


class ReferenceRetry(Retry):
    """The ``'reference'`` policy's ``Retry``: as urllib3's, except that TLS failures are not retried."""

    def increment(self, method: Optional[str] = None, url: Optional[str] = None, *args: Any, **kwargs: Any) -> Retry:  # type: ignore[override]
        """Count one more failure; a TLS failure ends the retries at once."""
        error = kwargs.get('error', args[1] if len(args) > 1 else None)
        if is_tls_failure(error):
            raise MaxRetryError(kwargs.get('_pool'), url or '', error)  # type: ignore[arg-type]
        return super().increment(method, url, *args, **kwargs)


def mark_call_start() -> None:
    """Record, for this thread, that a call starts now (the retry deadline counts from here)."""
    _call.start = time.monotonic()


def equal_jitter(delay: float) -> float:
    """A back-off ``delay`` with "equal jitter": half of it fixed, half random (THE jitter of the SDK).

    :param delay: the capped exponential delay, in seconds.
    """
    return delay / 2 + random.uniform(0, delay / 2)  # noqa: S311 - jitter, not crypto


def _call_start() -> Optional[float]:
    return getattr(_call, 'start', None)


class SafeRetry(Retry):
    """A urllib3 ``Retry`` with jitter, a ``Retry-After`` cap, a deadline and write rules.

    :param deadline_seconds: no retry starts later than this after the call
        started (None: no deadline).
    :param retry_after_cap: longest ``Retry-After`` honoured; a longer one
        ends the retries (the response is returned, or ``RetryError`` raised
        with ``raise_on_status=True``).
    :param backoff_cap: longest back-off sleep without ``Retry-After``.
    :param writes: this object retries writes: read errors are never retried,
        statuses only when they are 429/503 with ``Retry-After``.
    :param deadline: internal: the absolute (monotonic) deadline of this call.
    :param kwargs: :class:`urllib3.util.retry.Retry` arguments
        (``method_whitelist`` is accepted as ``allowed_methods``).
    """

    def __init__(
        self,
        *args: Any,
        deadline_seconds: Optional[float] = DEFAULT_DEADLINE,
        retry_after_cap: float = DEFAULT_RETRY_AFTER_CAP,
        backoff_cap: float = DEFAULT_BACKOFF_CAP,
        writes: bool = False,
        deadline: Optional[float] = None,
        **kwargs: Any,
    ) -> None:
        if writes:
            # an empty collection would mean "every method" to urllib3
            kwargs['allowed_methods'] = NO_METHODS
            kwargs.pop('method_whitelist', None)
        super().__init__(*args, **compat_retry_kwargs(kwargs))
        self.deadline_seconds = deadline_seconds
        self.retry_after_cap = retry_after_cap
        self.backoff_cap = backoff_cap
        self.writes = writes
        self.deadline = deadline

    def new(self, **kw: Any) -> 'SafeRetry':
        """Copy with changed counters, keeping the extra settings and the deadline."""
        kw.setdefault('deadline_seconds', self.deadline_seconds)
        kw.setdefault('retry_after_cap', self.retry_after_cap)
        kw.setdefault('backoff_cap', self.backoff_cap)
        kw.setdefault('writes', self.writes)
        kw.setdefault('deadline', self.deadline)
        return super().new(**kw)  # type: ignore[return-value]

    def may_resend(self, method: str) -> bool:
        """Tell whether a request with this method may be sent again after it reached the server.

        :param method: HTTP method.
        """
        return not self.writes and self._is_method_retryable(method)  # type: ignore[attr-defined,unused-ignore]  # types-urllib3 (1.26) lacks it

    # ------------------------------------------------------------ deadline
    def _effective_deadline(self) -> Optional[float]:
        if self.deadline is not None:
            return self.deadline
        if self.deadline_seconds is None:
            return None
        start = _call_start()
        return (start if start is not None else time.monotonic()) + self.deadline_seconds

    def remaining(self) -> Optional[float]:
        """Seconds left before the deadline (None: no deadline)."""
        deadline = self._effective_deadline()
        return None if deadline is None else deadline - time.monotonic()

    # ------------------------------------------------------------ decisions
    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        """Tell whether a response with this status should be retried.

        Writes: only 429/503 carrying ``Retry-After`` (the server did not run them).
        """
        remaining = self.remaining()
        if remaining is not None and remaining <= 0:
            return False
        if not self.may_resend(method):
            return bool(
                self.total is not False
                and self.respect_retry_after_header
                and has_retry_after
                and status_code in WRITE_RETRY_STATUSES,
            )
        return super().is_retry(method, status_code, has_retry_after)

    def increment(  # type: ignore[override]
        self,
        method: Optional[str] = None,
        url: Optional[str] = None,
        response: Any = None,
        error: Optional[Exception] = None,
        _pool: Any = None,
        _stacktrace: Any = None,
    ) -> 'SafeRetry':
        """Count one more failure; raise ``MaxRetryError`` past the deadline, on a long Retry-After or a TLS failure."""
        if is_tls_failure(error):
            raise MaxRetryError(_pool, url or '', error)
        new_retry: SafeRetry = super().increment(  # type: ignore[assignment]
            method, url, response=response, error=error, _pool=_pool, _stacktrace=_stacktrace,
        )
        if new_retry.deadline is None:
            new_retry.deadline = self._effective_deadline()
        remaining = new_retry.remaining()
        if remaining is not None and remaining <= 0:
            raise MaxRetryError(_pool, url or '', error or ResponseError('retry deadline reached'))
        if response is not None and self.respect_retry_after_header:
            wait = self._raw_retry_after(response)
            if wait is not None and (wait > self.retry_after_cap or (remaining is not None and wait > remaining)):
                raise MaxRetryError(_pool, url or '', ResponseError('Retry-After {0:.0f}s is too long'.format(wait)))
        return new_retry

    # ------------------------------------------------------------ waiting
    def _raw_retry_after(self, response: Any) -> Optional[float]:
        headers = getattr(response, 'headers', None)
        value = headers.get('Retry-After') if headers is not None else None
        if not value:
            return None
        try:
            return float(self.parse_retry_after(value))
        except Exception:  # noqa: BLE001 - an unparsable header is ignored, as urllib3 does
            return None

    def get_retry_after(self, response: Any) -> Optional[float]:
        """``Retry-After`` in seconds, capped (see :attr:`retry_after_cap`)."""
        wait = self._raw_retry_after(response)
        if wait is None:
            return None
        return min(wait, self.retry_after_cap)

    def get_backoff_time(self) -> float:
        """Exponential back-off, capped, with "equal jitter" (half fixed, half random)."""
        return equal_jitter(min(float(super().get_backoff_time()), self.backoff_cap))

    def backoff_for(self, attempt: int) -> float:
        """Jittered back-off before resend number ``attempt`` (1, 2, ...) outside urllib3.

        :param attempt: how many resends were made before this one, plus one.
        """
        return equal_jitter(min(self.backoff_factor * (2 ** max(attempt - 1, 0)), self.backoff_cap))

    def sleep(self, response: Any = None) -> None:
        """Sleep before the next attempt: ``Retry-After`` (capped) or back-off, never past the deadline."""
        wait: Optional[float] = None
        if self.respect_retry_after_header and response is not None:
            wait = self.get_retry_after(response)
        if wait is None:
            wait = self.get_backoff_time()
        remaining = self.remaining()
        if remaining is not None:
            wait = min(wait, max(remaining, 0.0))
        if wait > 0:
            time.sleep(wait)

    def __repr__(self) -> str:
        return '{cls}(total={total}, connect={connect}, read={read}, status={status}, writes={writes})'.format(
            cls=type(self).__name__,
            total=self.total,
            connect=self.connect,
            read=self.read,
            status=self.status,
            writes=self.writes,
        )


_RETRY_ARGS = frozenset(Retry.__init__.__code__.co_varnames)  # no inspect: keeps the import light


def compat_retry_kwargs(kwargs: Mapping[str, Any]) -> Dict[str, Any]:
    """Map ``method_whitelist``/``allowed_methods`` to what this urllib3 accepts.

    ``allowed_methods`` wherever it exists (urllib3 >= 1.26, where
    ``method_whitelist`` is deprecated), ``method_whitelist`` on older urllib3.

    :param kwargs: ``Retry`` keyword arguments in either spelling.
    :returns: a new dict.
    """
    out = dict(kwargs)
    if 'allowed_methods' in _RETRY_ARGS:
        if 'method_whitelist' in out:
            out.setdefault('allowed_methods', out.pop('method_whitelist'))
    elif 'allowed_methods' in out:
        out.setdefault('method_whitelist', out.pop('allowed_methods'))
    return out


def default_safe_params(kind: str) -> Dict[str, Any]:
    """Retry parameters of the ``'safe'`` policy for reads of one session.

    :param kind: ``'service'`` (every method, a service read is a POST) or ``'storage'``.
    :returns: :class:`SafeRetry` keyword arguments (``api.service_retry_params``
        or ``api.storage_retry_params`` of a new Api).
    """
    return {
        'total': 10,
        'connect': 5,
        'read': 2,
        'status': 5,
        'status_forcelist': [429, 502, 503, 504],
        'backoff_factor': 0.2,
        'raise_on_status': False,
        'allowed_methods': sorted(ALL_METHODS if kind == 'service' else STORAGE_READ_METHODS),
        'deadline_seconds': DEFAULT_DEADLINE,
        'retry_after_cap': DEFAULT_RETRY_AFTER_CAP,
        'backoff_cap': DEFAULT_BACKOFF_CAP,
    }


def make_safe_retries(params: Mapping[str, Any]) -> Tuple[SafeRetry, SafeRetry]:
    """Build the read and the write ``SafeRetry`` of a session.

    :param params: :class:`SafeRetry` keyword arguments (the session's retry
        params); the write object gets the same counters, no retryable method
        and the write status rule.
    :returns: ``(read_retry, write_retry)``.
    """
    kwargs = dict(params)
    read = SafeRetry(**kwargs)
    kwargs.pop('allowed_methods', None)
    kwargs.pop('method_whitelist', None)
    write = SafeRetry(writes=True, **kwargs)
    return read, write

