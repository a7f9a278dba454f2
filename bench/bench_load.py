"""Load: 16 threads share one Api against the emulator for a minute.

Targets: no lost, duplicated or unexpected write; the measured call rate
within 10% of the configured limits (writes 16/s, reads 32/s); every thread
finishes its quota, none waits longer than twice a full round of the others.

Usage: ``python bench/bench_load.py [seconds] [threads]`` (default 60 s, 16 threads).
The workload is ``tests/reliability/load.py`` (the test suite runs it for ~8 s).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ambra_sdk.emulator import Emulator  # noqa: E402
from tests.reliability.load import LOAD_LIMITS, run_load  # noqa: E402


def main(seconds: float = 60.0, threads: int = 16) -> bool:
    with Emulator() as emulator:
        result = run_load(emulator, threads=threads, seconds=seconds)
    for line in result.lines():
        print('   ' + line)
    pair = LOAD_LIMITS.call_period('/study/add') + LOAD_LIMITS.call_period('/study/get')
    checks = {
        'no errors': not result.errors,
        'no lost/duplicated/unexpected write': (
            result.lost_writes == result.duplicated_writes == result.unexpected_writes == 0
        ),
        'rate within 10%': abs(result.rate_error) <= 0.10,
        'every thread finished': result.completed_per_thread == [2 * result.pairs_per_thread] * threads,
        'no thread starved': result.max_gap <= 2 * threads * pair + 1.0,
    }
    for name, ok in checks.items():
        print('{0:<48} {1}'.format(name, 'OK' if ok else 'MISSED'))
    for error in result.errors[:5]:
        print('   error: ' + error)
    return all(checks.values())


if __name__ == '__main__':
    arguments = sys.argv[1:]
    ok = main(float(arguments[0]) if arguments else 60.0, int(arguments[1]) if len(arguments) > 1 else 16)
    sys.exit(0 if ok else 1)
