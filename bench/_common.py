"""Helpers shared by the benchmark scripts."""

import json
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
                number: int = 1, statistic: Callable[[List[float]], float] = statistics.median) -> tuple:
    """Median (or ``statistic``) seconds of a and b, measured alternately so that noise hits both."""
    times_a: List[float] = []
    times_b: List[float] = []
    for _ in range(rounds):
        for fn, sink in ((fn_a, times_a), (fn_b, times_b)):
            start = time.perf_counter()
            for _ in range(number):
                fn()
            sink.append((time.perf_counter() - start) / number)
    return statistic(times_a), statistic(times_b)


_PROBE_DOCUMENT = json.dumps({'key{0}'.format(i): [i, 'x' * 20, {'nested': i}] for i in range(200)})


def machine_probe_ms(samples: int = 1) -> float:
    """Process CPU milliseconds of one fixed pure-Python workload (JSON decoding and a loop): the median of ``samples``.

    The CPU speed of a shared machine varies: on the 2-core machine of
    2026-12-06 the same workload took 10 ms or 19 ms (and up to 38 ms) from
    one minute, or one second, to the next (other tenants of the host). It
    is the in-process baseline of the benches' CPU figures: ``bench_addon``
    divides the CPU per file of each round by the probe taken right after it.
    """
    runs = []
    for _ in range(max(1, samples)):
        start = time.process_time()
        for _ in range(100):
            json.loads(_PROBE_DOCUMENT)
        total = 0
        for number in range(100000):
            total += number
        runs.append((time.process_time() - start) * 1000)
    return statistics.median(runs)


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


class PathNotTaken(AssertionError):  # noqa: N818 (reads as what happened)
    """The bench did not time the path it means to time."""


def require(condition: object, message: str) -> None:
    """Stop the bench loudly when the path it times is not the one it means to time.

    :param condition: what must hold.
    :param message: what was expected.
    :raises PathNotTaken: when ``condition`` is false.
    """
    if not condition:
        print('PATH NOT TAKEN: ' + message)
        raise PathNotTaken(message)


class LoopbackServer:
    """A keep-alive HTTP/1.1 server on 127.0.0.1 answering fixed JSON bodies, counting requests.

    ``bodies`` maps the end of a path (``'/schema'``) to the bytes answered to
    a GET or POST of any path ending with it (404 otherwise).
    """

    def __init__(self, bodies: 'dict') -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        owner = self
        self.bodies = dict(bodies)
        self.counts: dict = {}
        self._lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'
            disable_nagle_algorithm = True

            def _answer(self) -> None:
                length = int(self.headers.get('Content-Length') or 0)
                if length:
                    self.rfile.read(length)
                path = self.path.split('?', 1)[0]
                suffix = next((known for known in owner.bodies if path.endswith(known)), '')
                body = owner.bodies.get(suffix, b'{}')
                if suffix:
                    with owner._lock:
                        owner.counts[suffix] = owner.counts.get(suffix, 0) + 1
                self.send_response(200 if suffix else 404)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer  # noqa: N815 (http.server names)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def engine_fqdn(self) -> str:
        """``127.0.0.1:PORT``."""
        return '127.0.0.1:{0}'.format(self._server.server_address[1])

    def count(self, suffix: str) -> int:
        """How many requests were answered with the body of ``suffix``."""
        with self._lock:
            return self.counts.get(suffix, 0)

    def __enter__(self) -> 'LoopbackServer':
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def paired(fn_a: Callable[[], object], fn_b: Callable[[], object], rounds: int = 31,
           number: int = 20) -> tuple:
    """Seconds per call of a and b (medians) and the median of their per-round ratios.

    Each round times ``number`` calls of a and of b back to back (alternating
    which goes first), so a burst of load from other processes hits one round's
    pair, not the ratio of the medians.
    """
    times_a: List[float] = []
    times_b: List[float] = []
    ratios: List[float] = []
    for index in range(rounds):
        pair = {}
        order = ((fn_a, 'a'), (fn_b, 'b')) if index % 2 == 0 else ((fn_b, 'b'), (fn_a, 'a'))
        for fn, name in order:
            start = time.perf_counter()
            for _ in range(number):
                fn()
            pair[name] = (time.perf_counter() - start) / number
        times_a.append(pair['a'])
        times_b.append(pair['b'])
        ratios.append(pair['a'] / pair['b'])
    return statistics.median(times_a), statistics.median(times_b), statistics.median(ratios)
