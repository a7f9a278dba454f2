"""``requests.Session.send`` for the SDK's sessions, without the steps that do nothing for their calls.

The SDK's sessions (:class:`~ambra_sdk.api.transport.AmbraSession`) never
follow redirects and always ask for a streamed response (they read the body
themselves, bounded). For such a call ``requests.Session.send`` still runs,
for every request, steps whose outcome is known beforehand:

* the response hooks are dispatched even when there is none;
* the cookies of the answer are extracted into the session's jar (a mock
  request, a mock response, a lock and two walks of the answer's headers)
  even when the answer sets none; the adapter does the same for
  ``response.cookies``;
* the redirect generator is started (it parses the URL) to find that the
  answer is no redirect.

:func:`send_prepared` does requests' steps in requests' order, and skips
each of those only when its outcome is known: hooks only when some are
registered, cookies only when the answer has a ``Set-Cookie`` or
``Set-Cookie2`` header (:func:`may_set_cookies`), the next request of a
redirect only for a redirect. The adapter is called exactly as requests
calls it (same prepared request, same keyword arguments), so a user's
mounted adapter sees no difference (``tests/core/test_send.py`` compares the
requests on the wire, the responses and the cookie jars with plain requests').
"""

from datetime import timedelta
from typing import Any, Dict

import requests
from requests.cookies import extract_cookies_to_jar
from requests.hooks import dispatch_hook
from requests.sessions import preferred_clock
from requests.utils import resolve_proxies

__all__ = ['may_set_cookies', 'send_prepared']

_COOKIE_HEADERS = frozenset({'set-cookie', 'set-cookie2'})


def may_set_cookies(raw: Any) -> bool:
    """Whether extracting the cookies of ``raw`` (a urllib3 response) could add any to a jar.

    False only when requests' ``extract_cookies_to_jar`` would find nothing:
    no ``_original_response`` (requests returns at once then), or headers
    without ``Set-Cookie``/``Set-Cookie2`` (the only ones the jar reads).

    :param raw: the ``response.raw`` of a requests response.
    """
    original = getattr(raw, '_original_response', None)
    if not original:
        return False
    keys = getattr(getattr(original, 'msg', None), 'keys', None)
    if keys is None:
        return True  # not an HTTPMessage: let requests decide
    return any(name.lower() in _COOKIE_HEADERS for name in keys())


def send_prepared(session: requests.Session, adapter: Any, request: requests.PreparedRequest,
                  kwargs: Dict[str, Any]) -> requests.Response:
    """``session.send(request, **kwargs)`` through ``adapter``, for a call that does not follow redirects.

    :param session: the session (its defaults, cookies and redirect steps).
    :param adapter: ``session.get_adapter(request.url)``.
    :param request: the prepared request.
    :param kwargs: ``send``'s keyword arguments; ``allow_redirects`` is
        ignored (never followed), ``stream`` should be true (the body is not read here).
    :return: the response, as ``requests.Session.send`` returns it.
    """
    kwargs.setdefault('stream', session.stream)
    kwargs.setdefault('verify', session.verify)
    kwargs.setdefault('cert', session.cert)
    if 'proxies' not in kwargs:
        kwargs['proxies'] = resolve_proxies(request, session.proxies, session.trust_env)  # type: ignore[arg-type]
    if isinstance(request, requests.Request):
        raise ValueError('You can only send PreparedRequests.')
    kwargs.pop('allow_redirects', None)
    hooks = request.hooks
    start = preferred_clock()
    response = adapter.send(request, **kwargs)
    response.elapsed = timedelta(seconds=preferred_clock() - start)
    if hooks and hooks.get('response'):
        response = dispatch_hook('response', hooks, response, **kwargs)
    for earlier in response.history or ():  # a hook (or an adapter) made history: its cookies too
        extract_cookies_to_jar(session.cookies, earlier.request, earlier.raw)
    if may_set_cookies(response.raw):
        extract_cookies_to_jar(session.cookies, request, response.raw)
    if session.get_redirect_target(response) is not None:
        try:
            response._next = next(session.resolve_redirects(response, request, yield_requests=True, **kwargs))
        except StopIteration:
            pass
    if not kwargs.get('stream'):
        response.content  # noqa: B018 - requests reads the body of a non-streamed response here
    return response
