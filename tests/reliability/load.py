"""The load workload shared by ``tests/reliability/test_load.py`` (~10 s) and ``bench/bench_load.py`` (60 s).

N threads share one :class:`~ambra_sdk.api.Api`. Each thread repeats a pair
of calls: ``/study/add`` with a study UID of its own (a write) then
``/study/get`` of that study (a read), a fixed number of times (bounded in
count) and never past a hard time limit (bounded in time).

Measured:

* writes: every study UID a thread added is in the emulator exactly once
  (none lost, none duplicated), and nothing else was added;
* rate: the emulator's arrival times of the calls against the configured
  limits: with the SDK's limiter every call starts at least its own period
  after the previous one, so the run should last the sum of the periods;
* fairness: every thread finished its quota, and the longest gap between two
  completed calls of one thread.
"""

import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ambra_sdk.api.base_api import RateLimit, RateLimits

#: Limits of the load runs: writes 16/s, reads ("get") 32/s.
LOAD_LIMITS = RateLimits(default=RateLimit(16, 1), get_limit=RateLimit(32, 1), special=None)


@dataclass
class LoadResult:
    """Figures of one load run."""

    threads: int
    pairs_per_thread: int
    calls: int = 0
    errors: List[str] = field(default_factory=list)
    completed_per_thread: List[int] = field(default_factory=list)
    max_gap: float = 0.0
    median_call: float = 0.0
    p99_call: float = 0.0
    duration: float = 0.0
    expected_duration: float = 0.0
    lost_writes: int = 0
    duplicated_writes: int = 0
    unexpected_writes: int = 0

    @property
    def rate_error(self) -> float:
        """Relative difference between the measured and the configured call rate."""
        if not self.duration:
            return float('inf')
        return self.expected_duration / self.duration - 1.0

    @property
    def measured_rate(self) -> float:
        """Calls per second seen by the server."""
        return (self.calls - 1) / self.duration if self.duration else 0.0

    @property
    def configured_rate(self) -> float:
        """Calls per second the limits allow for this mix of calls."""
        return (self.calls - 1) / self.expected_duration if self.expected_duration else 0.0

    def lines(self) -> List[str]:
        """Human-readable summary."""
        return [
            'threads {0}, {1} calls, {2} errors'.format(self.threads, self.calls, len(self.errors)),
            'rate: measured {0:.2f}/s, configured {1:.2f}/s, error {2:+.1%}'.format(
                self.measured_rate, self.configured_rate, self.rate_error,
            ),
            'writes: lost {0}, duplicated {1}, unexpected {2}'.format(
                self.lost_writes, self.duplicated_writes, self.unexpected_writes,
            ),
            'fairness: calls per thread min {0} max {1}, longest gap {2:.2f}s'.format(
                min(self.completed_per_thread or [0]), max(self.completed_per_thread or [0]), self.max_gap,
            ),
            'latency (limiter wait included): median {0:.3f}s p99 {1:.3f}s'.format(self.median_call, self.p99_call),
        ]


def run_load(emulator: Any, threads: int = 16, seconds: float = 10.0, limits: RateLimits = LOAD_LIMITS,
             api: Optional[Any] = None) -> LoadResult:
    """Run the workload and measure it.

    :param emulator: a running :class:`~ambra_sdk.emulator.Emulator` (its state is reset).
    :param threads: number of threads sharing the Api.
    :param seconds: intended length of the run (sets the quota per thread).
    :param limits: rate limits of the shared Api.
    :param api: the Api to share (default: ``emulator.api(rate_limits=limits)``).
    :returns: the figures.
    """
    emulator.reset()
    shared = api or emulator.api(rate_limits=limits)
    namespace_id = str(shared.Session.user().get().namespace_id)
    pair = limits.call_period('/study/add') + limits.call_period('/study/get')
    quota = max(1, int(seconds / pair / threads))
    result = LoadResult(threads=threads, pairs_per_thread=quota)
    hard_stop = time.monotonic() + seconds * 3 + 10
    expected_uids: Dict[str, int] = {}
    completions: List[List[float]] = [[] for _ in range(threads)]
    latencies: List[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)
    emulator.requests_log.clear()

    def worker(number: int) -> None:
        barrier.wait()
        for index in range(quota):
            if time.monotonic() > hard_stop:
                break
            uid = '1.2.826.0.1.3680043.10.{0}.{1}'.format(number + 1, index + 1)
            try:
                start = time.monotonic()
                added = shared.Study.add(study_uid=uid, storage_namespace=namespace_id,
                                         phi_namespace=namespace_id).get()
                middle = time.monotonic()
                got = shared.Study.get(uuid=added.uuid).get()
                end = time.monotonic()
                assert got.study_uid == uid, 'read another study'
            except Exception as error:  # noqa: BLE001 - counted and reported
                with lock:
                    result.errors.append('{0}: {1}'.format(type(error).__name__, error))
                continue
            with lock:
                expected_uids[uid] = number
                latencies.extend((middle - start, end - middle))
            completions[number].extend((middle, end))

    workers = [threading.Thread(target=worker, args=(number,), name='load-{0}'.format(number))
               for number in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(max(1.0, hard_stop - time.monotonic() + 5))

    entries = sorted(
        (entry for entry in emulator.requests_log if entry.path in ('/study/add', '/study/get')),
        key=lambda entry: entry.time,
    )
    result.calls = len(entries)
    if len(entries) > 1:
        result.duration = entries[-1].time - entries[0].time
        result.expected_duration = sum(limits.call_period(entry.path) for entry in entries[1:])
    result.completed_per_thread = [len(times) for times in completions]
    result.max_gap = max(
        (later - earlier for times in completions for earlier, later in zip(times, times[1:])),
        default=0.0,
    )
    if latencies:
        ordered = sorted(latencies)
        result.median_call = statistics.median(ordered)
        result.p99_call = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    stored: Dict[str, int] = {}
    for study in emulator.state.list_studies():
        stored[str(study.get('study_uid'))] = stored.get(str(study.get('study_uid')), 0) + 1
    result.lost_writes = sum(1 for uid in expected_uids if uid not in stored)
    result.duplicated_writes = sum(count - 1 for count in stored.values() if count > 1)
    result.unexpected_writes = sum(1 for uid in stored if uid not in expected_uids)
    if api is None:
        shared.logout()
    return result
