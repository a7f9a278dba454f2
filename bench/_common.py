"""Helpers shared by the benchmark scripts."""

import resource
import statistics
import time
from typing import Callable, List


def timeit(fn: Callable[[], object], repeat: int = 5, number: int = 1) -> float:
    """Median seconds of ``number`` calls of ``fn`` over ``repeat`` runs."""
    runs: List[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - start) / number)
    return statistics.median(runs)


def interleaved(fn_a: Callable[[], object], fn_b: Callable[[], object], rounds: int = 7,
                number: int = 1) -> tuple:
    """Median seconds of a and b, measured alternately so that noise hits both."""
    times_a: List[float] = []
    times_b: List[float] = []
    for _ in range(rounds):
        for fn, sink in ((fn_a, times_a), (fn_b, times_b)):
            start = time.perf_counter()
            for _ in range(number):
                fn()
            sink.append((time.perf_counter() - start) / number)
    return statistics.median(times_a), statistics.median(times_b)


def peak_rss_mib() -> float:
    """Peak resident set size of this process, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def report(name: str, value: float, baseline: float, target: float, unit: str = 's') -> bool:
    """Print one figure with its ratio and target; return whether it holds."""
    ratio = value / baseline if baseline else float('inf')
    ok = ratio <= target
    print('{name:<48} {value:>10.4f}{unit} baseline {baseline:>10.4f}{unit} ratio {ratio:5.2f} '
          'target <= {target:.2f} {status}'.format(
              name=name, value=value, unit=unit, baseline=baseline, ratio=ratio, target=target,
              status='OK' if ok else 'MISSED'))
    return ok
