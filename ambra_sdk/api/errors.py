"""Exceptions of the sessions, cleaned: no sid, password or token, whatever adapter raised them.

:func:`clean_error` returns a copy of a ``requests`` exception of the same
type whose ``args``, ``str``, ``repr``, ``request.url``, ``request.body`` and
``response.url`` hold no secret (see :func:`ambra_sdk.redact.redact_text`).
:func:`call_cleanly` runs a call and raises that copy *outside* the
``except`` block, so the original exception is neither its ``__cause__``
nor its ``__context__``.

A TLS handshake answered by a plain-HTTP server is reported at once with a
message saying so (see :func:`plain_http_message`); retrying it cannot help.
"""

from typing import Any, Callable, Optional, TypeVar
from urllib.parse import urlsplit

import requests

from ambra_sdk.exceptions.base import RequestTimeout
from ambra_sdk.redact import redact_text

T = TypeVar('T')

#: Texts of OpenSSL errors meaning that the peer answered a TLS client hello
#: with something that is not TLS (a plain-HTTP server).
PLAIN_HTTP_MARKERS = (
    'wrong version number',
    'WRONG_VERSION_NUMBER',
    'record layer failure',
    'RECORD_LAYER_FAILURE',
    'packet length too long',
    'http request',
    'unknown protocol',
    'UNEXPECTED_EOF_WHILE_READING',
    'EOF occurred in violation of protocol',
    'TLS/SSL connection has been closed (EOF)',  # Python 3.9's ssl, the peer closed during the handshake
)

_CLEAN_MARK = '_ambra_clean'


def plain_http_message(error: BaseException, url: str) -> Optional[str]:
    """Return the message for a TLS handshake answered in plain HTTP, else None.

    :param error: an ``SSLError`` (requests' or urllib3's).
    :param url: the request URL (only its host is quoted).
    """
    text = str(error)
    if not any(marker in text for marker in PLAIN_HTTP_MARKERS):
        return None
    host = urlsplit(url).netloc or '?'
    return (
        'TLS handshake with {host} failed: the server speaks plain HTTP: use '
        "storage_base_url='http://{{engine_fqdn}}/api/v3/storage' (and an http:// url) "
        'or --tls to start the server with TLS'.format(host=redact_text(host))
    )


def _redact_body(body: Any) -> Any:
    if isinstance(body, str):
        return redact_text(body)
    if isinstance(body, (bytes, bytearray)):
        return redact_text(bytes(body).decode('latin-1')).encode('latin-1')
    return body


def _clean_request(request: Any) -> Any:
    if request is None:
        return None
    copy = request.copy() if hasattr(request, 'copy') else request
    url = getattr(copy, 'url', None)
    if isinstance(url, str):
        copy.url = redact_text(url)
    if hasattr(copy, 'body'):
        copy.body = _redact_body(copy.body)
    if hasattr(copy, 'data') and isinstance(copy.data, (str, bytes)):
        copy.data = _redact_body(copy.data)
    if hasattr(copy, 'params') and isinstance(copy.params, dict):
        copy.params = {key: ('***' if str(key).lower() == 'sid' else value) for key, value in copy.params.items()}
    return copy


def _clean_response(response: Any, request: Any) -> Any:
    if response is None:
        return None
    url = getattr(response, 'url', None)
    if isinstance(url, str):
        response.url = redact_text(url)
    if request is not None and hasattr(response, 'request'):
        response.request = request
    for earlier in getattr(response, 'history', None) or ():
        if isinstance(getattr(earlier, 'url', None), str):
            earlier.url = redact_text(earlier.url)
    return response


def _reason(error: BaseException) -> Any:
    reason = error.args[0] if error.args else None
    return getattr(reason, 'reason', None) or reason


def clean_error(error: requests.exceptions.RequestException) -> requests.exceptions.RequestException:
    """Return a copy of ``error``, same type, without secrets (see the module doc).

    A read timeout (also one that used up urllib3's retries, which requests
    reports as a ``ConnectionError``) becomes
    :class:`~ambra_sdk.exceptions.base.RequestTimeout`.

    :param error: the exception a session or an adapter raised.
    :return: the cleaned copy (``error`` itself when it is already clean).
    """
    if getattr(error, _CLEAN_MARK, False):
        return error
    from urllib3.exceptions import ReadTimeoutError

    request = _clean_request(getattr(error, 'request', None))
    response = _clean_response(getattr(error, 'response', None), request)
    url = getattr(request, 'url', None) or ''
    message = None
    if isinstance(error, requests.exceptions.SSLError):
        message = plain_http_message(error, url)
    if message is None:
        message = redact_text(str(error))
    cls: Any = type(error)
    if isinstance(_reason(error), ReadTimeoutError) and not isinstance(error, RequestTimeout):
        cls = RequestTimeout
    try:
        clean = cls(message, request=request, response=response)
    except TypeError:  # a subclass with another constructor: fill a bare instance
        clean = cls.__new__(cls)
        clean.args = (message,)
        clean.request = request
        clean.response = response
    setattr(clean, _CLEAN_MARK, True)
    return clean  # type: ignore[no-any-return]


def call_cleanly(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``call``; a ``requests`` exception is replaced by its clean copy, without the original in its chain.

    :param call: the function to run.
    :param args: its positional arguments.
    :param kwargs: its keyword arguments.
    :return: what ``call`` returns.
    """
    try:
        return call(*args, **kwargs)
    except requests.exceptions.RequestException as error:
        if getattr(error, _CLEAN_MARK, False) and error.__context__ is None and error.__cause__ is None:
            raise
        clean = clean_error(error)
    clean.__cause__ = None
    clean.__suppress_context__ = False
    raise clean  # outside the except block: no __context__


def is_clean(error: BaseException) -> bool:
    """Tell whether ``error`` was produced by :func:`clean_error`.

    :param error: an exception.
    """
    return bool(getattr(error, _CLEAN_MARK, False))
