"""``Session.prepare_request`` with requests' steps, without its runtime protocol checks.

requests 2.33+ tests arguments against ``typing`` runtime protocols
(``SupportsItems``, ``SupportsRead``) while merging and encoding them; on
Python 3.11 each such ``isinstance`` walks the protocol's attributes, about
45 us on the 2-core test machine, and a call with a form body and query
parameters makes about eight of them: more than the rest of the SDK's work
per call. :func:`prepare_request` does what
``requests.Session.prepare_request`` does (cookies, ``.netrc`` auth, session
headers < request headers with ``None`` removing a header, session params <
request params, hooks) with plain ``dict`` operations, and hands requests
the query string and the form body already encoded by :func:`encode_pairs`,
which is requests' own ``_encode_params`` for a mapping. The wire bytes are
the same (``tests/core/test_prepare.py`` compares them with requests' own
preparation); anything else (files, JSON, a non-mapping body or params) goes
through requests unchanged. Two answers that depend on their input alone
are remembered per session (bounded): the prepared URL of a ``str`` URL and
``str`` parameters, and the ``str`` header pairs requests' validity check
passed (an invalid pair is checked, and refused, every time).
"""

from http import cookiejar
from typing import Any, Dict, Mapping, Optional
from urllib.parse import urlencode

import requests
from requests.cookies import RequestsCookieJar, cookiejar_from_dict, merge_cookies
from requests.sessions import merge_hooks, merge_setting
from requests.structures import CaseInsensitiveDict
from requests.utils import check_header_validity, get_netrc_auth, to_native_string

__all__ = ['encode_pairs', 'prepare_request', 'FORM_CONTENT_TYPE']

FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded'


def encode_pairs(mapping: Mapping[Any, Any]) -> str:
    """Encode a mapping as requests encodes a params or form dict (``_encode_params``).

    A value that is a str/bytes or not iterable is one value, an iterable is
    several; ``None`` values are left out; str keys and values are UTF-8.

    :param mapping: the fields.
    :return: the ``application/x-www-form-urlencoded`` text.
    """
    result = []
    for key, values in mapping.items():
        if isinstance(values, (str, bytes)) or not hasattr(values, '__iter__'):
            values = [values]
        for value in values:
            if value is not None:
                result.append((
                    key.encode('utf-8') if isinstance(key, str) else key,
                    value.encode('utf-8') if isinstance(value, str) else value,
                ))
    return urlencode(result, doseq=True)


def _merged(request_setting: Any, session_setting: Any) -> Optional[Dict[Any, Any]]:
    """``merge_setting`` of two plain dicts (request wins, ``None`` removes), or None when not both dicts."""
    if not (type(request_setting) is dict or request_setting is None):
        return None
    if not (type(session_setting) is dict or session_setting is None):
        return None
    merged = dict(session_setting or {})
    merged.update(request_setting or {})
    return {key: value for key, value in merged.items() if value is not None}


def prepare_request(session: requests.Session, request: requests.Request) -> requests.PreparedRequest:
    """Prepare ``request`` as ``session.prepare_request`` would (see the module docstring).

    :param session: the session (its cookies, auth, headers, params, hooks, trust_env).
    :param request: the request.
    :return: the prepared request.
    """
    params = _merged(request.params, session.params)
    if params is None or request.files or request.json is not None:
        return requests.Session.prepare_request(session, request)
    data = request.data
    if data and type(data) is not dict and not isinstance(data, (str, bytes)) and not hasattr(data, 'read'):
        return requests.Session.prepare_request(session, request)  # a list of pairs...: requests' own path
    merged_cookies = _merged_cookies(session.cookies, request.cookies)
    auth = request.auth
    if session.trust_env and not auth and not session.auth:
        auth = get_netrc_auth(request.url)
    headers: CaseInsensitiveDict = CaseInsensitiveDict(session.headers)
    if request.headers:
        headers.update(request.headers)
    for key in [key for key, value in headers.items() if value is None]:
        del headers[key]
    if type(data) is dict:
        data = encode_pairs(data) if data else data
        if data and 'content-type' not in headers:
            headers['Content-Type'] = FORM_CONTENT_TYPE
    prepared = requests.PreparedRequest()
    # ``PreparedRequest.prepare``'s steps, in its order; with no cookie at all
    # the Cookie header step (a mock request and a walk of an empty jar) is skipped.
    prepared.prepare_method(request.method.upper() if request.method else request.method)
    _prepare_url(session, prepared, request.url, params)
    _prepare_headers(session, prepared, headers)
    if _is_empty(merged_cookies):
        prepared._cookies = merged_cookies  # type: ignore[attr-defined]  # what prepare_cookies keeps; no header
    else:
        prepared.prepare_cookies(merged_cookies)
    prepared.prepare_body(data, None, None)
    prepared.prepare_auth(merge_setting(auth, session.auth), request.url)
    prepared.prepare_hooks(merge_hooks(request.hooks, session.hooks))
    return prepared


#: Valid ``str`` header pairs remembered per session (the SDK's headers are the same at every call).
HEADER_MEMO_SIZE = 256


def _prepare_headers(session: Any, prepared: requests.PreparedRequest, headers: CaseInsensitiveDict) -> None:
    """``prepared.prepare_headers(headers)``; a ``str`` pair requests' check passed once is not checked again.

    requests checks every header pair with two regular expressions at every
    call (no leading blank, no CR/LF); the check is a function of the pair.
    """
    memo = session.__dict__.get('_ambra_header_memo')
    if memo is None:
        memo = session.__dict__.setdefault('_ambra_header_memo', set())
    prepared.headers = CaseInsensitiveDict()
    for header in headers.items():
        plain = type(header[0]) is str and type(header[1]) is str
        if not plain or header not in memo:
            check_header_validity(header)
            if plain:
                if len(memo) >= HEADER_MEMO_SIZE:
                    memo.clear()
                memo.add(header)
        prepared.headers[to_native_string(header[0])] = header[1]


#: URLs remembered per session (a session talks to a handful of URLs with the same sid).
URL_MEMO_SIZE = 64


def _prepare_url(session: Any, prepared: requests.PreparedRequest, url: Any, params: Optional[Dict[Any, Any]]) -> None:
    """``prepared.prepare_url(url, encoded params)``, remembered per session for ``str`` URLs and parameters.

    requests' URL preparation (parse, IDNA check, re-assembly, the query
    appended) is a function of the URL and the encoded query alone: the
    same pair gives the same URL, so the answer of an earlier call is used.
    Only pairs of plain ``str`` are remembered (``1`` and ``True`` are equal
    keys but different queries); errors are never remembered.
    """
    key = None
    if type(url) is str and all(type(name) is str and type(value) is str for name, value in (params or {}).items()):
        key = (url, tuple(params.items()) if params else ())
        memo = session.__dict__.get('_ambra_url_memo')
        if memo is None:
            memo = session.__dict__.setdefault('_ambra_url_memo', {})
        known = memo.get(key)
        if known is not None:
            prepared.url = known
            return
    prepared.prepare_url(url, encode_pairs(params) if params else None)
    if key is not None:
        if len(memo) >= URL_MEMO_SIZE:
            memo.clear()
        memo[key] = prepared.url


def _is_empty(jar: Any) -> bool:
    """Whether a cookie jar holds no cookie (iterating it is what requests' merge does)."""
    for _cookie in jar:
        return False
    return True


def _merged_cookies(session_cookies: Any, request_cookies: Any) -> cookiejar.CookieJar:
    """``merge_cookies(merge_cookies(RequestsCookieJar(), session_cookies), request_cookies)``, as requests does.

    With no cookie on either side that is a new empty jar: made at once.
    """
    if not request_cookies and isinstance(session_cookies, cookiejar.CookieJar) and _is_empty(session_cookies):
        return RequestsCookieJar()
    cookies = request_cookies or {}
    if not isinstance(cookies, cookiejar.CookieJar):
        cookies = cookiejar_from_dict(cookies)
    return merge_cookies(merge_cookies(RequestsCookieJar(), session_cookies), cookies)
