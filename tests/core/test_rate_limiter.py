"""The rate limiter: current call's period, no sleeping under a lock."""

import threading
import time

import pytest

from ambra_sdk.api.base_api import RateLimit, RateLimits
from ambra_sdk.api.rate_limiter import RateLimiter


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_waits_for_current_calls_period():
    clock = FakeClock()
    limiter = RateLimiter(RateLimits(RateLimit(1, 1), RateLimit(5, 1), None), clock=clock, sleep=clock.sleep)
    limiter.wait('/study/list')   # first: no wait
    limiter.wait('/study/get')    # 0.2 s after the previous start (its own period)
    limiter.wait('/study/list')   # 1 s after the previous start
    assert clock.sleeps == pytest.approx([0.2, 1.0])


def test_off():
    clock = FakeClock()
    limiter = RateLimiter(None, clock=clock, sleep=clock.sleep)
    for _ in range(5):
        limiter.wait('/x')
    assert clock.sleeps == []


def test_three_threads_take_two_periods():
    limiter = RateLimiter(RateLimits(RateLimit(1, 1), RateLimit(2, 1), None))
    for url, expected in (('/study/list', 2.0), ('/study/get', 1.0)):
        limiter._last_start = None
        starts = []
        def call(url=url, starts=starts):
            limiter.wait(url)
            starts.append(time.monotonic())

        threads = [threading.Thread(target=call) for _ in range(3)]
        begin = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert abs((max(starts) - begin) - expected) < 0.3


def test_lock_not_held_while_sleeping():
    limiter = RateLimiter(RateLimits(RateLimit(1, 2), None, None))
    limiter.wait('/a')
    sleeper = threading.Thread(target=limiter.wait, args=('/a',))
    sleeper.start()
    time.sleep(0.2)
    acquired = limiter._lock.acquire(timeout=0.1)
    assert acquired, 'the limiter lock is held while a thread sleeps'
    limiter._lock.release()
    sleeper.join()
