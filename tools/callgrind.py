"""Counting a Python process's instructions with ``valgrind --tool=callgrind``: the one runner of the ``count_*`` tools.

Instruction counts do not depend on the load of the shared machine (CPU time
varies about 2x there). :func:`command` prefixes a command with callgrind,
:data:`ENVIRONMENT` holds what makes a count repeatable, and
:func:`instructions` reads the total back (every file callgrind wrote for the
run, when it split its output per thread or process).
"""

import re
import shutil
from pathlib import Path
from typing import Dict, List, Sequence

__all__ = ['ENVIRONMENT', 'available', 'command', 'instructions']

#: Variables of a counted process. A fixed hash seed: the same dict and set layouts, so the same count
#: from run to run. One OpenBLAS thread: numpy's (pydicom imports it) busy-wait after start-up, and
#: under valgrind that spin lasts as long as the slowed run and would be counted.
ENVIRONMENT: Dict[str, str] = {'PYTHONHASHSEED': '0', 'OPENBLAS_NUM_THREADS': '1'}

_TOTAL = re.compile(r'^(?:summary|totals):\s*(\d+)', re.MULTILINE)


def available() -> bool:
    """Whether ``valgrind`` is on the PATH."""
    return shutil.which('valgrind') is not None


def command(out_file: Path, counted: Sequence[str]) -> List[str]:
    """``counted`` run under callgrind, its counts written to ``out_file``."""
    return ['valgrind', '--tool=callgrind', '--callgrind-out-file={0}'.format(out_file), '--dump-instr=no',
            *counted]


def instructions(out_file: Path) -> int:
    """The total instruction count (``Ir``) of a run: the sum over ``out_file`` and the files split from it.

    :raises RuntimeError: callgrind wrote no total.
    """
    totals = [int(match.group(1)) for path in sorted(out_file.parent.glob(out_file.name + '*'))
              for match in [_TOTAL.search(path.read_text(errors='replace'))] if match]
    if not totals:
        raise RuntimeError('no instruction total in {0}'.format(out_file))
    return sum(totals)
