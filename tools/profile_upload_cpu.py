"""Client CPU per uploaded file, piece by piece (issue 26 point 4; a profiling aid, not a bench or a test).

It lives in ``tools/``, not ``bench/``: it times internal pieces of the
upload (a bench times the public call a user makes: ``bench/bench_addon.py``
does, with its targets), and it has no target of its own.

The emulator runs in a subprocess (:mod:`_emulator`), so this process holds
only the client. Two measures, both in process CPU time
(``time.process_time``: every thread of the client):

1. ``--pieces``: the per-file work run sequentially (one thread, loopback),
   in interleaved rounds: the header probe (``upload.probe``), the SDK's
   upload of the file (``Storage.Image.upload`` + the JSON decoding), a raw
   ``requests`` post of the same file to the same URL (the floor the SDK's
   HTTP path is compared with), and the whole per-file work of the folder
   uploader (``StudyUploader._process``: probe, bookkeeping, upload).
2. ``--workers``: ``api.Addon.Study.upload_paths`` of ``--files`` files
   behind ``--network`` (``rtt=20ms`` by default, as ``bench_addon``), per
   worker count: CPU per file, and the voluntary and involuntary context
   switches per file (``getrusage``: blocking waits, GIL hand-overs,
   preemption by other processes).

To compare two trees, run this script with ``PYTHONPATH`` set to one tree
then the other, alternating: the client imports the ``ambra_sdk`` of
``PYTHONPATH`` when set (the emulator is this script's tree's, the same
server for both); the machine is shared, so only medians of interleaved
runs mean anything.

Usage::

    python tools/profile_upload_cpu.py                       # both measures
    python tools/profile_upload_cpu.py --workers 8 --runs 3  # 3 runs of the 8-worker upload
"""

import argparse
import io
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))  # after PYTHONPATH: the tree it names is the client measured
import ambra_sdk  # noqa: E402,F401  (imported before _emulator puts this tree first)

sys.path.insert(0, str(ROOT / 'bench'))
from _emulator import EmulatorProcess  # type: ignore[import-not-found]  # noqa: E402


def _pieces(emulator: EmulatorProcess, paths: List[Path], rounds: int) -> None:
    import requests

    from ambra_sdk.addon import upload as upload_module
    from ambra_sdk.addon.dicom_io import read_header
    from ambra_sdk.addon.upload import StudyUploader, probe
    from ambra_sdk.storage.response import json_body

    emulator.reset()
    api = emulator.api()
    namespace = api.Session.user().get().namespace_id
    uploader = StudyUploader(api, namespace, 1, 0, None)
    uploader._study(read_header(paths[0]))  # noqa: SLF001 (the study and engine of the run)
    fqdn = uploader._engine_fqdn  # noqa: SLF001
    prepared = api.Storage.Image.upload(fqdn, namespace=namespace, opened_file=io.BytesIO(b''), only_prepare=True)
    raw = requests.Session()
    raw.trust_env = False

    def sdk_upload(path: Path) -> None:
        with open(path, 'rb') as dicom_file:
            json_body(api.Storage.Image.upload(fqdn, namespace=namespace, opened_file=dicom_file, use_box=False))

    def raw_post(path: Path) -> None:
        with open(path, 'rb') as dicom_file:
            response = raw.post(prepared.url, params={'sid': api.get_sid()}, data=dicom_file, timeout=(10, 120))
        if response.status_code != 200:
            raise RuntimeError('the raw post failed: {0}'.format(response.status_code))
        response.json()

    blank = (None, None) if hasattr(upload_module, 'probe_content') else (None,)  # items before 2026-12-06: 3

    def process(path: Path) -> None:
        uploader._seen.clear()  # noqa: SLF001 (the same files again)
        outcome = uploader._process((0, path, *blank))  # noqa: SLF001
        if outcome[0] != 'uploaded':
            raise RuntimeError('the upload failed: {0!r}'.format(outcome))

    works: Dict[str, Callable[[Path], Any]] = {
        'header probe': probe, 'SDK upload (Storage.Image.upload + JSON)': sdk_upload,
        'raw requests post + json': raw_post, 'whole per-file work (_process)': process,
    }
    times: Dict[str, List[float]] = {name: [] for name in works}
    for work in works.values():
        for path in paths[:20]:
            work(path)  # warm-up (connections, caches)
    for _ in range(rounds):
        for name, work in works.items():
            start = time.process_time()
            for path in paths:
                work(path)
            times[name].append((time.process_time() - start) * 1e6 / len(paths))
    print('sequential, loopback, {0} files x {1} interleaved rounds (process CPU per file):'.format(len(paths), rounds))
    for name, values in times.items():
        print('  {0:<42} median {1:7.1f} us  ({2})'.format(
            name, statistics.median(values), ' '.join('{0:.0f}'.format(value) for value in values)))


def _workers(emulator: EmulatorProcess, paths: List[Path], workers: List[int], runs: int) -> None:
    print('upload_paths, {0} files, network {1!r}:'.format(len(paths), str(emulator.profile)))
    for _ in range(runs):
        for count in workers:
            emulator.reset()
            api = emulator.api()
            namespace = api.Session.user().get().namespace_id
            before, cpu, wall = resource.getrusage(resource.RUSAGE_SELF), time.process_time(), time.perf_counter()
            result = api.Addon.Study.upload_paths(dicom_paths=paths, namespace_id=namespace, max_workers=count)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            after = resource.getrusage(resource.RUSAGE_SELF)
            if len(result.uploaded) != len(paths):
                raise RuntimeError('{0} of {1} files uploaded'.format(len(result.uploaded), len(paths)))
            print('  workers={0:<2} CPU per file {1:.3f} ms (user {2:.3f}, system {3:.3f}), {4:.2f} s, context '
                  'switches per file: voluntary {5:.1f}, involuntary {6:.1f}'.format(
                      count, cpu * 1000 / len(paths), (after.ru_utime - before.ru_utime) * 1000 / len(paths),
                      (after.ru_stime - before.ru_stime) * 1000 / len(paths), wall,
                      (after.ru_nvcsw - before.ru_nvcsw) / len(paths),
                      (after.ru_nivcsw - before.ru_nivcsw) / len(paths)), flush=True)
            api.logout()


def main() -> int:
    """Run the measures and print them."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--files', type=int, default=500)
    parser.add_argument('--pieces', type=int, default=5, metavar='ROUNDS',
                        help='interleaved rounds of the sequential pieces (0: skip)')
    parser.add_argument('--workers', type=int, nargs='*', default=[8])
    parser.add_argument('--runs', type=int, default=3, help='runs of the upload per worker count')
    parser.add_argument('--network', default='rtt=20ms')
    parser.add_argument('--tmp-dir', default='/dev/shm' if Path('/dev/shm').is_dir() else None)
    args = parser.parse_args()
    from tests.helpers.dicoms import write_dicoms

    work = Path(tempfile.mkdtemp(prefix='ambra-bench-', dir=args.tmp_dir))
    try:
        paths = write_dicoms(work / 'src', args.files, digits=5)
        if args.pieces:
            with EmulatorProcess(work / 'emulator-loopback') as emulator:
                _pieces(emulator, paths[:min(300, len(paths))], args.pieces)
        if args.workers:
            with EmulatorProcess(work / 'emulator-network', network=args.network) as emulator:
                _workers(emulator, paths, args.workers, args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
