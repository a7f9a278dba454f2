"""Benchmark of a filtered and sorted study list at scale (a plain script, not a test).

The emulator runs in a subprocess (``python -m ambra_sdk.emulator``) holding
``--count`` (100 000) studies. The client iterates every study page by page,
first unfiltered (the baseline), then with a filter and a sort, the way a
user's script asks for them::

    api.Study.list().filter_by(Filter('modality', FilterCondition.equals, 'CT'))
       .sort_by(Sorter('patient_name', SortingOrder.descending)).set_rows_in_page(1000).all()

It prints rows per second and the client's peak Python memory for both, and
the emulator's resident memory after each (from ``/proc``). Before timing, it
checks with an in-process emulator that this exact request takes the SQL path
(:mod:`ambra_sdk.emulator.study_sql`) and fails loudly when it does not.

Targets (exit status 1 when missed):

* client peak memory, filtered and sorted / unfiltered <= 1.2;
* seconds per row, filtered and sorted / unfiltered <= 3.0.

Usage::

    python bench/bench_study_list.py
    python bench/bench_study_list.py --count 20000 --rows 500
"""

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import report  # noqa: E402
from _emulator import EmulatorProcess  # noqa: E402
from bench_pagination import list_all, seed, unfiltered  # noqa: E402

from ambra_sdk.service.filtering import Filter, FilterCondition  # noqa: E402
from ambra_sdk.service.sorting import Sorter, SortingOrder  # noqa: E402


def filtered(api: Any, rows_in_page: int) -> Any:
    """The timed query: a filter and a sort, as a user writes them."""
    return (
        api.Study.list()
        .filter_by(Filter('modality', FilterCondition.equals, 'CT'))
        .sort_by(Sorter('patient_name', SortingOrder.descending))
        .set_rows_in_page(rows_in_page)
    )


def check_sql_path() -> None:
    """Fail unless the filtered query is answered by the SQL path (an in-process emulator)."""
    from ambra_sdk.emulator import Emulator, study_sql
    from ambra_sdk.emulator.routes import study as study_routes

    planned = []
    original = study_sql.plan_study_query

    def spy(*args: Any) -> Any:
        query = original(*args)
        planned.append(query is not None)
        return query

    study_routes.plan_study_query = spy  # type: ignore[attr-defined]
    try:
        with Emulator() as emu:
            emu.seed_studies(3)
            api = emu.api()
            assert len(list(filtered(api, 2).all())) == 3
    finally:
        study_routes.plan_study_query = original  # type: ignore[attr-defined]
    if not planned or not all(planned):
        raise SystemExit('bench_study_list: the filtered query did not take the SQL path ({0})'.format(planned))


def server_rss_mib(emulator: EmulatorProcess) -> float:
    """The emulator process's resident memory, MiB."""
    for line in Path('/proc/{0}/status'.format(emulator.process.pid)).read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024.0
    return float('nan')


def main() -> int:
    """Run the benchmark and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--count', type=int, default=100_000)
    parser.add_argument('--rows', type=int, default=1000, help='rows per page')
    args = parser.parse_args()
    check_sql_path()
    emulator = EmulatorProcess()
    results = {}
    try:
        seed(emulator, args.count)
        print('{0} studies in an emulator subprocess, {1} rows per page'.format(args.count, args.rows))
        for label, build in (('unfiltered', unfiltered), ('filter modality=CT, sort patient_name desc', filtered)):
            rows, elapsed, _ = list_all(emulator, args.rows, traced=False, build=build)
            assert rows == args.count, (label, rows)
            _, _, peak = list_all(emulator, args.rows, traced=True, build=build)
            results[label] = (elapsed / rows, peak)
            print('  {0:<44} {1:6.2f} s ({2:7.0f} rows/s); client peak {3:5.2f} MiB; emulator RSS {4:6.1f} MiB'.format(
                label, elapsed, rows / elapsed, peak, server_rss_mib(emulator)))
    finally:
        emulator.stop()
    (base_time, base_peak), (time_per_row, peak) = results.values()
    ok = report('client peak memory, filtered+sorted vs unfiltered', peak, base_peak, 1.2, unit='MiB')
    ok = report('seconds per row, filtered+sorted vs unfiltered', time_per_row * 1e6, base_time * 1e6, 3.0,
                unit='us') and ok
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
