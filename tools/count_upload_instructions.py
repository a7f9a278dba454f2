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
every upload; 5 s keeps its share per upload near the bench's. The hash
seed is fixed (``tools.callgrind.ENVIRONMENT``); what is left of the noise (about 0.3 M instructions per
upload with 50 uploads between the runs, mostly the garbage collector's full
collections) shrinks with more uploads between the two runs. The emulator
runs in :class:`_emulator.EmulatorProcess` (the benches' runner) under
``tools/callgrind.py`` (its command, environment and totals).

Usage::

    python tools/count_upload_instructions.py                 # 1 and 8 threads, 10 and 160 uploads
    PYTHONPATH=/work/main python tools/count_upload_instructions.py --threads 8   # another tree's emulator
    python tools/count_upload_instructions.py --keep out/     # keep callgrind.out.* for callgrind_annotate
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'bench'))

from _emulator import EmulatorProcess  # type: ignore[import-not-found]  # noqa: E402

from tools import callgrind  # noqa: E402


def _tree() -> Path:
    """The tree whose emulator is measured: the first folder of ``PYTHONPATH``, else this script's."""
    first = os.environ.get('PYTHONPATH', '').split(os.pathsep)[0]
    return Path(first) if first else ROOT


def _upload_all(emulator: Any, paths: List[Path], threads: int, settle: float) -> None:
    """Upload ``paths`` from ``threads`` client threads, then let the processing step run."""
    api = emulator.api()
    namespace = api.Session.user().get().namespace_id
    bodies = [path.read_bytes() for path in paths]

    def one(body: bytes) -> Any:
        return api.Storage.Image.upload(emulator.engine_fqdn, namespace=namespace, opened_file=body, use_box=False)

    with ThreadPoolExecutor(threads) as pool:
        for response in pool.map(one, bodies):
            if response.status_code != 200:
                raise RuntimeError('upload answered {0}'.format(response.status_code))
    time.sleep(settle)


def count(
    paths: List[Path], threads: int, work: Path, network: str, processing_delay: float, settle: float,
    label: str,
) -> int:
    """Total instructions of an emulator run that receives ``paths`` from ``threads`` threads."""
    out_file = work / 'callgrind.out.{0}'.format(label)
    emulator = EmulatorProcess(
        None, network=network or None, tree=_tree(),
        wrapper=callgrind.command(out_file, ()), options=('--processing-delay', str(processing_delay)),
        env=callgrind.ENVIRONMENT,
    )
    try:
        _upload_all(emulator, paths, threads, settle)
    finally:
        emulator.stop(timeout=600)  # SIGTERM: the emulator exits cleanly and callgrind writes its counts
    return callgrind.instructions(out_file)


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
    if not callgrind.available():
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
