"""Load: 16 threads share one Api (shortened run; the full minute is ``bench/bench_load.py``)."""

import threading
import time
from typing import Any, Dict, List

import pytest

from tests.reliability.load import run_load

THREADS = 16


@pytest.mark.slow
def test_sixteen_threads_hold_the_rate_and_lose_nothing(fresh):
    result = run_load(fresh, threads=THREADS, seconds=8.0)
    summary = '\n'.join(result.lines())
    print(summary)
    assert result.errors == [], summary
    assert result.completed_per_thread == [2 * result.pairs_per_thread] * THREADS, summary
    assert result.lost_writes == result.duplicated_writes == result.unexpected_writes == 0, summary
    assert abs(result.rate_error) <= 0.10, summary
    # a thread waits for at most its turn among all the others (plus slack): no starvation
    pair = 1 / 16 + 1 / 32
    assert result.max_gap <= 2 * THREADS * pair + 1.0, summary


def test_sixteen_threads_under_faults_store_each_write_once(fresh):
    """Refusals with Retry-After are retried, drops are not: each success is stored exactly once."""
    api = fresh.api(rate_limits=None, timeout=(2, 2))
    # status=25: with keep-alive a retry comes back at once and may take every remaining refusal
    api.service_retry_params.update(backoff_factor=0.01, retry_after_cap=2, status=25, total=40)
    namespace_id = str(api.Session.user().get().namespace_id)
    fresh.faults.add('/study/add', status=503, retry_after=0, times=25)
    fresh.faults.add('/study/get', status=502, times=25)
    fresh.faults.add('/study/add', drop_connection=True, times=10)
    outcomes: Dict[str, str] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + 30

    def worker(number: int) -> None:
        for index in range(12):
            if time.monotonic() > deadline:
                return
            uid = '1.2.826.0.1.3680043.11.{0}.{1}'.format(number + 1, index + 1)
            try:
                added = api.Study.add(study_uid=uid, storage_namespace=namespace_id,
                                      phi_namespace=namespace_id).get()
                api.Study.get(uuid=added.uuid).get()
                outcome = 'ok'
            except Exception as error:  # noqa: BLE001 - the outcome is checked below
                outcome = type(error).__name__
            with lock:
                outcomes[uid] = outcome

    threads: List[threading.Thread] = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    stored: Dict[str, int] = {}
    for study in fresh.state.list_studies():
        uid = str(study.get('study_uid'))
        stored[uid] = stored.get(uid, 0) + 1
    assert len(outcomes) == THREADS * 12
    assert all(count == 1 for count in stored.values()), 'a write was stored twice'
    succeeded = {uid for uid, outcome in outcomes.items() if outcome == 'ok'}
    assert succeeded <= set(stored), 'a write reported as done is missing'
    failed: Any = {uid: outcome for uid, outcome in outcomes.items() if outcome != 'ok'}
    assert len(failed) <= 10, failed  # only the dropped connections may fail
    assert all(outcome == 'ConnectionError' for outcome in failed.values()), failed
    api.logout()
