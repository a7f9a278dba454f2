"""The ``emulator`` extra: which modules it brings and the one line saying how to install it.

Imports nothing heavy (no werkzeug, no pydicom): the package, its command
line and its pytest plugin use it to turn a missing module into
:data:`MISSING_EXTRA` instead of a ``ModuleNotFoundError`` traceback.

The hint installs THIS package (the checkout it runs from, else ``.`` in the
ambra-sdk checkout), never the published ``ambra-sdk`` of the same name.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Optional

__all__ = ['EXTRA_MODULES', 'MISSING_EXTRA', 'install_command', 'missing_extra', 'extra_error']

#: Top-level modules of the ``emulator`` extra.
EXTRA_MODULES = frozenset({'werkzeug', 'pydicom', 'numpy', 'trustme', 'cryptography', 'wsproto'})


def install_command(extra: str = 'emulator') -> str:
    """``pip install '<checkout>[extra]'`` for the checkout this package runs from, else ``'.[extra]'``."""
    root = Path(__file__).resolve().parents[2]
    if (root / 'setup.py').is_file() and (root / 'ambra_sdk').is_dir():
        return 'pip install {0}'.format(shlex.quote('{0}[{1}]'.format(root, extra)))
    return "pip install '.[{0}]' (in the ambra-sdk checkout)".format(extra)


#: The one line printed when the ``emulator`` extra is missing (``{0}``: the missing module).
MISSING_EXTRA = 'The Ambra emulator needs the emulator extra: ' + install_command() + ' (missing module: {0})'


def missing_extra(error: ImportError) -> Optional[str]:
    """The top-level module of the ``emulator`` extra that ``error`` is about, if any."""
    name = (getattr(error, 'name', None) or '').split('.')[0]
    return name if name in EXTRA_MODULES else None


def extra_error(error: ImportError) -> ImportError:
    """``error`` when it is not about the extra, else an ImportError whose message is :data:`MISSING_EXTRA`."""
    missing = missing_extra(error)
    if missing is None:
        return error
    return ImportError(MISSING_EXTRA.format(missing), name=missing)
