"""The environment settings of a request (proxies, CA bundle), computed once per value of the variables deciding them.

``requests.Session.merge_environment_settings`` runs on every request: it
walks the whole process environment twice (``urllib.request.getproxies``
decodes and lower-cases every variable) to find the proxies and the
``no_proxy`` list, about 250 us of CPU per request on the 2-core test
machine, more than the rest of the SDK's per-call work. The answer depends
only on the URL's origin, the session's own settings and a few variables:
:class:`EnvironmentSettings` keeps it per origin and per value of
:data:`ENV_NAMES` (read at every request, a few us), so a variable set or
changed while the process runs is honoured at the next request, as before.

Only on Linux (and other POSIX systems but macOS): there ``getproxies`` reads
nothing but the environment. On macOS and Windows the system's proxy
settings count too and can change unseen, so nothing is cached there.
"""

import os
import sys
from typing import Any, Callable, Dict, Optional, Tuple

__all__ = ['ENV_NAMES', 'EnvironmentSettings', 'CACHEABLE']

#: The variables that decide the proxies of an ``http(s)`` URL and the CA bundle
#: (lower-case names win over upper-case ones in urllib; ``REQUEST_METHOD`` makes it ignore
#: ``HTTP_PROXY`` in CGI scripts).
ENV_NAMES = (
    'http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy', 'NO_PROXY',
    'REQUEST_METHOD', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE',
)
#: Whether the environment alone decides (no system proxy settings to watch).
CACHEABLE = os.name == 'posix' and sys.platform != 'darwin'
#: Entries kept before the cache starts again (origins x environment states).
MAX_ENTRIES = 256

_Compute = Callable[[Any, Any, Any, Any, Any], Any]


def _origin(url: str) -> str:
    """``scheme://netloc`` of ``url`` (what the proxy choice depends on)."""
    parts = url.split('/', 3)
    return '/'.join(parts[:3])


class EnvironmentSettings:
    """A per-session memo of ``merge_environment_settings``.

    :param compute: the uncached ``merge_environment_settings(url, proxies, stream, verify, cert)``.
    """

    def __init__(self, compute: _Compute) -> None:
        self._compute = compute
        self._memo: Dict[Tuple[Any, ...], Dict[str, Any]] = {}

    def get(self, session: Any, url: str, proxies: Any, stream: Any, verify: Any, cert: Any) -> Dict[str, Any]:
        """The settings of a request (see :meth:`requests.Session.merge_environment_settings`).

        :param session: the session (its ``trust_env``, ``proxies``, ``stream``, ``verify``, ``cert``).
        """
        key = self._key(session, url, proxies, stream, verify, cert)
        if key is None:
            return self._compute(url, proxies, stream, verify, cert)
        settings = self._memo.get(key)
        if settings is None:
            settings = self._compute(url, proxies, stream, verify, cert)
            if len(self._memo) >= MAX_ENTRIES:
                self._memo.clear()
            self._memo[key] = settings
        return {**settings, 'proxies': dict(settings['proxies'])}  # the caller may change its copy

    @staticmethod
    def _key(session: Any, url: str, proxies: Any, stream: Any, verify: Any, cert: Any) -> Optional[Tuple[Any, ...]]:
        if not CACHEABLE or proxies or not isinstance(url, str):
            return None
        try:
            own = tuple(sorted(session.proxies.items())) if session.proxies else ()
            key: Tuple[Any, ...] = (
                _origin(url), session.trust_env, own, stream, session.stream, verify, session.verify, cert,
                session.cert,
            )
            hash(key)
        except (AttributeError, TypeError):  # an unhashable setting: not cached
            return None
        if session.trust_env:
            key += _variables()
        return key


#: :data:`ENV_NAMES` as keys of ``os.environ``'s underlying dict (bytes on POSIX).
_ENCODED_NAMES = tuple(os.environ.encodekey(name) for name in ENV_NAMES) if CACHEABLE else ()


def _variables() -> Tuple[Any, ...]:
    """The values of :data:`ENV_NAMES` (None when unset), as fast as ``os.environ`` allows.

    ``os.environ.get`` encodes the name and decodes the value at every call
    (about 1.5 us each); on POSIX the mapping keeps the encoded values in a
    dict, which is read directly (the values serve only as a memo key). Any
    other ``os.environ`` (a test may replace it) is read through its own ``get``.
    """
    environ = os.environ
    data = getattr(environ, '_data', None)
    if _ENCODED_NAMES and type(environ) is os._Environ and type(data) is dict:  # noqa: SLF001
        return tuple(map(data.get, _ENCODED_NAMES))
    return tuple(environ.get(name) for name in ENV_NAMES)
