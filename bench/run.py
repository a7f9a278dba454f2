"""Run the registered benchmark scripts of this folder and summarise.

Usage: ``python bench/run.py [name ...]`` (names without ``bench_`` and ``.py``).
Each script prints its figures with the ratio to a baseline measured in the
same process (raw requests, json.loads, requests.Session(), ...), or, for
transfers behind the emulator's network profile, beside the physical limit
``min(total, streams x conn)``, and exits non-zero when a target is missed or
the path it times is not taken.

A new bench is registered by adding its name to :data:`BENCHES` (one per
line); a ``bench_*.py`` file missing from the list makes the run fail.
"""

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: The benches, in the order they run (one name per line).
BENCHES = [
    'import',
    'api_objects',
    'calls',
    'box',
    'bundle',
    'pagination',
    'study_list',
    'cli',
    'ws_wait',
    'network',
    'addon',
    'keepalive',
    'transfer',
    'multipart',
    'load',
    'emulator_soak',
]


def main(names: list) -> int:
    present = {script.stem[len('bench_'):] for script in HERE.glob('bench_*.py')}
    unregistered = sorted(present - set(BENCHES))
    missing = sorted(set(BENCHES) - present)
    selected = [name for name in BENCHES if name in present and (not names or name in names)]
    failed = []
    for name in selected:
        script = HERE / 'bench_{0}.py'.format(name)
        print('== {0}'.format(script.stem), flush=True)
        start = time.monotonic()
        result = subprocess.run([sys.executable, str(script)], cwd=str(HERE.parent))
        print('   ({0:.1f} s, exit {1})'.format(time.monotonic() - start, result.returncode), flush=True)
        if result.returncode:
            failed.append(script.stem)
    if not names and (unregistered or missing):
        print('not registered in bench/run.py: {0}; registered but missing: {1}'.format(
            ', '.join(unregistered) or '-', ', '.join(missing) or '-'))
        failed.append('registration')
    print('targets missed in: {0}'.format(', '.join(failed)) if failed else 'all targets hold')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
