"""The emulator's instructions per uploaded file, counted by callgrind (issue 26 point 4; a profiling aid).

Not a bench and not a test: it has no target. CPU time on the shared
2-core machine varies about 2x from one second to the next, so the
emulator's CPU per upload is measured here in instructions, which do not
depend on the load: ``valgrind --tool=callgrind`` runs
``python -m ambra_sdk.emulator`` (the tree of this script, or of
``PYTHONPATH``) and counts every instruction of the process (``Ir``).

Per client thread count (``--threads``, 1 and 8 by default) the emulator is
run twice, once with ``--few`` and once with ``--many`` uploads of the slices
of one CT series (:func:`tests.helpers.dicoms.write_series`, as
``bench/bench_addon.py`` uploads them: ``POST /storage/namespace/<ns>/image``
through ``Storage.Image.upload``); start-up, login and shutdown are the
same in both, so ``(Ir(many) - Ir(few)) / (many - few)`` is the count per
upload, the processing step's share included (the driver waits for the
emulator's processing before it stops it). The processing step runs
``--processing-delay`` seconds after the study's last upload: under
callgrind (about 50x slower) the default 0.2 s would run it after nearly
every upload; 5 s keeps its share per upload near the bench's. Run with
``PYTHONHASHSEED=0``; what is left of the noise (about 0.3 M instructions per
upload with 50 uploads between the runs, mostly the garbage collector's full
collections) shrinks with more uploads between the two runs.

Usage::

    python tools/count_upload_instructions.py                 # 1 and 8 threads, 10 and 160 uploads
    PYTHONPATH=/work/main python tools/count_upload_instructions.py --threads 8   # another tree's emulator
    python tools/count_upload_instructions.py --keep out/     # keep callgrind.out.* for callgrind_annotate
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: Callgrind's summary line in its output file.
_SUMMARY = re.compile(r'^(?:summary|totals):\s*(\d+)', re.MULTILINE)


def _tree() -> Path:
    """The tree whose emulator is measured: the first folder of ``PYTHONPATH``, else this script's."""
    first = os.environ.get('PYTHONPATH', '').split(os.pathsep)[0]
    return Path(first) if first else ROOT


class _Emulator:
    """``python -m ambra_sdk.emulator`` under callgrind, its banner read."""

    def __init__(self, out_file: Path, network: str, processing_delay: float) -> None:
        command = [
            'valgrind', '--tool=callgrind', '--callgrind-out-file={0}'.format(out_file), '--dump-instr=no',
            sys.executable, '-m', 'ambra_sdk.emulator', '--port', '0',
            '--processing-delay', str(processing_delay),
        ]
        if network:
            command += ['--network', network]
        tree = _tree()
        env = {**os.environ, 'PYTHONPATH': str(tree)}
        self.process = subprocess.Popen(
            command, cwd=str(tree),  # ``-m`` puts the working folder first on sys.path
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
        )
        assert self.process.stdout is not None
        self.info: Dict[str, str] = {}
        for line in iter(self.process.stdout.readline, ''):
            if 'listening on' in line:
                self.info['url'] = line.split('listening on', 1)[1].strip()
            elif line.startswith('Press Ctrl-C'):
                break
            else:
                key, sep, value = line.strip().partition(': ')
                if sep:
                    self.info[key] = value.split()[0]
        if 'url' not in self.info:
            self.stop()
            raise RuntimeError('the emulator did not start under callgrind')

    def stop(self) -> None:
        """SIGTERM (the emulator exits cleanly and callgrind writes its counts), then wait."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=600)


def _upload_all(emulator: _Emulator, paths: List[Path], threads: int, settle: float) -> None:
    """Upload ``paths`` from ``threads`` client threads, then let the processing step run."""
    from ambra_sdk.api import Api

    url = emulator.info['url']
    api = Api.with_creds(
        url, emulator.info['username'], emulator.info['password'],
        storage_base_url='http://{engine_fqdn}/api/v3/storage', rate_limits=None,
    )
    namespace = api.Session.user().get().namespace_id
    fqdn = url.split('://', 1)[1].split('/', 1)[0]
    bodies = [path.read_bytes() for path in paths]

    def one(body: bytes) -> Any:
        return api.Storage.Image.upload(fqdn, namespace=namespace, opened_file=body, use_box=False)

    with ThreadPoolExecutor(threads) as pool:
        for response in pool.map(one, bodies):
            if response.status_code != 200:
                raise RuntimeError('upload answered {0}'.format(response.status_code))
    time.sleep(settle)


def _instructions(out_file: Path) -> int:
    """The total ``Ir`` of a callgrind output file (every thread's file when split)."""
    total = 0
    for path in sorted(out_file.parent.glob(out_file.name + '*')):
        match = _SUMMARY.search(path.read_text(errors='replace'))
        if match:
            total += int(match.group(1))
    return total


def count(
    paths: List[Path], threads: int, work: Path, network: str, processing_delay: float, settle: float,
    label: str,
) -> int:
    """Total instructions of an emulator run that receives ``paths`` from ``threads`` threads."""
    out_file = work / 'callgrind.out.{0}'.format(label)
    emulator = _Emulator(out_file, network, processing_delay)
    try:
        _upload_all(emulator, paths, threads, settle)
    finally:
        emulator.stop()
    return _instructions(out_file)


def main(argv: Optional[List[str]] = None) -> int:
    """Print the emulator's instructions per upload for each thread count."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--threads', type=int, nargs='+', default=[1, 8], help='client threads (default 1 8)')
    parser.add_argument('--few', type=int, default=10, help='uploads of the short run (default 10)')
    parser.add_argument('--many', type=int, default=160, help='uploads of the long run (default 160)')
    parser.add_argument('--network', default='rtt=20ms', help="the emulator's network profile (default rtt=20ms)")
    parser.add_argument('--processing-delay', type=float, default=5.0, help='seconds (default 5, see above)')
    parser.add_argument('--keep', type=Path, help='keep the callgrind output files in this folder')
    args = parser.parse_args(argv)
    if shutil.which('valgrind') is None:
        parser.error('valgrind is not installed')
    from tests.helpers.dicoms import write_series

    # byte-compile first: the first run would otherwise count the compilation of the tree's modules
    subprocess.run([sys.executable, '-m', 'compileall', '-q', str(_tree() / 'ambra_sdk')], check=False)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        paths = write_series(Path(tmp) / 'series', args.many, digits=5)
        settle = args.processing_delay + 3.0
        for threads in args.threads:
            few = count(paths[:args.few], threads, work, args.network, args.processing_delay, settle,
                        '{0}t{1}'.format(threads, args.few))
            many = count(paths, threads, work, args.network, args.processing_delay, settle,
                         '{0}t{1}'.format(threads, args.many))
            per_upload = (many - few) / (args.many - args.few)
            print('{0} thread(s): Ir {1:,} ({2} uploads), {3:,} ({4} uploads): {5:,.0f} instructions per upload'.format(
                threads, few, args.few, many, args.many, per_upload), flush=True)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
