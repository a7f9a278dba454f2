"""The ``emulator`` extra: which modules it brings and the one line saying how to install it.

Imports nothing heavy (no werkzeug, no pydicom): the package, its command
line and its pytest plugin use it to turn a missing module into
:data:`MISSING_EXTRA` instead of a ``ModuleNotFoundError`` traceback. The
install command comes from :func:`ambra_sdk.extras.install_command` (this
package, never the published ``ambra-sdk`` of the same name).
"""

from __future__ import annotations

from typing import Optional

from ambra_sdk.extras import install_command as _install_command
from ambra_sdk.extras import missing_extra_message

__all__ = ['EXTRA_MODULES', 'MISSING_EXTRA', 'install_command', 'missing_extra', 'extra_error']

#: Top-level modules of the ``emulator`` extra.
EXTRA_MODULES = frozenset({'werkzeug', 'pydicom', 'numpy', 'trustme', 'cryptography', 'wsproto'})


def install_command(extra: str = 'emulator') -> str:
    """The command that installs ``extra`` for this package (:func:`ambra_sdk.extras.install_command`)."""
    return _install_command(extra)


#: The one line printed when the ``emulator`` extra is missing (``{0}``: the missing module).
MISSING_EXTRA = missing_extra_message('emulator', 'The Ambra emulator').replace('{', '{{').replace('}', '}}') + (
    ' (missing module: {0})'
)


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
