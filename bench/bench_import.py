"""Target 1: ``import ambra_sdk.api`` costs at most 1.5x ``import requests`` above a bare interpreter.

Each import runs in a fresh interpreter; the three commands are interleaved
and the medians compared. Memory: peak RSS of each child.
"""

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import report, require  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CODE = ('import resource, sys, {module}; '
        'print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, '
        'getattr(sys.modules.get("ambra_sdk"), "__file__", ""))')


def run(module: str) -> tuple:
    code = CODE.format(module=module) if module else CODE.format(module='sys')
    start = time.perf_counter()
    out = subprocess.run([sys.executable, '-S' if False else '-c', code], capture_output=True, text=True,
                         cwd=str(ROOT), check=True).stdout
    rss, _, origin = out.strip().partition(' ')
    if module.startswith('ambra_sdk'):
        require(Path(origin).resolve().is_relative_to(ROOT), 'imports this tree, got {0}'.format(origin))
    return time.perf_counter() - start, int(rss) / 1024.0


def main(rounds: int = 15) -> bool:
    samples = {'': [], 'requests': [], 'ambra_sdk.api': []}
    memory = {'': [], 'requests': [], 'ambra_sdk.api': []}
    for _ in range(rounds):
        for module in samples:
            seconds, rss = run(module)
            samples[module].append(seconds)
            memory[module].append(rss)
    bare = statistics.median(samples[''])
    requests_cost = statistics.median(samples['requests']) - bare
    sdk_cost = statistics.median(samples['ambra_sdk.api']) - bare
    ok = report('import ambra_sdk.api (above bare python)', sdk_cost, requests_cost, 1.5)
    extra = statistics.median(memory['ambra_sdk.api']) - statistics.median(memory['requests'])
    print('{0:<48} {1:>9.1f} MiB over requests, target <= 10 MiB {2}'.format(
        'import memory', extra, 'OK' if extra <= 10 else 'MISSED'))
    return ok and extra <= 10


if __name__ == '__main__':
    sys.exit(0 if main() else 1)
