"""Benchmark of ``ambra study list --csv`` over many studies (a plain script, not a test).

Starts the emulator in a subprocess (``python -m ambra_sdk.emulator``), seeds
``--small`` (10 000) and then ``--large`` (100 000) studies through its
control API, and for each size runs the command a user types::

    ambra --no-rate-limits study list --csv --page-size 1000 > studies.csv

as a subprocess (``python -m ambra_sdk``), with the credentials in
``AMBRA_*`` variables. For each size it prints the wall time and the peak
resident memory (``ru_maxrss`` of that child, from ``os.wait4``) of the
``ambra`` process, and checks that the CSV has a header and one row per study
(the path timed is the real one). The baseline, measured in this process
against the same emulator, is the same listing written by hand: ``requests``
posts of ``/study/list`` page by page, ``json.loads`` and ``csv.writer``.

Targets:

* peak memory of ``ambra`` at the large size / at the small size <= 1.2
  (rows stream: memory does not grow with the number of studies);
* seconds per row at the large size / at the small size <= 1.5;
* wall time of ``ambra`` / the hand-written baseline at the large size <= 2.0.

The exit status is 1 when a target is missed (the convention of ``bench/run.py``).

Usage::

    python bench/bench_cli.py
    python bench/bench_cli.py --small 2000 --large 20000
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, Tuple

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'bench'))

from _common import report  # noqa: E402
from _emulator import EmulatorProcess  # noqa: E402
from bench_pagination import seed  # noqa: E402

PAGE_SIZE = 1000


def run_cli(emulator: EmulatorProcess, out_path: Path) -> Tuple[float, float, int]:
    """Run ``ambra study list --csv`` into ``out_path``.

    :return: ``(seconds, peak RSS MiB of the child, data rows written)``.
    """
    env = dict(os.environ)
    env.update({
        'PYTHONPATH': str(ROOT),
        'AMBRA_URL': emulator.info['url'],
        'AMBRA_USERNAME': emulator.info['username'],
        'AMBRA_PASSWORD': emulator.info['password'],
        'AMBRA_NO_KEYRING': '1',
        'AMBRA_CONFIG_DIR': tempfile.mkdtemp(),
    })
    command = [sys.executable, '-m', 'ambra_sdk', '--no-rate-limits', 'study', 'list', '--csv', '--fields', '*',
               '--page-size', str(PAGE_SIZE)]
    with out_path.open('w') as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE, env=env, cwd=str(ROOT))
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode() if process.stderr else ''
    if process.returncode != 0 or stderr:
        raise SystemExit('ambra failed (exit {0}): {1}'.format(process.returncode, stderr))
    with out_path.open(newline='') as stream:
        reader = csv.reader(stream)
        header = next(reader)
        rows = sum(1 for _ in reader)
    if 'uuid' not in header or 'patient_name' not in header:
        raise SystemExit('unexpected CSV header: {0}'.format(header))
    return elapsed, usage.ru_maxrss / 1024.0, rows


def hand_written(emulator: EmulatorProcess, out_path: Path) -> Tuple[float, int]:
    """The baseline: the same CSV with requests, json.loads and csv.writer; return ``(seconds, rows)``."""
    info: Dict[str, Any] = emulator.info
    start = time.perf_counter()
    session = requests.Session()
    login = session.post(info['url'] + '/session/login',
                         data={'login': info['username'], 'password': info['password']}).json()
    sid = login['sid']
    rows = 0
    with out_path.open('w', newline='') as out:
        writer = None
        page = 1
        while True:
            answer = json.loads(session.post(info['url'] + '/study/list', data={
                'sid': sid, 'page.rows': PAGE_SIZE, 'page.number': page}).content)
            studies = answer['studies']
            for study in studies:
                if writer is None:
                    fields = list(study)
                    writer = csv.writer(out)
                    writer.writerow(fields)
                writer.writerow([json.dumps(study[name]) if isinstance(study[name], (dict, list)) else study[name]
                                 for name in fields])
                rows += 1
            if not answer['page'].get('more') or not studies:
                break
            page += 1
    session.post(info['url'] + '/session/logout', data={'sid': sid})
    return time.perf_counter() - start, rows


def main() -> int:
    """Run the benchmark and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--small', type=int, default=10_000)
    parser.add_argument('--large', type=int, default=100_000)
    args = parser.parse_args()

    emulator = EmulatorProcess()
    results: Dict[int, Tuple[float, float, float]] = {}
    workdir = Path(tempfile.mkdtemp())
    try:
        print('ambra study list --csv --page-size {0} against an emulator subprocess ({1})'.format(
            PAGE_SIZE, emulator.url))
        for count in (args.small, args.large):
            seed_s = seed(emulator, count)
            elapsed, rss, rows = run_cli(emulator, workdir / 'cli.csv')
            if rows != count:
                raise SystemExit('ambra wrote {0} rows for {1} studies'.format(rows, count))
            base_s, base_rows = hand_written(emulator, workdir / 'base.csv')
            if base_rows != count:
                raise SystemExit('the baseline wrote {0} rows for {1} studies'.format(base_rows, count))
            results[count] = (elapsed, rss, base_s)
            size = (workdir / 'cli.csv').stat().st_size / (1024 * 1024)
            print('  {0:>7d} studies: seeded in {1:5.2f} s; ambra {2:6.2f} s ({3:7.0f} rows/s), peak RSS '
                  '{4:6.1f} MiB, CSV {5:6.1f} MiB; hand-written requests+csv {6:6.2f} s'.format(
                      count, seed_s, elapsed, rows / elapsed, rss, size, base_s))
    finally:
        emulator.stop()
    small, large = results[args.small], results[args.large]
    label = '{0} vs {1} studies'.format(args.large, args.small)
    ok = report('ambra peak RSS, ' + label, large[1], small[1], 1.2, unit='MiB')
    ok = report('ambra seconds per row, ' + label, large[0] / args.large * 1e6, small[0] / args.small * 1e6, 1.5,
                unit='us') and ok
    ok = report('ambra vs hand-written, {0} studies'.format(args.large), large[0], large[2], 2.0) and ok
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
