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
import math
import time
from typing import Any, Callable, Dict, Mapping, Optional, Tuple, Union

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3.util.retry import Retry

from ambra_sdk.api.body_guard import POOL_CLASSES, guard_body, read_timeout_of
from ambra_sdk.api.environment import EnvironmentSettings
from ambra_sdk.api.errors import call_cleanly, clean_error
from ambra_sdk.api.prepare import prepare_request
from ambra_sdk.api.retry import (
    REFERENCE_POLICY,
    RETRY_POLICIES,
    SAFE_POLICY,
    ReferenceRetry,
    SafeRetry,
    compat_retry_kwargs,
    default_safe_params,
    is_service_read,
    is_storage_read_url,
    make_safe_retries,
    mark_call_start,
)
from ambra_sdk.api.send import may_set_cookies, send_prepared
from ambra_sdk.exceptions.base import ResponseTooLarge
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


def make_retry(params: Mapping[str, Any]) -> Retry:  # a ReferenceRetry: TLS failures are not retried
    """Build a urllib3 ``Retry`` from parameters written for urllib3 1.x or 2.x.

    :param params: keyword arguments of ``Retry``; ``method_whitelist`` and
        ``allowed_methods`` are accepted on every urllib3 version.
    :returns: the Retry object.
    """
    kwargs = compat_retry_kwargs({key: value for key, value in params.items() if key not in _SAFE_ONLY_KEYS})
    return ReferenceRetry(**kwargs)


#: Largest decoded body, in bytes, read into memory (service answers, storage
#: JSON, error bodies): ``api.max_body_bytes``. Streamed downloads are not
#: bound by it (see ``api.max_download_expansion``).
DEFAULT_MAX_BODY_BYTES = 128 * 1024 * 1024

#: How many times a compressed download may grow once decoded (plus 1 MiB):
#: ``api.max_download_expansion``.
DEFAULT_MAX_DOWNLOAD_EXPANSION = 100

#: Decoded bytes read per step from a compressed body on urllib3 1.x, which
#: inflates a whole raw read at once (urllib3 2.x bounds each step itself).
_URLLIB3_1_ENCODED_CHUNK = 16 * 1024
_URLLIB3_1 = urllib3.__version__.startswith('1.')


class AmbraSession(requests.Session):
    """A :class:`requests.Session` with a default timeout, live headers and clean errors.

    * Redirects are never followed (a 30x is returned as it is, and the
      sid never leaves for another host).
    * Every ``requests`` exception it raises, whatever adapter is mounted,
      is a copy of the same type without sid, password or token (see
      :mod:`ambra_sdk.api.errors`), with no unredacted exception in its chain.
    * A body read into memory may not exceed ``body_limit_source()`` decoded bytes.

    :param headers_source: returns the Api's headers for this side, read at
        every request (session headers < these < per-request headers).
    :param timeout_source: returns the Api's current timeout.
    :param write_classifier: ``url -> True`` when a request to ``url`` must be
        treated as a write (sent through :attr:`write_adapter`); None: never.
    :param body_limit_source: returns the largest decoded body read into memory
        (None: :data:`DEFAULT_MAX_BODY_BYTES`).
    """

    def __init__(
        self,
        headers_source: Callable[[], Dict[str, str]],
        timeout_source: Callable[[], TimeoutType],
        write_classifier: Optional[Callable[[str], bool]] = None,
        body_limit_source: Optional[Callable[[], Optional[int]]] = None,
    ) -> None:
        super().__init__()
        self._headers_source = headers_source
        self._timeout_source = timeout_source
        self._write_classifier = write_classifier
        self._body_limit_source = body_limit_source
        #: The adapter the SDK mounts on ``http://`` and ``https://``.
        self.default_adapter: Optional[HTTPAdapter] = None
        #: The adapter of writes (not mounted: chosen by :meth:`get_adapter`).
        self.write_adapter: Optional[HTTPAdapter] = None
        self._environment = EnvironmentSettings(super().merge_environment_settings)

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        """Prepare a request as requests does, without its protocol checks (:mod:`ambra_sdk.api.prepare`)."""
        return prepare_request(self, request)

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        """requests' proxies, stream, verify and cert of a request, memoised per environment state.

        See :mod:`ambra_sdk.api.environment` (the same answer, without walking the environment each time).
        """
        return self._environment.get(self, url, proxies, stream, verify, cert)

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

    def body_limit(self) -> int:
        """Largest decoded body read into memory, in bytes."""
        limit = self._body_limit_source() if self._body_limit_source is not None else None
        return DEFAULT_MAX_BODY_BYTES if limit is None else limit

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Send a request; a read whose body broke off is sent again (safe policy).

        urllib3 retries end when the headers arrive. A non-streamed read whose
        body is cut (connection reset, truncated body, too slow) is sent again
        up to ``read`` times of its :class:`~ambra_sdk.api.retry.SafeRetry`,
        within its deadline. Writes and streamed responses are never resent here.
        """
        return call_cleanly(self._send, request, **kwargs)

    def _send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        kwargs['allow_redirects'] = False
        stream = bool(kwargs.get('stream'))
        adapter = self.get_adapter(request.url or '')
        retry = getattr(adapter, 'max_retries', None)
        may_resend = not stream and isinstance(retry, SafeRetry) and retry.may_resend(request.method or '')
        resends = retry.read if may_resend and isinstance(retry.read, int) else 0  # type: ignore[union-attr]
        started = time.monotonic()
        attempt = 0
        while True:
            response = send_prepared(self, adapter, request, {**kwargs, 'stream': True})
            if type(response) is requests.Response:
                response.__class__ = AmbraResponse
            if stream:
                if not 200 <= response.status_code < 300:  # an error body is read into memory
                    response._ambra_max_bytes = self.body_limit()  # type: ignore[attr-defined]
                return response
            response._ambra_max_bytes = self.body_limit()  # type: ignore[attr-defined]
            try:
                response.content  # noqa: B018 - reads the body
            except ResponseTooLarge:
                response.close()
                raise
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError):
                response.close()
                deadline = retry.deadline_seconds if isinstance(retry, SafeRetry) else None
                if resends <= 0 or (deadline is not None and time.monotonic() - started >= deadline):
                    raise
                resends -= 1
                attempt += 1
                logger.info('Body of %s broke off; sending it again', redact_text(request.url or ''))
                time.sleep(retry.backoff_for(attempt))  # type: ignore[union-attr]
                continue
            return response

    def close(self) -> None:
        """Close the mounted adapters and the write adapter."""
        super().close()
        if self.write_adapter is not None:
            self.write_adapter.close()

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Send a request with the Api's live headers and a timeout; redirects are not followed."""
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
        timeout = kwargs.get('timeout')
        if timeout is None:
            kwargs['timeout'] = self._timeout_source()
        elif isinstance(timeout, (int, float, tuple)):
            kwargs['timeout'] = validate_timeout(timeout)
        kwargs['allow_redirects'] = False
        return call_cleanly(super().request, method, url, **kwargs)


class AmbraResponse(requests.Response):
    """A :class:`requests.Response` with SDK errors while its body is read.

    * a read timeout is :class:`RequestTimeout` (requests reports it as a plain
      ``ConnectionError``);
    * a ``requests`` error holds no secret (see :mod:`ambra_sdk.api.errors`);
    * a body read into memory larger than its limit raises
      :class:`~ambra_sdk.exceptions.base.ResponseTooLarge`.
    """

    def iter_content(self, chunk_size: Optional[int] = 1, decode_unicode: bool = False) -> Any:
        """Iterate over the body (see :meth:`requests.Response.iter_content`)."""
        limit = getattr(self, '_ambra_max_bytes', None)
        if _URLLIB3_1 and isinstance(chunk_size, int) and self.headers.get('Content-Encoding'):
            chunk_size = min(chunk_size, _URLLIB3_1_ENCODED_CHUNK)
        chunks = super().iter_content(chunk_size=chunk_size, decode_unicode=decode_unicode)
        return _checked_chunks(chunks, limit)

    def raise_for_status(self) -> None:
        """Raise ``HTTPError`` for a 4xx/5xx status, without the sid of the URL in it."""
        call_cleanly(super().raise_for_status)


def _checked_chunks(chunks: Any, limit: Optional[int]) -> Any:
    done = 0
    while True:
        try:
            chunk = next(chunks)
        except StopIteration:
            return
        except requests.exceptions.RequestException as error:
            clean = clean_error(error)
        else:
            done += len(chunk)
            if limit is not None and done > limit:
                chunks.close()
                raise ResponseTooLarge(
                    'The answer is larger than {0} bytes once decoded (api.max_body_bytes)'.format(limit),
                )
            yield chunk
            continue
        raise clean  # outside the except block: the original is not in the chain


class AmbraAdapter(HTTPAdapter):
    """HTTP adapter of the SDK: head deadline, low-speed body limit, retry deadline.

    Its connections read the status line and headers within one read timeout
    (:mod:`ambra_sdk.api.body_guard`); it starts the retry deadline of the
    call and puts the low-speed limit on the response body. The session
    cleans its errors (:mod:`ambra_sdk.api.errors`).
    """

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """Create the pool manager, with connections that bound the time of the head."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(POOL_CLASSES)

    def proxy_manager_for(self, proxy: Any, **proxy_kwargs: Any) -> Any:
        """Return the manager of an HTTP(S) proxy, with the same connections (SOCKS proxies keep theirs)."""
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if type(manager) is urllib3.ProxyManager:
            # (types-urllib3, the stubs of urllib3 1.26, do not declare the attribute)
            manager.pool_classes_by_scheme = dict(POOL_CLASSES)  # type: ignore[attr-defined]
        return manager

    def build_response(self, req: requests.PreparedRequest, resp: Any) -> requests.Response:
        """requests' response for ``resp``; its cookies are extracted only when it sets some (see send.py)."""
        if may_set_cookies(resp):
            return super().build_response(req, resp)
        response = AmbraResponse()
        response.status_code = getattr(resp, 'status', None)  # type: ignore[assignment]
        response.headers = CaseInsensitiveDict(getattr(resp, 'headers', {}))
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = resp
        response.reason = response.raw.reason
        response.url = req.url.decode('utf-8') if isinstance(req.url, bytes) else req.url  # type: ignore[union-attr,assignment]
        response.request = req
        response.connection = self  # type: ignore[attr-defined]
        return response

    # Without proxies (``proxies`` empty: requests' ``select_proxy`` finds none for any URL), the two
    # hooks below skip that search (a URL parse and three host look-ups each) and answer as requests.

    def get_connection_with_tls_context(
        self, request: requests.PreparedRequest, verify: Any, proxies: Any = None, cert: Any = None,
    ) -> Any:
        """The pool of ``request`` (see :meth:`requests.adapters.HTTPAdapter.get_connection_with_tls_context`)."""
        if proxies:
            return super().get_connection_with_tls_context(request, verify, proxies=proxies, cert=cert)
        try:
            host_params, pool_kwargs = self.build_connection_pool_key_attributes(request, verify, cert)
        except ValueError:  # requests' own path raises what it raises (its proxy search parses first)
            return super().get_connection_with_tls_context(request, verify, proxies=proxies, cert=cert)
        return self.poolmanager.connection_from_host(**host_params, pool_kwargs=pool_kwargs)

    def request_url(self, request: requests.PreparedRequest, proxies: Any) -> str:
        """The request target (see :meth:`requests.adapters.HTTPAdapter.request_url`): the path without proxy."""
        if proxies:
            return super().request_url(request, proxies)
        url = request.path_url
        if url.startswith('//'):  # requests' versions differ here: theirs decides
            return super().request_url(request, proxies)
        return url

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Send the request (see :meth:`requests.adapters.HTTPAdapter.send`)."""
        mark_call_start()
        response = super().send(request, *args, **kwargs)
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
    body_limit_source: Optional[Callable[[], Optional[int]]] = None,
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
    :param body_limit_source: see :class:`AmbraSession`.
    :raises ValueError: unknown ``kind`` or ``policy``.
    """
    if kind not in ('service', 'storage'):
        raise ValueError("kind must be 'service' or 'storage', got {0!r}".format(kind))
    if policy not in RETRY_POLICIES:
        raise ValueError('retry_policy must be one of {0}, got {1!r}'.format(RETRY_POLICIES, policy))
    if policy == REFERENCE_POLICY:
        session = AmbraSession(headers_source, timeout_source, body_limit_source=body_limit_source)
        adapter = AmbraAdapter(max_retries=make_retry(retry_params), pool_maxsize=POOL_MAXSIZE)
    else:
        classifier = _is_service_write if kind == 'service' else _is_storage_write
        session = AmbraSession(
            headers_source, timeout_source, write_classifier=classifier, body_limit_source=body_limit_source,
        )
        read_retry, write_retry = make_safe_retries(retry_params)
        adapter = AmbraAdapter(max_retries=read_retry, pool_maxsize=POOL_MAXSIZE)
        session.write_adapter = AmbraAdapter(max_retries=write_retry, pool_maxsize=POOL_MAXSIZE)
    session.default_adapter = adapter
    session.mount('http://', adapter)
    session.mount('https://', adapter)
    return session


#: Largest timeout accepted, in seconds (one hour), for the connect and the read part alike.
MAX_TIMEOUT = 3600.0


def _timeout_part(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 < value <= MAX_TIMEOUT
    )


def validate_timeout(timeout: Any) -> TimeoutType:
    """Check a timeout value and return it.

    :param timeout: seconds (a finite number, ``0 < t <=`` :data:`MAX_TIMEOUT`),
        ``(connect, read)`` of such numbers (or None parts), or None (no limit: not recommended).
    :raises ValueError: when the value is not one of those (``inf``, ``nan``, ``1e300``, ``True``...).
    """
    if timeout is None:
        return None
    if _timeout_part(timeout):
        return float(timeout)
    if (
        isinstance(timeout, tuple)
        and len(timeout) == 2
        and all(part is None or _timeout_part(part) for part in timeout)
    ):
        return (timeout[0], timeout[1])
    raise ValueError(
        'timeout must be a positive, finite number of seconds (at most {0:g}) or a (connect, read) '
        'tuple of such numbers, got {1!r}'.format(MAX_TIMEOUT, timeout),
    )
