"""Pure helpers of the addon: polling, retries, the bounded pool, progress, results."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
import requests

from ambra_sdk.addon.exceptions import UploadFailed, WaitTimeout
from ambra_sdk.addon.polling import DEFAULT_MAX_INTERVAL, interval_cap, poll
from ambra_sdk.addon.pool import bounded_map, is_transient, with_retries
from ambra_sdk.addon.progress import FileProgress
from ambra_sdk.addon.results import SkippedFile, UploadResult
from ambra_sdk.addon.upload import normalize_paths
from ambra_sdk.exceptions.base import AmbraResponseException


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def test_poll_backs_off_up_to_the_cap_and_stops_at_the_deadline():
    clock = FakeClock()
    calls = []

    def probe():
        calls.append(clock.now)
        return False, len(calls)

    done, last = poll(probe, timeout=10, max_interval=2, initial_interval=0.25, sleep=clock.sleep, clock=clock)
    assert not done and last == len(calls)
    assert clock.sleeps[:5] == [0.25, 0.5, 1, 2, 2]
    assert clock.now == pytest.approx(10)  # never sleeps past the deadline
    assert calls[-1] == pytest.approx(10)  # one last poll at the deadline


def test_poll_returns_as_soon_as_done():
    clock = FakeClock()
    answers = iter([(False, 1), (False, 2), (True, 3)])
    assert poll(lambda: next(answers), timeout=100, sleep=clock.sleep, clock=clock) == (True, 3)
    assert len(clock.sleeps) == 2


def test_poll_probes_once_even_without_time():
    assert poll(lambda: (True, 'x'), timeout=0) == (True, 'x')
    assert poll(lambda: (False, 'y'), timeout=0) == (False, 'y')


def test_interval_cap():
    assert interval_cap(None) == DEFAULT_MAX_INTERVAL == interval_cap(0)
    assert interval_cap(1) == 1.0 and interval_cap(0.001) == 0.05


@pytest.mark.parametrize('error, transient', [
    (requests.exceptions.ConnectionError(), True),
    (requests.exceptions.ReadTimeout(), True),
    (requests.exceptions.ChunkedEncodingError(), True),
    (requests.exceptions.RetryError(), True),
    (AmbraResponseException(503), True),
    (AmbraResponseException(502), True),
    (AmbraResponseException(504), True),
    (AmbraResponseException(500), False),
    (AmbraResponseException(404), False),
    (ValueError('x'), False),
    (ConnectionResetError(), True),
])
def test_is_transient(error, transient):
    assert is_transient(error) is transient


def test_with_retries():
    attempts = []
    sleeps = []

    def flaky():
        attempts.append(1)
        if len(attempts) < 3:
            raise requests.exceptions.ConnectionError('reset')
        return 'ok'

    assert with_retries(flaky, 3, 'x', sleep=sleeps.append) == 'ok'
    assert sleeps == [0.2, 0.4]
    attempts.clear()
    with pytest.raises(requests.exceptions.ConnectionError):
        with_retries(flaky, 1, 'x', sleep=sleeps.append)
    with pytest.raises(ValueError):
        with_retries(lambda: (_ for _ in ()).throw(ValueError('no')), 5, 'x', sleep=sleeps.append)


def test_bounded_map_limits_work_in_flight():
    lock = threading.Lock()
    active = [0]
    peak = [0]
    pulled = [0]

    def items():
        for index in range(50):
            pulled[0] += 1
            yield index

    def work(item):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.002)
        with lock:
            active[0] -= 1
        return item * 2

    results = {}
    for item, future in bounded_map(work, items(), max_workers=3):
        assert pulled[0] - len(results) <= 6 + 1  # never more than 2 * workers queued
        results[item] = future.result()
    assert results == {index: index * 2 for index in range(50)}
    assert peak[0] <= 3


def test_file_progress_callback_and_bar(capsys):
    seen = []
    with FileProgress(lambda done, total: seen.append((done, total)), 2, 'x') as progress:
        progress.advance()
        progress.advance()
    assert seen == [(1, 2), (2, 2)]
    with FileProgress(True, 1, 'Bar') as progress:
        progress.advance()
    assert 'Bar' in capsys.readouterr().err
    with pytest.raises(TypeError):
        FileProgress(5, 1, 'x')


def test_file_progress_without_tqdm(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name == 'tqdm':
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, '__import__', no_tqdm)
    with FileProgress(True, 1, 'x') as progress:
        progress.advance()  # no bar, no error
    assert progress.done == 1


def test_upload_result_is_the_reference_tuple():
    uploaded = {Path('a.dcm'): 'params-a'}
    result = UploadResult('uuid', uploaded, [SkippedFile(Path('b'), 'why')], {}, 2)
    uuid, images = result
    assert (uuid, images) == ('uuid', ['params-a']) and result == ('uuid', ['params-a'])
    assert result.ok and result.total == 2
    failed = UploadResult('uuid', {}, [], {Path('c.dcm'): ValueError('boom')}, 3)
    assert not failed.ok
    assert "1 of 3 files failed to upload (first: c.dcm: ValueError('boom'))" in str(UploadFailed(failed))


def test_normalize_paths(tmp_path):
    assert normalize_paths(str(tmp_path)) == [tmp_path]
    assert normalize_paths(tmp_path) == [tmp_path]
    assert normalize_paths(p for p in [tmp_path, str(tmp_path)]) == [tmp_path, tmp_path]
    with pytest.raises(TypeError):
        normalize_paths([tmp_path, 3])


def test_wait_timeout_is_a_timeout_error():
    error = WaitTimeout('late', 3.0, last={'phantom': 1})
    assert isinstance(error, TimeoutError) and error.timeout == 3.0 and error.last == {'phantom': 1}


def test_upload_result_pickles():
    import pickle

    result = UploadResult('uuid', {Path('a.dcm'): 'p'}, [SkippedFile(Path('b'), 'why')], {}, 2)
    again = pickle.loads(pickle.dumps(result))
    assert again == result and again.skipped == result.skipped and again.total == 2


def test_bounded_map_stops_queued_work_when_the_consumer_stops():
    started = []

    def work(item):
        started.append(item)
        time.sleep(0.01)
        return item

    for _ in bounded_map(work, range(100), max_workers=2):
        break
    time.sleep(0.05)
    assert len(started) <= 4  # the window (2 x workers), not the 100 items


def test_missing_pydicom_gives_an_install_hint(monkeypatch, tmp_path):
    import sys

    from ambra_sdk.addon.dicom_io import read_header

    monkeypatch.setitem(sys.modules, 'pydicom', None)
    from ambra_sdk.extras import install_command

    with pytest.raises(ImportError, match=re.escape(install_command('dicom'))):
        read_header(tmp_path / 'x.dcm')
