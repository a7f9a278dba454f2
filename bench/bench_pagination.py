"""Benchmark of paginated listing at scale (a plain script, not a test).

Starts the emulator in a subprocess (``python -m ambra_sdk.emulator``, so the
measured process holds only the client), seeds ``--small`` (10 000) and then
``--large`` (100 000) studies through the control API
(``POST /_emulator/studies/seed``, one SQLite transaction), and iterates
``api.Study.list().set_rows_in_page(1000).all()`` over every study, without
client-side rate limits.

For each size it prints the rows per second (an untraced pass) and the
client's peak Python memory (``tracemalloc``, a second pass). Targets:

* peak memory at the large size / at the small size <= 1.2 (the SDK holds one
  page at a time, so memory must not grow with the number of rows);
* seconds per row at the large size / at the small size <= 1.5 (the emulator
  serves a page with ``LIMIT``/``OFFSET``, so a page costs the same at any depth).

The exit status is 1 when a target is missed (the convention of ``bench/run.py``).

Usage::

    python bench/bench_pagination.py
    python bench/bench_pagination.py --small 2000 --large 20000 --rows 500
"""

import argparse
import json
import sys
import time
import tracemalloc
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import report  # noqa: E402
from _emulator import EmulatorProcess  # noqa: E402


def control(emulator: EmulatorProcess, path: str, body: Any = None) -> Any:
    """POST to the emulator's control API and return the decoded JSON answer."""
    data = json.dumps(body if body is not None else {}).encode()
    request = urllib.request.Request(emulator.root + path, data=data, method='POST', headers=emulator.control_headers)
    request.add_header('Content-Type', 'application/json')
    with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310 (loopback)
        return json.loads(response.read() or b'null')


def seed(emulator: EmulatorProcess, count: int) -> float:
    """Reset the emulator and add ``count`` studies; return the seconds it took."""
    control(emulator, '/_emulator/reset')
    start = time.perf_counter()
    answer = control(emulator, '/_emulator/studies/seed', {'count': count})
    elapsed = time.perf_counter() - start
    assert answer.get('count') == count, answer
    return elapsed


def unfiltered(api: Any, rows_in_page: int) -> Any:
    """``api.Study.list()`` of every study, ``rows_in_page`` at a time."""
    return api.Study.list().set_rows_in_page(rows_in_page)


def list_all(
    emulator: EmulatorProcess, rows_in_page: int, traced: bool, build: Callable[[Any, int], Any] = unfiltered,
) -> Tuple[int, float, float]:
    """Iterate every study of the query ``build(api, rows_in_page)`` page by page.

    :return: ``(rows, seconds, peak MiB)``; the peak is the traced Python
        memory above the starting point (0.0 when ``traced`` is false).
    """
    api = emulator.api()
    query = build(api, rows_in_page)
    peak = 0.0
    if traced:
        tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0] if traced else 0
        start = time.perf_counter()
        rows = 0
        for _study in query.all():
            rows += 1
        elapsed = time.perf_counter() - start
        if traced:
            peak = (tracemalloc.get_traced_memory()[1] - baseline) / (1024 * 1024)
    finally:
        if traced:
            tracemalloc.stop()
        api.logout()
    return rows, elapsed, peak


def main() -> int:
    """Run the benchmark and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--small', type=int, default=10_000)
    parser.add_argument('--large', type=int, default=100_000)
    parser.add_argument('--rows', type=int, default=1000, help='rows per page')
    args = parser.parse_args()

    emulator = EmulatorProcess()
    results: Dict[int, Tuple[float, float]] = {}
    try:
        print('Study.list().set_rows_in_page({0}).all() against an emulator subprocess ({1})'.format(
            args.rows, emulator.url))
        for count in (args.small, args.large):
            seed_s = seed(emulator, count)
            rows, elapsed, _ = list_all(emulator, args.rows, traced=False)
            assert rows == count, (rows, count)
            _, _, peak = list_all(emulator, args.rows, traced=True)
            results[count] = (elapsed / rows, peak)
            print('  {0:>7d} studies: seeded in {1:5.2f} s; listed in {2:6.2f} s ({3:8.0f} rows/s, {4} pages); '
                  'client peak {5:5.2f} MiB'.format(
                      count, seed_s, elapsed, rows / elapsed, -(-rows // args.rows), peak))
    finally:
        emulator.stop()
    small, large = results[args.small], results[args.large]
    label = '{0} vs {1} studies'.format(args.large, args.small)
    ok = report('client peak memory, ' + label, large[1], small[1], 1.2, unit='MiB')
    ok = report('seconds per row, ' + label, large[0] * 1e6, small[0] * 1e6, 1.5, unit='us') and ok
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
