"""Benchmark of the addon's parallel upload and download (a plain script, not a test).

It starts the emulator in a subprocess (``python -m ambra_sdk.emulator``), so
the measured process holds only the client, and makes the emulator add
``--delay`` seconds (20 ms by default) to every request with a fault rule, as
a network round trip would. Then, for each worker count, it uploads
``--files`` DICOM files (copies of pydicom's ``CT_small.dcm`` with new SOP
Instance UIDs) with ``api.Addon.Study.upload_paths`` and downloads them back
with ``api.Addon.Study.download_dir``, printing wall times and the speed-up of
the largest worker count over 1 worker (target: 8 workers at least 5x faster).

It also prints the CPU time per file of each side (the client process, all
its threads, and the emulator process): with 8 workers on 2 cores the run is
CPU-bound, so these decide the speed-up.

Last, it measures the client's peak Python memory (``tracemalloc``) for an
upload + download of ``--small`` and of ``--files`` files with 8 workers:
the transfers' share should not grow with the number of files (files are
streamed and the work queue is bounded); the results returned grow, as they
hold every image's ``attr``. Every phase downloads into a folder of its own.
The exit status is 1 when 8 or more workers are less than 5x faster than 1
worker (the convention of ``bench/run.py``).

The source files, the downloads and the emulator's data live under
``--tmp-dir``, a tmpfs (``/dev/shm``) by default, as in ``bench_transfer.py``:
on ext4, creating a file soon after many were deleted (every phase starts
with a reset that deletes the previous phase's files, and other programs
delete files too) took from 0.03 ms to 0.9 ms of kernel time per upload
here, as the allocator skips recently freed inodes. That noise falls on the
CPU-bound 8-worker phase: with the same code, the emulator's CPU per
uploaded file with 8 workers was 2.7-4.0 ms on ext4 and 2.2-2.4 ms on tmpfs
in 5 interleaved runs. Pass ``--tmp-dir /tmp`` to measure on disk.

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
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ambra_sdk.api import Api  # noqa: E402


def write_dicoms(folder: Path, count: int) -> List[Path]:
    """Write ``count`` DICOM files of one new study into ``folder``."""
    from tests.helpers.dicoms import write_dicoms as write

    return write(folder, count, digits=5)


def default_tmp_dir() -> Optional[str]:
    """``/dev/shm`` when it is a writable folder (a tmpfs on Linux), else None (the system default)."""
    shm = '/dev/shm'
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


class EmulatorProcess:
    """``python -m ambra_sdk.emulator`` in a subprocess, driven by its control API.

    :param data_dir: the emulator's ``--data`` folder (its own temporary folder when None).
    """

    def __init__(self, data_dir: Optional[Path] = None) -> None:
        command = [sys.executable, '-m', 'ambra_sdk.emulator']
        if data_dir is not None:
            command += ['--data', str(data_dir)]
        self.process = subprocess.Popen(
            command,
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
        #: The banner's ``key: value`` lines (username, password, control_token, ...) and the url.
        self.info: Dict[str, str] = {'url': self.url}
        for line in iter(self.process.stdout.readline, ''):
            if line.startswith('Press Ctrl-C'):
                break
            key, sep, value = line.strip().partition(': ')
            if sep:
                self.info[key] = value.split()[0]
        self.control_headers = {'X-Ambra-Emulator-Token': self.info['control_token']}

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.root + path, data=data, method=method, headers=self.control_headers)
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


class Phase(NamedTuple):
    """Wall time and CPU time of one transfer (seconds)."""

    wall: float
    client_cpu: float
    emulator_cpu: float


class Timing(NamedTuple):
    """The upload and the download of one :func:`run_once`."""

    upload: Phase
    download: Phase


class _Clock:
    """Wall time and the CPU time of both processes since creation."""

    def __init__(self, emulator: EmulatorProcess) -> None:
        self._emulator = emulator
        self._start = (time.perf_counter(), time.process_time(), emulator.cpu_seconds())

    def phase(self) -> Phase:
        """The wall and CPU seconds spent since this clock was made."""
        wall, client, server = self._start
        return Phase(
            time.perf_counter() - wall, time.process_time() - client, self._emulator.cpu_seconds() - server,
        )


def run_once(
    emulator: EmulatorProcess, paths: List[Path], workers: int, delay: float, out: Path, keep: Any = None,
) -> Timing:
    """Upload ``paths`` and download them back into ``out``.

    :param out: a folder that does not exist yet (a second download into the
        same folder would find every file there and skip it).
    :param keep: a list that receives the upload and download results.
    :return: the timing of both transfers.
    """
    if out.exists():
        raise ValueError('{0} exists: every download needs a folder of its own'.format(out))
    emulator.reset(delay)
    api = emulator.api()
    namespace_id = api.Session.user().get().namespace_id
    clock = _Clock(emulator)
    result = api.Addon.Study.upload_paths(dicom_paths=paths, namespace_id=namespace_id, max_workers=workers)
    upload = clock.phase()
    assert len(result.uploaded) == len(paths), result
    study_uid = result.images_params[0].study_uid
    clock = _Clock(emulator)
    downloaded = api.Addon.Study.download_dir(
        study_uid=study_uid, namespace_id=namespace_id, dest_dir=out, max_workers=workers,
    )
    download = clock.phase()
    assert len(downloaded.downloaded) == len(paths), downloaded
    if keep is not None:
        keep.extend([result, downloaded])
    api.logout()
    return Timing(upload, download)


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
    parser.add_argument('--tmp-dir', default=default_tmp_dir(),
                        help='where the files, the downloads and the emulator data go (default: /dev/shm, a '
                             'tmpfs, when there is one; see the module docstring)')
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix='ambra-bench-', dir=args.tmp_dir))
    emulator = EmulatorProcess(work / 'emulator')
    try:
        paths = write_dicoms(work / 'src', args.files)
        size_mib = sum(path.stat().st_size for path in paths) / (1024 * 1024)
        print('{0} files ({1:.1f} MiB), {2:.0f} ms added to every request, emulator {3}, files in {4}'.format(
            len(paths), size_mib, args.delay * 1000, emulator.url, work,
        ))
        times: Dict[int, Timing] = {}
        for workers in args.workers:
            times[workers] = timing = run_once(
                emulator, paths, workers, args.delay, work / 'dl-{0}-workers'.format(workers),
            )
            print('  workers={0:<3} upload {1:7.2f} s ({2:6.1f} files/s)   download {3:7.2f} s ({4:6.1f} files/s)'
                  .format(workers, timing.upload.wall, len(paths) / timing.upload.wall,
                          timing.download.wall, len(paths) / timing.download.wall))
            print('              CPU per file: upload client {0:.2f} ms, emulator {1:.2f} ms;'
                  ' download client {2:.2f} ms, emulator {3:.2f} ms'.format(
                      *(1000 * cpu / len(paths) for cpu in (
                          timing.upload.client_cpu, timing.upload.emulator_cpu,
                          timing.download.client_cpu, timing.download.emulator_cpu,
                      ))))
        low, high = min(times), max(times)
        missed = False
        if low != high:
            up_ratio = times[low].upload.wall / times[high].upload.wall
            down_ratio = times[low].download.wall / times[high].download.wall
            missed = high >= 8 and min(up_ratio, down_ratio) < 5
            target = 'below the 5x target' if missed else 'OK'
            print('  speed-up {0} -> {1} workers: upload {2:.1f}x, download {3:.1f}x ({4})'.format(
                low, high, up_ratio, down_ratio, target,
            ))
            print('  (the emulator serves requests in one Python process: when its CPU time nears the wall'
                  ' time, it is the limit, not the client; {0} CPUs here)'.format(os.cpu_count()))
        workers = max(args.workers)
        print('  client memory (tracemalloc, {0} workers): peak / held by the returned results'.format(workers))
        for phase, count in enumerate((min(args.small, len(paths)), len(paths))):
            out = work / 'mem-{0}-{1}-files'.format(phase, count)  # equal counts must not share a folder
            peak, held = peak_memory(emulator, paths[:count], workers, args.delay, out)
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
