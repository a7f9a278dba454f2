"""Client instructions per uploaded file, counted by callgrind (issue 26 point 4; a profiling aid, not a bench).

CPU time on the shared 2-core machine varies about 2x from one second to
the next; an instruction count does not. This script runs the client under
``valgrind --tool=callgrind`` (the emulator runs in a subprocess, NOT under
valgrind: :class:`_emulator.EmulatorProcess`) doing N uploads, twice, with
``N1`` and ``N2`` files: ``(instructions(N2) - instructions(N1)) / (N2 - N1)``
is the client's instructions per file, start-up (imports, login, the study's
``/study/add`` and ``/study/sync``) cancelled out.

Two workloads, both on the slices of one series (``tests.helpers.dicoms.write_series``):

* ``seq``: ``StudyUploader._process`` in a loop on one thread (the per-file
  work of the folder uploader: header probe, bookkeeping, ``Dicom.upload``);
* ``workers``: ``api.Addon.Study.upload_paths`` with ``--workers`` workers
  (8 by default: the bench's figure; valgrind runs one thread at a time, so
  the count includes the pool's hand-offs but not the real machine's lock
  contention).

Each count is printed with the command that made it. To compare two trees,
run the script with ``PYTHONPATH`` naming one tree then the other (the client
imports the ``ambra_sdk`` of ``PYTHONPATH``). ``--keep DIR`` keeps the
callgrind files (``callgrind_annotate`` reads them).

Usage::

    python tools/count_client_instructions.py                    # both workloads, 40 and 160 files
    python tools/count_client_instructions.py --modes seq --counts 50 250
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))  # after PYTHONPATH: the tree it names is the client measured

sys.path.insert(0, str(ROOT / 'tools'))  # this checkout's runner, whatever tree PYTHONPATH names
import callgrind  # type: ignore[import-not-found]  # noqa: E402

_INFO_VARIABLE = 'AMBRA_COUNT_EMULATOR'


def _child(mode: str, folder: Path, count: int, workers: int) -> None:
    """The measured process: ``count`` uploads of the first files of ``folder`` (run under valgrind)."""
    from ambra_sdk.addon.dicom_io import read_header
    from ambra_sdk.addon.upload import StudyUploader
    from ambra_sdk.api import Api

    info = json.loads(os.environ[_INFO_VARIABLE])
    paths = sorted(folder.iterdir())[:count]
    api = Api.with_creds(
        info['url'], info['username'], info['password'],
        storage_base_url='http://{engine_fqdn}/api/v3/storage', rate_limits=None,
    )
    namespace = api.Session.user().get().namespace_id
    if mode == 'seq':
        uploader = StudyUploader(api, namespace, 1, 0, None)
        uploader._study(read_header(paths[0]))  # noqa: SLF001 (the study and engine of the run)
        api.Storage  # noqa: B018
        for path in paths:
            outcome = uploader._process((0, path, None, None))  # noqa: SLF001
            if outcome[0] != 'uploaded':
                raise RuntimeError('the upload failed: {0!r}'.format(outcome))
    else:
        result = api.Addon.Study.upload_paths(dicom_paths=paths, namespace_id=namespace, max_workers=workers)
        if len(result.uploaded) != len(paths):
            raise RuntimeError('{0} of {1} files uploaded'.format(len(result.uploaded), len(paths)))
    api.logout()


def _count(mode: str, folder: Path, count: int, workers: int, info: Dict[str, str], out: Path) -> int:
    command = callgrind.command(out, [
        sys.executable, str(Path(__file__).resolve()), '--child', mode, '--folder', str(folder),
        '--count', str(count), '--workers', str(workers),
    ])
    env = {**os.environ, _INFO_VARIABLE: json.dumps(info), **callgrind.ENVIRONMENT}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError('the client failed ({0}): {1}'.format(done.returncode, done.stderr[-3000:]))
    return callgrind.instructions(out)


def main(argv: Optional[List[str]] = None) -> int:
    """Count and print the client's instructions per uploaded file."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--modes', nargs='+', choices=('seq', 'workers'), default=['seq', 'workers'])
    parser.add_argument('--counts', nargs=2, type=int, default=[40, 160], metavar=('N1', 'N2'))
    parser.add_argument('--workers', type=int, default=8)
    parser.add_argument('--network', default='', help='emulator network profile (default: loopback as is)')
    parser.add_argument('--keep', type=Path, help='keep the callgrind files in this folder')
    parser.add_argument('--child', choices=('seq', 'workers'), help=argparse.SUPPRESS)
    parser.add_argument('--folder', type=Path, help=argparse.SUPPRESS)
    parser.add_argument('--count', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.folder, args.count, args.workers)
        return 0
    if not callgrind.available():
        print('valgrind is not installed', file=sys.stderr)
        return 2
    first, second = args.counts
    if not 0 < first < second:
        parser.error('--counts needs 0 < N1 < N2')
    sys.path.insert(0, str(ROOT / 'bench'))
    from _emulator import EmulatorProcess  # type: ignore[import-not-found]

    from tests.helpers.dicoms import write_series

    work = Path(tempfile.mkdtemp(prefix='ambra-count-'))
    keep = args.keep or work
    keep.mkdir(parents=True, exist_ok=True)
    try:
        folder = work / 'series'
        write_series(folder, second, digits=5)
        with EmulatorProcess(work / 'emulator', network=args.network or None) as emulator:
            info = {key: emulator.info[key] for key in ('url', 'username', 'password')}
            for mode in args.modes:
                totals = []
                for count in (first, second):
                    emulator.reset()
                    out = keep / 'callgrind.{0}.{1}.out'.format(mode, count)
                    totals.append(_count(mode, folder, count, args.workers, info, out))
                per_file = (totals[1] - totals[0]) / (second - first)
                label = mode if mode == 'seq' else 'workers={0}'.format(args.workers)
                print('{0:<10} {1:>12,.0f} instructions per file  (N={2}: {3:,}; N={4}: {5:,})'.format(
                    label, per_file, first, totals[0], second, totals[1]), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
