"""HTTP transport of the Api: sessions with timeouts, live headers and retries.

* Every request gets a timeout (``DEFAULT_TIMEOUT`` unless the Api or the
  call says otherwise), so no call can hang forever.
* Header dictionaries of the Api are read on every request, so a header
  added to ``api.default_headers`` after the session exists is still sent.
* ``Retry`` parameters written for urllib3 1.x (``method_whitelist``) work on
  urllib3 2.x, where the argument is called ``allowed_methods``.
* Retries follow the Api's ``retry_policy`` (see :mod:`ambra_sdk.api.retry`):
  ``'safe'`` (default) retries idempotent reads and never resends a write that
  may have reached the server; ``'reference'`` is the 3.21.6.0-1 behaviour.
* A response body that makes almost no progress (see
  :mod:`ambra_sdk.api.body_guard`) fails with a timeout instead of hanging.
"""

import logging
import time
from typing import Any, Callable, Dict, Mapping, Optional, Tuple, Union

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

from ambra_sdk.api.body_guard import guard_body, read_timeout_of
from ambra_sdk.api.retry import (
    REFERENCE_POLICY,
    RETRY_POLICIES,
    SAFE_POLICY,
    SafeRetry,
    compat_retry_kwargs,
    default_safe_params,
    is_service_read,
    is_storage_read_url,
    make_safe_retries,
    mark_call_start,
)
from ambra_sdk.exceptions.base import RequestTimeout
from ambra_sdk.redact import redact_text

logger = logging.getLogger(__name__)

#: ``(connect, read)`` seconds. The read timeout is the longest wait for the
#: next byte, not for the whole body, so long downloads are not cut short.
DEFAULT_TIMEOUT: Tuple[float, float] = (10.0, 120.0)

#: Connections kept per host: enough for the addon's worker pools (requests' default is 10).
POOL_MAXSIZE = 32

TimeoutType = Union[None, float, Tuple[Optional[float], Optional[float]]]

ALL_METHODS = ['HEAD', 'TRACE', 'GET', 'PUT', 'OPTIONS', 'DELETE', 'POST']

_SAFE_ONLY_KEYS = frozenset({'deadline_seconds', 'retry_after_cap', 'backoff_cap', 'writes', 'deadline'})


def default_service_retry_params(policy: str = REFERENCE_POLICY) -> Dict[str, Any]:
    """Retry parameters of the service session.

    :param policy: ``'reference'`` (the 3.21.6.0-1 values, urllib3 ``Retry``
        arguments) or ``'safe'`` (:class:`~ambra_sdk.api.retry.SafeRetry` arguments).
    """
    if policy == SAFE_POLICY:
        return default_safe_params('service')
    return {
        'total': 10,
        'connect': 5,
        'read': 5,
        'status': 5,
        'status_forcelist': [503, 504],
        'backoff_factor': 0.1,
        'allowed_methods': list(ALL_METHODS),
    }


def default_storage_retry_params(policy: str = REFERENCE_POLICY) -> Dict[str, Any]:
    """Retry parameters of the storage session (500 is left out: merge may return it).

    :param policy: ``'reference'`` or ``'safe'`` (see :func:`default_service_retry_params`).
    """
    if policy == SAFE_POLICY:
        return default_safe_params('storage')
    params = default_service_retry_params()
    params['status_forcelist'] = [502, 503, 504]
    return params


def make_retry(params: Mapping[str, Any]) -> Retry:
    """Build a urllib3 ``Retry`` from parameters written for urllib3 1.x or 2.x.

    :param params: keyword arguments of ``Retry``; ``method_whitelist`` and
        ``allowed_methods`` are accepted on every urllib3 version.
    :returns: the Retry object.
    """
    kwargs = compat_retry_kwargs({key: value for key, value in params.items() if key not in _SAFE_ONLY_KEYS})
    return Retry(**kwargs)


class AmbraSession(requests.Session):
    """A :class:`requests.Session` with a default timeout and live headers.

    :param headers_source: returns the Api's headers for this side, read at
        every request (session headers < these < per-request headers).
    :param timeout_source: returns the Api's current timeout.
    :param write_classifier: ``url -> True`` when a request to ``url`` must be
        treated as a write (sent through :attr:`write_adapter`); None: never.
    """

    def __init__(
        self,
        headers_source: Callable[[], Dict[str, str]],
        timeout_source: Callable[[], TimeoutType],
        write_classifier: Optional[Callable[[str], bool]] = None,
    ) -> None:
        super().__init__()
        self._headers_source = headers_source
        self._timeout_source = timeout_source
        self._write_classifier = write_classifier
        #: The adapter the SDK mounts on ``http://`` and ``https://``.
        self.default_adapter: Optional[HTTPAdapter] = None
        #: The adapter of writes (not mounted: chosen by :meth:`get_adapter`).
        self.write_adapter: Optional[HTTPAdapter] = None

    def get_adapter(self, url: str) -> Any:
        """Return the adapter for ``url``: the user's adapter for the longest prefix, else read or write.

        :param url: the request URL.
        """
        adapter = super().get_adapter(url)
        if (
            adapter is self.default_adapter
            and self.write_adapter is not None
            and self._write_classifier is not None
            and self._write_classifier(url)
        ):
            return self.write_adapter
        return adapter

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Send a request; a read whose body broke off is sent again (safe policy).

        urllib3 retries end when the headers arrive. A non-streamed read whose
        body is cut (connection reset, truncated body, too slow) is sent again
        up to ``read`` times of its :class:`~ambra_sdk.api.retry.SafeRetry`,
        within its deadline. Writes and streamed responses are never resent here.
        """
        retry = getattr(self.get_adapter(request.url or ''), 'max_retries', None)
        if kwargs.get('stream') or not isinstance(retry, SafeRetry) or not retry.may_resend(request.method or ''):
            return super().send(request, **kwargs)
        resends = retry.read if isinstance(retry.read, int) else 0
        started = time.monotonic()
        attempt = 0
        while True:
            response = super().send(request, **{**kwargs, 'stream': True})
            try:
                response.content  # noqa: B018 - reads the body
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError):
                response.close()
                deadline = retry.deadline_seconds
                if resends <= 0 or (deadline is not None and time.monotonic() - started >= deadline):
                    raise
                resends -= 1
                attempt += 1
                logger.info('Body of %s broke off; sending it again', redact_text(request.url or ''))
                time.sleep(retry.backoff_for(attempt))
                continue
            return response

    def close(self) -> None:
        """Close the mounted adapters and the write adapter."""
        super().close()
        if self.write_adapter is not None:
            self.write_adapter.close()

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Send a request with the Api's live headers and a timeout."""
        if args:  # requests' positional order: params, data, headers, ...
            names = ('params', 'data', 'headers', 'cookies', 'files', 'auth', 'timeout')
            for name, value in zip(names, args):
                kwargs.setdefault(name, value)
        live = self._headers_source()
        extra = kwargs.get('headers')
        if live:
            merged = dict(live)
            if extra:
                merged.update(extra)
            kwargs['headers'] = merged
        if kwargs.get('timeout') is None:
            kwargs['timeout'] = self._timeout_source()
        return super().request(method, url, **kwargs)


class AmbraResponse(requests.Response):
    """A :class:`requests.Response` whose body read timeouts are :class:`RequestTimeout`.

    requests reports a read timeout while reading the body as a plain
    ``ConnectionError``.
    """

    def iter_content(self, chunk_size: Optional[int] = 1, decode_unicode: bool = False) -> Any:
        """Iterate over the body (see :meth:`requests.Response.iter_content`)."""
        chunks = super().iter_content(chunk_size=chunk_size, decode_unicode=decode_unicode)
        return _timeouts_as_request_timeout(chunks, self.request)


def _timeouts_as_request_timeout(chunks: Any, request: Any) -> Any:
    try:
        yield from chunks
    except requests.exceptions.ConnectionError as error:
        reason = error.args[0] if error.args else None
        if isinstance(reason, ReadTimeoutError) and not isinstance(error, RequestTimeout):
            raise RequestTimeout(redact_text(str(error)), request=request) from None
        raise


class AmbraAdapter(HTTPAdapter):
    """HTTP adapter that reports a read timeout as a timeout, retries or not.

    Its exceptions never carry the sid of a storage URL in their message.

    requests turns a read timeout that used up urllib3's retries into a plain
    ``ConnectionError``; this adapter raises
    :class:`~ambra_sdk.exceptions.base.RequestTimeout` instead, which is both.
    It starts the retry deadline of the call and puts the low-speed limit of
    :mod:`ambra_sdk.api.body_guard` on the response body.
    """

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Send the request (see :meth:`requests.adapters.HTTPAdapter.send`)."""
        mark_call_start()
        try:
            response = super().send(request, *args, **kwargs)
        except requests.exceptions.RequestException as error:
            reason = error.args[0] if error.args else None
            if isinstance(reason, MaxRetryError):
                reason = reason.reason
            message = redact_text(str(error))
            if isinstance(reason, ReadTimeoutError):
                raise RequestTimeout(message, request=request) from None
            # same type, without the sid that urllib3 put in the message
            raise type(error)(message, request=error.request, response=error.response) from None
        timeout = kwargs.get('timeout', args[1] if len(args) > 1 else None)
        if getattr(response.raw, 'enforce_content_length', True) is False:
            response.raw.enforce_content_length = True  # urllib3 1.26: a short body must fail, as on 2.x
        guard_body(response.raw, read_timeout_of(timeout))
        if type(response) is requests.Response:
            response.__class__ = AmbraResponse
        return response


def _is_service_write(url: str) -> bool:
    return not is_service_read(url)


def _is_storage_write(url: str) -> bool:
    return not is_storage_read_url(url)


def build_session(
    retry_params: Mapping[str, Any],
    headers_source: Callable[[], Dict[str, str]],
    timeout_source: Callable[[], TimeoutType],
    kind: str = 'service',
    policy: str = SAFE_POLICY,
) -> AmbraSession:
    """Create a session with the SDK's retrying adapter on ``http://`` and ``https://``.

    With the ``'safe'`` policy the session has a second, unmounted adapter for
    writes, chosen by URL (:func:`~ambra_sdk.api.retry.is_service_read`,
    :func:`~ambra_sdk.api.retry.is_storage_read_url`); storage ``POST`` and
    ``DELETE`` are writes whatever the URL. A user's adapter mounted for a
    longer URL prefix wins, as in requests.

    :param retry_params: ``Retry`` (reference) or ``SafeRetry`` (safe) keyword arguments.
    :param headers_source: see :class:`AmbraSession`.
    :param timeout_source: see :class:`AmbraSession`.
    :param kind: ``'service'`` or ``'storage'``.
    :param policy: ``'safe'`` or ``'reference'``.
    :raises ValueError: unknown ``kind`` or ``policy``.
    """
    if kind not in ('service', 'storage'):
        raise ValueError("kind must be 'service' or 'storage', got {0!r}".format(kind))
    if policy not in RETRY_POLICIES:
        raise ValueError('retry_policy must be one of {0}, got {1!r}'.format(RETRY_POLICIES, policy))
    if policy == REFERENCE_POLICY:
        session = AmbraSession(headers_source, timeout_source)
        adapter = AmbraAdapter(max_retries=make_retry(retry_params), pool_maxsize=POOL_MAXSIZE)
    else:
        classifier = _is_service_write if kind == 'service' else _is_storage_write
        session = AmbraSession(headers_source, timeout_source, write_classifier=classifier)
        read_retry, write_retry = make_safe_retries(retry_params)
        adapter = AmbraAdapter(max_retries=read_retry, pool_maxsize=POOL_MAXSIZE)
        session.write_adapter = AmbraAdapter(max_retries=write_retry, pool_maxsize=POOL_MAXSIZE)
    session.default_adapter = adapter
    session.mount('http://', adapter)
    session.mount('https://', adapter)
    return session


def validate_timeout(timeout: Any) -> TimeoutType:
    """Check a timeout value and return it.

    :param timeout: seconds (number), ``(connect, read)`` or None (no limit: not recommended).
    :raises ValueError: when the value is not one of those.
    """
    if timeout is None:
        return None
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0:
        return float(timeout)
    if (
        isinstance(timeout, tuple)
        and len(timeout) == 2
        and all(part is None or (isinstance(part, (int, float)) and part > 0) for part in timeout)
    ):
        return (timeout[0], timeout[1])
    raise ValueError(
        'timeout must be a positive number of seconds or a (connect, read) tuple, got {0!r}'.format(timeout),
    )
