"""Client-side rate limiting of service calls."""

import logging
import threading
import time
from typing import Callable, Optional

from ambra_sdk.api.base_api import RateLimits

logger = logging.getLogger('ambra_sdk.api.api')


class RateLimiter:
    """Space service calls so that each starts at least its own period after the previous one.

    Threads reserve their start time under a lock and sleep *outside* it, so
    a waiting thread never blocks other work (sid refresh, storage calls).

    :param rate_limits: limits, or None to turn limiting off.
    :param clock: monotonic clock (injectable for tests).
    :param sleep: sleep function (injectable for tests).
    """

    def __init__(
        self,
        rate_limits: Optional[RateLimits],
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate_limits = rate_limits
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last_start: Optional[float] = None

    def reserve(self, url: str) -> float:
        """Reserve a start time for a call to ``url`` and return how long to wait.

        :param url: relative service URL (``/study/get``).
        """
        if not self.rate_limits:
            return 0.0
        period = self.rate_limits.call_period(url)
        with self._lock:
            now = self._clock()
            start = now if self._last_start is None else max(now, self._last_start + period)
            self._last_start = start
        return start - now

    def wait(self, url: str) -> None:
        """Wait until a call to ``url`` may start.

        :param url: relative service URL.
        """
        delay = self.reserve(url)
        if delay > 0:
            logger.info('Sleep %s due to rate limits', delay)
            self._sleep(delay)
