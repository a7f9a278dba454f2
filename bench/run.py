"""Run every benchmark script in this folder and summarise.

Usage: ``python bench/run.py [name ...]`` (names without ``bench_`` and ``.py``).
Each script prints its figures with the ratio to a baseline measured in the
same process (raw requests, json.loads, requests.Session(), ...), and exits
non-zero when a target is missed.
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list) -> int:
    scripts = sorted(HERE.glob('bench_*.py'))
    if names:
        scripts = [script for script in scripts if script.stem[len('bench_'):] in names]
    failed = []
    for script in scripts:
        print('== {0}'.format(script.stem))
        start = time.monotonic()
        result = subprocess.run([sys.executable, str(script)], cwd=str(HERE.parent))
        print('   ({0:.1f} s, exit {1})'.format(time.monotonic() - start, result.returncode))
        if result.returncode:
            failed.append(script.stem)
    print('targets missed in: {0}'.format(', '.join(failed)) if failed else 'all targets hold')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
