"""Login lockout: ``LOCKOUT`` ("Too many failed attempts") on ``/session/login``.

The vendor document lists the error and says no more; the emulator's rule
(``docs/source/emulator.rst``): failed logins of one user (a login that names
no user counts under that login) are counted over a sliding window of
``window`` seconds; the ``attempts``-th failure inside it locks the user for
``window`` seconds from that failure. While locked every login of that user
answers ``LOCKOUT``, with the right password too, and is not counted; when the
lock ends the count starts again. A successful login clears the count.
``attempts=0`` turns the lockout off. ``Emulator.reset()`` forgets everything.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import deque
from typing import TYPE_CHECKING, Any, Callable, Deque, Dict

from .registry import on_reset

if TYPE_CHECKING:  # pragma: no cover
    from .state import State

__all__ = ['DEFAULT_ATTEMPTS', 'DEFAULT_WINDOW', 'LoginLockout', 'lockout_for']

#: Failed logins in one window that lock a user (the emulator's default).
DEFAULT_ATTEMPTS = 5
#: Length in seconds of the counting window and of the lock (the emulator's default).
DEFAULT_WINDOW = 900.0


class LoginLockout:
    """Failed-login counts and locks, per key (thread-safe).

    :param attempts: failures within ``window`` that lock the key (0: never lock).
    :param window: seconds of the counting window and of the lock.
    :param clock: monotonic seconds (tests may pass their own).
    """

    def __init__(self, attempts: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        if attempts < 0 or window < 0:
            raise ValueError('lockout attempts and window must not be negative')
        self.attempts = attempts
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: Dict[str, Deque[float]] = {}
        self._locked_until: Dict[str, float] = {}

    def locked(self, key: str) -> bool:
        """True while ``key`` is locked out."""
        with self._lock:
            until = self._locked_until.get(key)
            if until is None:
                return False
            if self._clock() < until:
                return True
            del self._locked_until[key]
            self._failures.pop(key, None)
            return False

    def failed(self, key: str) -> None:
        """Count a failed login of ``key``; lock it at the ``attempts``-th failure in the window."""
        if not self.attempts:
            return
        with self._lock:
            now = self._clock()
            failures = self._failures.setdefault(key, deque())
            failures.append(now)
            while failures and failures[0] <= now - self.window:
                failures.popleft()
            if len(failures) >= self.attempts:
                self._locked_until[key] = now + self.window

    def succeeded(self, key: str) -> None:
        """A successful login clears the count of ``key``."""
        with self._lock:
            self._failures.pop(key, None)

    def clear(self) -> None:
        """Forget every count and lock."""
        with self._lock:
            self._failures.clear()
            self._locked_until.clear()


_TRACKERS: weakref.WeakKeyDictionary[Any, LoginLockout] = weakref.WeakKeyDictionary()
_TRACKERS_LOCK = threading.Lock()


def lockout_for(state: State, attempts: int, window: float) -> LoginLockout:
    """The lockout tracker of an emulator state (made on first use, its settings kept up to date)."""
    with _TRACKERS_LOCK:
        tracker = _TRACKERS.get(state)
        if tracker is None:
            tracker = LoginLockout(attempts, window)
            _TRACKERS[state] = tracker
        tracker.attempts, tracker.window = attempts, window
        return tracker


@on_reset
def _forget(state: State) -> None:
    with _TRACKERS_LOCK:
        tracker = _TRACKERS.get(state)
    if tracker is not None:
        tracker.clear()
