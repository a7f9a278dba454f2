"""Bundled calls: 2 000 ``Study.set`` with 20 ms added per request, bundled vs one by one.

An emulator subprocess adds 20 ms to every request (its fault injection,
``delay=0.02`` on ``*``) and holds 2 000 studies. The same user script sets a
field on every study:

* one by one: ``api.Study.set(uuid=..., study_description=...).get()``;
* bundled: ``with api.bundle() as bundle: bundle.add(api.Study.set(...))``
  (chunks of 100 calls, one worker).

Targets: bundled at least 20x faster; memory flat: the memory sending a
bundle needs on top of what it returns (``tracemalloc`` peak minus what is
still held after the ``with`` block, from the moment the calls are added) at
2 000 calls at most 1.5x that at 500 calls.

The bench stops (``PathNotTaken``) unless the one-by-one run made 2 000
``/study/set`` requests, the bundled run made 20 ``/bundle`` requests and no
other, and every study holds the value set by the run.

Usage: ``python bench/bench_bundle.py [calls]`` (default 2000).
"""

import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any, Callable, List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import require  # noqa: E402
from _emulator import EmulatorProcess  # noqa: E402

LATENCY = 0.02
CHUNK_SIZE = 100
SPEED_TARGET = 20.0
MEMORY_TARGET = 1.5


def study_uuids(api: Any) -> List[str]:
    """Every study's uuid."""
    return [study.uuid for study in api.Study.list().set_rows_in_page(1000).all()]


def one_by_one(api: Any, uuids: List[str], value: str) -> List[Any]:
    """The user's script without bundles."""
    return [api.Study.set(uuid=uuid, study_description=value).get() for uuid in uuids]


def bundled(api: Any, uuids: List[str], value: str) -> List[Any]:
    """The same script with a bundle."""
    with api.bundle(chunk_size=CHUNK_SIZE) as bundle:
        items = [bundle.add(api.Study.set(uuid=uuid, study_description=value)) for uuid in uuids]
    return items


def requests_seen(emulator: EmulatorProcess) -> List[str]:
    """Paths of the requests the emulator served since the last call (then forgets them)."""
    paths = [entry['path'] for entry in emulator.control('GET', '/_emulator/requests')]
    emulator.control('DELETE', '/_emulator/requests')
    return paths


def check_values(api: Any, uuids: List[str], value: str) -> None:
    """Stop unless every study holds ``value``."""
    found = {study.uuid: study.get('study_description') for study in api.Study.list().set_rows_in_page(1000).all()}
    require(all(found.get(uuid) == value for uuid in uuids), 'every study holds {0!r}'.format(value))


def timed(fn: Callable[[], Any]) -> Tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def transient_memory(api: Any, uuids: List[str], value: str) -> Tuple[float, float]:
    """MiB sending a bundle needs above what it returns, and MiB it returns (its results).

    Measured from the moment the calls are added (the caller's own list of
    queries is not the bundle's memory) to the end of the ``with`` block.
    """
    tracemalloc.start()
    try:
        with api.bundle(chunk_size=CHUNK_SIZE) as bundle:
            items = [bundle.add(api.Study.set(uuid=uuid, study_description=value)) for uuid in uuids]
            start = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    require(all(item.ok for item in items), 'every bundled call succeeded')
    mib = 1024.0 * 1024.0
    return (peak - held) / mib, (held - start) / mib


def main(calls: int = 2000) -> bool:
    emulator = EmulatorProcess()
    try:
        emulator.reset(delay=0)
        emulator.control('POST', '/_emulator/studies/seed', {'count': calls})
        api = emulator.api()
        uuids = study_uuids(api)
        require(len(uuids) == calls, '{0} studies seeded'.format(calls))
        emulator.control('POST', '/_emulator/faults', {'path_pattern': '*', 'delay': LATENCY, 'times': None})
        requests_seen(emulator)

        alone, results = timed(lambda: one_by_one(api, uuids, 'one by one'))
        require(requests_seen(emulator) == ['/study/set'] * calls, '{0} /study/set requests'.format(calls))
        require(len(results) == calls, 'every call answered')
        check_values(api, uuids, 'one by one')
        requests_seen(emulator)

        together, items = timed(lambda: bundled(api, uuids, 'bundled'))
        chunks = -(-calls // CHUNK_SIZE)
        require(requests_seen(emulator) == ['/bundle'] * chunks, '{0} /bundle requests'.format(chunks))
        require(all(item.ok for item in items), 'every bundled call succeeded')
        check_values(api, uuids, 'bundled')

        small_extra, small_held = transient_memory(api, uuids[:calls // 4], 'memory small')
        large_extra, large_held = transient_memory(api, uuids, 'memory large')
    finally:
        emulator.stop()

    speedup = alone / together
    speed_ok = speedup >= SPEED_TARGET
    print('{0:<48} {1:8.2f}s one by one {2:8.2f}s speed-up {3:6.1f}x target >= {4:.0f}x {5}'.format(
        '{0} Study.set, {1:.0f} ms per request'.format(calls, LATENCY * 1000), together, alone, speedup,
        SPEED_TARGET, 'OK' if speed_ok else 'MISSED'))
    ratio = large_extra / small_extra if small_extra else float('inf')
    memory_ok = ratio <= MEMORY_TARGET
    print('{0:<48} {1:6.2f} MiB at {2} calls, {3:6.2f} MiB at {4} ratio {5:5.2f} target <= {6:.2f} {7}'.format(
        'bundle memory above its results', large_extra, calls, small_extra, calls // 4, ratio, MEMORY_TARGET,
        'OK' if memory_ok else 'MISSED'))
    print('{0:<48} {1:6.2f} MiB at {2} calls, {3:6.2f} MiB at {4} (the items and their results)'.format(
        'bundle results held', large_held, calls, small_held, calls // 4))
    return speed_ok and memory_ok


if __name__ == '__main__':
    sys.exit(0 if main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000) else 1)
