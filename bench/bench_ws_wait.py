"""Benchmark: how soon ``api.Addon.Study.wait`` returns once the study is ready, event vs polling.

An emulator runs in this process. For each round a phantom study is added,
``api.Addon.Study.wait`` (the public call, default ``ws_timeout=5``) starts,
and a timer thread makes the study ready after a delay (taken from
``--delays`` in turn, so that polling is measured at several points of its
back-off). The wake-up latency is the time from the state change to the
return of ``wait``.

* event: the channel is open (``ws`` extra installed, the emulator accepts
  it): the ``READY`` event wakes the wait;
* polling (the baseline, same process): the emulator refuses the channel
  (a fault rule answers 503 to ``/channel/websocket``), so the wait polls
  with back-off, as with a server without the channel or without the extra.

Each round checks the path taken (the :class:`~ambra_sdk.addon.event_wait.WaitOutcome`
logged by the wait): an event round must be subscribed and woken by the
event, a polling round not subscribed; otherwise the script fails. Exit
status 1 when the event median is not under 100 ms or not at most half the
polling median.

Usage::

    python bench/bench_ws_wait.py
    python bench/bench_ws_wait.py --rounds 3 --delays 0.3 1.1
"""

import argparse
import logging
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any, List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import report  # noqa: E402

from ambra_sdk.emulator import Emulator  # noqa: E402

EVENT_TARGET_S = 0.1


class _Outcomes(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.items: List[Any] = []

    def emit(self, record: logging.LogRecord) -> None:
        outcome = getattr(record, 'wait_outcome', None)
        if outcome is not None:
            self.items.append(outcome)


def one_round(emu: Emulator, api: Any, outcomes: _Outcomes, index: int, delay: float, event: bool) -> float:
    """Latency of one wait, in seconds; exits when the path taken is not the one meant."""
    namespace = emu.namespace_id
    study_uid = '1.2.826.0.1.3680043.77.{0}.{1}'.format(int(event), index)
    study = emu.state.add_study(namespace, study_uid, phantom=1)
    ready_at: List[float] = []

    def make_ready() -> None:
        ready_at.append(time.perf_counter())
        emu.state.update_study(study['uuid'], phantom=0)

    timer = threading.Timer(delay, make_ready)
    timer.start()
    api.Addon.Study.wait(study_uid=study_uid, namespace_id=namespace, timeout=30)
    returned = time.perf_counter()
    timer.join()
    outcome = outcomes.items[-1]
    if event and not (outcome.subscribed and outcome.woken_by == 'event'):
        sys.exit('event round {0} was not woken by the event: {1}'.format(index, outcome))
    if not event and outcome.subscribed:
        sys.exit('polling round {0} used the channel: {1}'.format(index, outcome))
    return returned - ready_at[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rounds', type=int, default=2, help='rounds per delay and path')
    parser.add_argument('--delays', type=float, nargs='+', default=[0.3, 0.7, 1.1, 1.9])
    args = parser.parse_args()
    outcomes = _Outcomes()
    log = logging.getLogger('ambra_sdk.addon.event_wait')
    log.setLevel(logging.DEBUG)
    log.addHandler(outcomes)
    latencies = {True: [], False: []}  # type: dict
    with Emulator() as emu:
        api = emu.api()
        api.rate_limits = None
        index = 0
        for _ in range(args.rounds):
            for delay in args.delays:
                for event in (True, False):  # interleaved, so that noise hits both
                    index += 1
                    emu.faults.clear()
                    if not event:
                        emu.faults.add('/channel/websocket', status=503, times=None)
                    latencies[event].append(one_round(emu, api, outcomes, index, delay, event))
        emu.faults.clear()
    event_median = statistics.median(latencies[True])
    poll_median = statistics.median(latencies[False])
    print('wake-up latency, {0} waits per path, ready after {1} s'.format(len(latencies[True]), args.delays))
    print('  event:   median {0:.4f} s, max {1:.4f} s'.format(event_median, max(latencies[True])))
    print('  polling: median {0:.4f} s, max {1:.4f} s'.format(poll_median, max(latencies[False])))
    ok = report('Study.wait wake-up, event vs polling', event_median, poll_median, 0.5)
    if event_median >= EVENT_TARGET_S:
        print('event median {0:.4f} s is not under {1} s: MISSED'.format(event_median, EVENT_TARGET_S))
        ok = False
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
