"""HTTP transport of the Api: sessions with timeouts, live headers and retries.

* Every request gets a timeout (``DEFAULT_TIMEOUT`` unless the Api or the
  call says otherwise), so no call can hang forever.
* Header dictionaries of the Api are read on every request, so a header
  added to ``api.default_headers`` after the session exists is still sent.
* ``Retry`` parameters written for urllib3 1.x (``method_whitelist``) work on
  urllib3 2.x, where the argument is called ``allowed_methods``.
"""

from typing import Any, Callable, Dict, Mapping, Optional, Tuple, Union

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ReadTimeoutError
from urllib3.util.retry import Retry

from ambra_sdk.exceptions.base import RequestTimeout
from ambra_sdk.redact import redact_text

#: ``(connect, read)`` seconds. The read timeout is the longest wait for the
#: next byte, not for the whole body, so long downloads are not cut short.
DEFAULT_TIMEOUT: Tuple[float, float] = (10.0, 120.0)

TimeoutType = Union[None, float, Tuple[Optional[float], Optional[float]]]

ALL_METHODS = ['HEAD', 'TRACE', 'GET', 'PUT', 'OPTIONS', 'DELETE', 'POST']

_RETRY_ACCEPTS = set(Retry.__init__.__code__.co_varnames)  # no inspect: keeps the import light


def default_service_retry_params() -> Dict[str, Any]:
    """Retry parameters of the service session (the reference's values)."""
    return {
        'total': 10,
        'connect': 5,
        'read': 5,
        'status': 5,
        'status_forcelist': [503, 504],
        'backoff_factor': 0.1,
        'allowed_methods': list(ALL_METHODS),
    }


def default_storage_retry_params() -> Dict[str, Any]:
    """Retry parameters of the storage session (500 is left out: merge may return it)."""
    params = default_service_retry_params()
    params['status_forcelist'] = [502, 503, 504]
    return params


def make_retry(params: Mapping[str, Any]) -> Retry:
    """Build a urllib3 ``Retry`` from parameters written for urllib3 1.x or 2.x.

    :param params: keyword arguments of ``Retry``; ``method_whitelist`` and
        ``allowed_methods`` are accepted on every urllib3 version.
    :returns: the Retry object.
    """
    kwargs = dict(params)
    for old, new in (('method_whitelist', 'allowed_methods'), ('allowed_methods', 'method_whitelist')):
        if old in kwargs and old not in _RETRY_ACCEPTS and new in _RETRY_ACCEPTS:
            kwargs[new] = kwargs.pop(old)
    return Retry(**kwargs)


class AmbraSession(requests.Session):
    """A :class:`requests.Session` with a default timeout and live headers.

    :param headers_source: returns the Api's headers for this side, read at
        every request (session headers < these < per-request headers).
    :param timeout_source: returns the Api's current timeout.
    """

    def __init__(
        self,
        headers_source: Callable[[], Dict[str, str]],
        timeout_source: Callable[[], TimeoutType],
    ) -> None:
        super().__init__()
        self._headers_source = headers_source
        self._timeout_source = timeout_source

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


class AmbraAdapter(HTTPAdapter):
    """HTTP adapter that reports a read timeout as a timeout, retries or not.

    Its exceptions never carry the sid of a storage URL in their message.

    requests turns a read timeout that used up urllib3's retries into a plain
    ``ConnectionError``; this adapter raises
    :class:`~ambra_sdk.exceptions.base.RequestTimeout` instead, which is both.
    """

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        """Send the request (see :meth:`requests.adapters.HTTPAdapter.send`)."""
        try:
            return super().send(request, *args, **kwargs)
        except requests.exceptions.RequestException as error:
            reason = error.args[0] if error.args else None
            if isinstance(reason, MaxRetryError):
                reason = reason.reason
            message = redact_text(str(error))
            if isinstance(reason, ReadTimeoutError):
                raise RequestTimeout(message, request=request) from None
            # same type, without the sid that urllib3 put in the message
            raise type(error)(message, request=error.request, response=error.response) from None


def build_session(
    retry_params: Mapping[str, Any],
    headers_source: Callable[[], Dict[str, str]],
    timeout_source: Callable[[], TimeoutType],
) -> AmbraSession:
    """Create a session with one retrying adapter on ``http://`` and ``https://``.

    A user's adapter mounted later for a longer URL prefix wins, as in requests.

    :param retry_params: ``Retry`` keyword arguments.
    :param headers_source: see :class:`AmbraSession`.
    :param timeout_source: see :class:`AmbraSession`.
    """
    session = AmbraSession(headers_source, timeout_source)
    adapter = AmbraAdapter(max_retries=make_retry(retry_params))
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
