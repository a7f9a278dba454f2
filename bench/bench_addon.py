"""Benchmark of the addon's parallel upload and download (a plain script, not a test).

It starts the emulator in a subprocess (``python -m ambra_sdk.emulator``), so
the measured process holds only the client, and makes the emulator add
``--delay`` seconds (20 ms by default) to every request with a fault rule, as
a network round trip would. Then, for each worker count, it uploads
``--files`` DICOM files (copies of pydicom's ``CT_small.dcm`` with new SOP
Instance UIDs) with ``api.Addon.Study.upload_paths`` and downloads them back
with ``api.Addon.Study.download_dir``, printing wall times and the speed-up of
the largest worker count over 1 worker (target: 8 workers at least 5x faster).

Last, it measures the client's peak Python memory (``tracemalloc``) for an
upload + download of ``--small`` and of ``--files`` files with 8 workers:
the transfers' share should not grow with the number of files (files are
streamed and the work queue is bounded); the results returned grow, as they
hold every image's ``attr``. The exit status is 1 when 8 or more workers are
less than 5x faster than 1 worker (the convention of ``bench/run.py``).

Usage::

    python bench/bench_addon.py                    # 500 files, 1 and 8 workers, 20 ms
    python bench/bench_addon.py --files 200 --workers 1 4 8 --delay 0.01
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ambra_sdk.api import Api  # noqa: E402


def write_dicoms(folder: Path, count: int) -> List[Path]:
    """Write ``count`` DICOM files of one new study into ``folder``."""
    from tests.helpers.dicoms import write_dicoms as write

    return write(folder, count, digits=5)


class EmulatorProcess:
    """``python -m ambra_sdk.emulator`` in a subprocess, driven by its control API."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, '-m', 'ambra_sdk.emulator'],
            cwd=str(ROOT),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, 'PYTHONPATH': str(ROOT)},
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        if 'listening on' not in first:
            self.stop()
            raise RuntimeError('the emulator did not start: {0!r}'.format(first))
        self.url = first.split('listening on', 1)[1].strip()
        self.root = self.url.split('/api/v3')[0]
        self.info = self._call('GET', '/_emulator/info')

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.root + path, data=data, method=method)
        if data is not None:
            request.add_header('Content-Type', 'application/json')
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return json.loads(response.read() or b'null')

    def reset(self, delay: float) -> None:
        """Fresh state, and ``delay`` seconds added to every request."""
        self._call('POST', '/_emulator/reset')
        if delay:
            self._call('POST', '/_emulator/faults', {'path_pattern': '*', 'delay': delay, 'times': None})

    def api(self) -> Any:
        """A logged-in Api talking to this emulator (no client-side rate limits)."""
        api = Api.with_creds(
            self.info['url'], self.info['username'], self.info['password'],
            storage_base_url='http://{engine_fqdn}/api/v3/storage', rate_limits=None,
        )
        api.get_sid()
        return api

    def cpu_seconds(self) -> float:
        """CPU time used by the emulator process so far (Linux; 0.0 elsewhere)."""
        try:
            with open('/proc/{0}/stat'.format(self.process.pid)) as stat:
                fields = stat.read().rsplit(')', 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')

    def stop(self) -> None:
        """Stop the subprocess."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def run_once(
    emulator: EmulatorProcess, paths: List[Path], workers: int, delay: float, out: Path, keep: Any = None,
) -> Tuple[float, float, float, float]:
    """Upload ``paths`` and download them back.

    :param keep: a list that receives the upload and download results.
    :return: ``(upload_s, download_s, emulator_cpu_upload_s, emulator_cpu_download_s)``.
    """
    emulator.reset(delay)
    api = emulator.api()
    namespace_id = api.Session.user().get().namespace_id
    start, cpu = time.perf_counter(), emulator.cpu_seconds()
    result = api.Addon.Study.upload_paths(dicom_paths=paths, namespace_id=namespace_id, max_workers=workers)
    upload_s, upload_cpu = time.perf_counter() - start, emulator.cpu_seconds() - cpu
    assert len(result.uploaded) == len(paths), result
    study_uid = result.images_params[0].study_uid
    start, cpu = time.perf_counter(), emulator.cpu_seconds()
    downloaded = api.Addon.Study.download_dir(
        study_uid=study_uid, namespace_id=namespace_id, dest_dir=out, max_workers=workers,
    )
    download_s, download_cpu = time.perf_counter() - start, emulator.cpu_seconds() - cpu
    assert len(downloaded.downloaded) == len(paths), downloaded
    if keep is not None:
        keep.extend([result, downloaded])
    api.logout()
    return upload_s, download_s, upload_cpu, download_cpu


def peak_memory(
    emulator: EmulatorProcess, paths: List[Path], workers: int, delay: float, out: Path,
) -> Tuple[float, float]:
    """Peak Python memory of the client during an upload + download, and what the results hold (MiB).

    The results are part of the peak: ``UploadResult.images_params`` keeps the
    storage's ``attr`` (every tag of the image, as the reference did).
    """
    tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        results: List[Any] = []
        run_once(emulator, paths, workers, delay, out, keep=results)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    mib = 1024 * 1024
    return (peak - baseline) / mib, (current - baseline) / mib


def main() -> int:
    """Run the benchmark and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--files', type=int, default=500)
    parser.add_argument('--small', type=int, default=100, help='file count of the smaller memory run')
    parser.add_argument('--workers', type=int, nargs='+', default=[1, 8])
    parser.add_argument('--delay', type=float, default=0.02, help='seconds added to every request')
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix='ambra-bench-'))
    emulator = EmulatorProcess()
    try:
        paths = write_dicoms(work / 'src', args.files)
        size_mib = sum(path.stat().st_size for path in paths) / (1024 * 1024)
        print('{0} files ({1:.1f} MiB), {2:.0f} ms added to every request, emulator {3}'.format(
            len(paths), size_mib, args.delay * 1000, emulator.url,
        ))
        times: Dict[int, Tuple[float, float, float, float]] = {}
        for workers in args.workers:
            times[workers] = run_once(emulator, paths, workers, args.delay, work / 'dl-{0}'.format(workers))
            upload_s, download_s, upload_cpu, download_cpu = times[workers]
            print('  workers={0:<3} upload {1:7.2f} s ({2:6.1f} files/s)   download {3:7.2f} s ({4:6.1f} files/s)'
                  .format(workers, upload_s, len(paths) / upload_s, download_s, len(paths) / download_s))
            print('              emulator CPU: upload {0:6.2f} s, download {1:6.2f} s'.format(
                upload_cpu, download_cpu,
            ))
        low, high = min(times), max(times)
        missed = False
        if low != high:
            up_ratio = times[low][0] / times[high][0]
            down_ratio = times[low][1] / times[high][1]
            missed = high >= 8 and min(up_ratio, down_ratio) < 5
            target = 'below the 5x target' if missed else 'OK'
            print('  speed-up {0} -> {1} workers: upload {2:.1f}x, download {3:.1f}x ({4})'.format(
                low, high, up_ratio, down_ratio, target,
            ))
            print('  (the emulator serves requests in one Python process: when its CPU time nears the wall'
                  ' time, it is the limit, not the client; {0} CPUs here)'.format(os.cpu_count()))
        workers = max(args.workers)
        print('  client memory (tracemalloc, {0} workers): peak / held by the returned results'.format(workers))
        for count in (min(args.small, len(paths)), len(paths)):
            peak, held = peak_memory(emulator, paths[:count], workers, args.delay, work / 'mem-{0}'.format(count))
            print('    {0:5d} files: peak {1:6.1f} MiB, results {2:6.1f} MiB, transfers {3:5.1f} MiB'.format(
                count, peak, held, peak - held,
            ))
        try:
            import resource  # POSIX only
        except ImportError:
            return 1 if missed else 0
        usage = resource.getrusage(resource.RUSAGE_SELF)
        print('  ru_maxrss of the client process: {0:.0f} MiB'.format(usage.ru_maxrss / 1024))
    finally:
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 1 if missed else 0  # bench/run.py convention: non-zero when a target is missed


if __name__ == '__main__':
    sys.exit(main())
