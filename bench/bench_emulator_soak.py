"""The emulator under 16 concurrent clients uploading and listing for a minute.

Target: no lost or duplicated study, no 5xx. Prints uploads per second.
``python bench/bench_emulator_soak.py [seconds]``.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(seconds: float = 60.0) -> bool:
    from ambra_sdk.emulator import Emulator
    from tests.emulator.soak import run_soak

    with Emulator() as emulator:
        start = time.monotonic()
        result = run_soak(emulator, seconds=seconds)
        elapsed = time.monotonic() - start
    ok = result['server_errors'] == 0 and not result['missing'] and not result['duplicated']
    print('{0:<48} {1} uploads in {2:.0f}s ({3:.1f}/s), statuses {4}, missing {5}, duplicated {6}, 5xx {7} {8}'.format(
        '16 clients upload + list', result['uploads'], elapsed, result['uploads'] / elapsed, result['statuses'],
        len(result['missing']), len(result['duplicated']), result['server_errors'], 'OK' if ok else 'MISSED'))
    return ok


if __name__ == '__main__':
    sys.exit(0 if main(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0) else 1)
