"""Polling with a deadline and exponential back-off (what the addon waits use).

The reference waited for websocket push events between polls; the poll is
what decided the outcome. :mod:`ambra_sdk.addon.event_wait` does the same
when the channel is there and falls back to :func:`poll` when it is not:
first after :data:`INITIAL_INTERVAL` seconds, the pause doubling up to a cap
(the ``ws_timeout`` argument of the waits), and never past the deadline.
"""

import time
from typing import Callable, Optional, Tuple, TypeVar

T = TypeVar('T')

#: First pause between two polls, in seconds.
INITIAL_INTERVAL = 0.05
#: Pause cap when the caller gives none (the reference's ``ws_timeout`` default).
DEFAULT_MAX_INTERVAL = 5.0


def interval_cap(ws_timeout: Optional[float]) -> float:
    """Return the pause cap for a ``ws_timeout`` argument.

    :param ws_timeout: seconds, or ``None``/non-positive for the default.
    :return: the cap in seconds (at least :data:`INITIAL_INTERVAL`).
    """
    if ws_timeout is None or ws_timeout <= 0:
        return DEFAULT_MAX_INTERVAL
    return max(float(ws_timeout), INITIAL_INTERVAL)


def poll(
    probe: Callable[[], Tuple[bool, T]],
    timeout: float,
    max_interval: float = DEFAULT_MAX_INTERVAL,
    initial_interval: float = INITIAL_INTERVAL,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Tuple[bool, T]:
    """Call ``probe`` until it reports done or ``timeout`` seconds have passed.

    ``probe`` is called at least once, and once more at the deadline.
    Exceptions from ``probe`` propagate.

    :param probe: returns ``(done, value)``.
    :param timeout: seconds from now.
    :param max_interval: longest pause between two calls.
    :param initial_interval: first pause; each next pause doubles.
    :param sleep: the sleep function (tests replace it).
    :param clock: a monotonic clock (tests replace it).
    :return: ``(done, last value)``.
    """
    deadline = clock() + max(float(timeout), 0.0)
    interval = max(min(initial_interval, max_interval), 0.001)
    while True:
        done, value = probe()
        if done:
            return True, value
        remaining = deadline - clock()
        if remaining <= 0:
            return False, value
        sleep(min(interval, remaining))
        interval = min(interval * 2, max_interval)
