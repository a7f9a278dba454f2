"""Building blocks of :class:`ambra_sdk.api.Api`: credentials and rate limits."""

from typing import Dict, NamedTuple, Optional

DEFAULT_SDK_CLIENT_NAME = 'Ambra SDK default client'


class Credentials(NamedTuple):
    """Username and password used to (re)login."""

    username: str
    password: str

    def __repr__(self) -> str:
        return 'Credentials(username=***, password=***)'


class RateLimit(NamedTuple):
    """``calls`` requests per ``seconds`` seconds."""

    calls: int
    seconds: float


class RateLimits(NamedTuple):
    """Rate limits of service calls.

    :param default: limit of ordinary calls.
    :param get_limit: limit of calls whose URL ends with ``get`` (None: use default).
    :param special: limits of given relative URLs (``{'/study/list': RateLimit(1, 1)}``).
    """

    default: RateLimit
    get_limit: Optional[RateLimit]
    special: Optional[Dict[str, RateLimit]]

    def call_period(self, url: str) -> float:
        """Seconds between two calls of ``url``.

        :param url: relative service URL.
        """
        if self.special and url in self.special:
            limit = self.special[url]
        elif self.get_limit and url.endswith('get'):
            limit = self.get_limit
        else:
            limit = self.default
        return float(limit.seconds) / limit.calls


DEFAULT_RATE_LIMITS = RateLimits(
    default=RateLimit(2, 1),
    get_limit=RateLimit(5, 1),
    special=None,
)


def __getattr__(name: str) -> object:
    """``BaseApi`` is the Api class itself here (kept for import compatibility)."""
    if name == 'BaseApi':
        from ambra_sdk.api.api import Api

        return Api
    raise AttributeError(name)
