"""When the websocket worker may open its connection again: :class:`ReconnectPacer`.

* Exponential back-off with equal jitter (:func:`ambra_sdk.api.retry.equal_jitter`),
  from :data:`FIRST_DELAY` doubling up to :data:`MAX_DELAY`.
* A connection that opened and dropped within :data:`STABLE_AFTER` seconds
  counts as a failure: a server that accepts and closes at once is retried
  more and more slowly, never in a tight loop. A connection that lived
  longer starts afresh (the first reconnect is immediate).
* At most :data:`MAX_ATTEMPTS_PER_MINUTE` attempts in any 60 seconds.
"""

import collections
import time
from typing import Callable, Deque, Optional

from ambra_sdk.api.retry import equal_jitter

#: First back-off after a failure, in seconds (doubled after each further failure).
FIRST_DELAY = 0.05
#: Longest back-off, in seconds.
MAX_DELAY = 5.0
#: A connection that lived this long (seconds) resets the back-off when it drops.
STABLE_AFTER = 10.0
#: Most connection attempts in any 60 seconds.
MAX_ATTEMPTS_PER_MINUTE = 20
_MINUTE = 60.0


class ReconnectPacer:
    """The reconnect schedule of one worker (not thread-safe: the worker thread uses it).

    :param first_delay: first back-off in seconds.
    :param max_delay: longest back-off in seconds.
    :param stable_after: seconds a connection must live to reset the back-off.
    :param per_minute: most attempts in any 60 seconds.
    :param clock: monotonic clock (tests replace it).
    """

    def __init__(
        self,
        first_delay: float = FIRST_DELAY,
        max_delay: float = MAX_DELAY,
        stable_after: float = STABLE_AFTER,
        per_minute: int = MAX_ATTEMPTS_PER_MINUTE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.stable_after = stable_after
        self.per_minute = per_minute
        self._clock = clock
        self._attempts: Deque[float] = collections.deque()
        self._opened_at: Optional[float] = None
        #: Failures in a row (failed attempts and connections that dropped at once).
        self.failures = 0

    def opened(self) -> None:
        """A connection was opened."""
        self._opened_at = self._clock()

    def dropped(self) -> None:
        """The open connection dropped: a failure unless it lived :attr:`stable_after` seconds."""
        opened_at, self._opened_at = self._opened_at, None
        if opened_at is not None and self._clock() - opened_at >= self.stable_after:
            self.failures = 0
        else:
            self.failures += 1

    def failed(self) -> None:
        """An attempt to connect failed."""
        self.failures += 1

    def delay(self) -> float:
        """Seconds to wait before the next attempt (back-off, then the per-minute bound)."""
        wait = 0.0
        if self.failures:
            wait = equal_jitter(min(self.first_delay * 2 ** min(self.failures - 1, 60), self.max_delay))
        now = self._clock()
        while self._attempts and self._attempts[0] <= now - _MINUTE:
            self._attempts.popleft()
        if len(self._attempts) >= self.per_minute:
            wait = max(wait, self._attempts[0] + _MINUTE - now)
        return wait

    def attempt(self) -> None:
        """An attempt starts now (counted for the per-minute bound)."""
        self._attempts.append(self._clock())
