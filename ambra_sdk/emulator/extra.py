"""The ``emulator`` extra: which modules it brings, and a missing one turned into the one-line hint.

Imports nothing heavy (no werkzeug, no pydicom): the package and its command
line use it to turn a missing module into :data:`MISSING_EXTRA` (built by
:func:`ambra_sdk.extras.missing_extra_message`, the one install hint of the
package) instead of a ``ModuleNotFoundError`` traceback.
"""

from __future__ import annotations

from typing import Optional

from ambra_sdk.extras import missing_extra_message

__all__ = ['EXTRA_MODULES', 'MISSING_EXTRA', 'missing_extra', 'extra_error']

#: Top-level modules of the ``emulator`` extra.
EXTRA_MODULES = frozenset({'werkzeug', 'pydicom', 'numpy', 'trustme', 'cryptography', 'wsproto'})
#: The one line said when the ``emulator`` extra is missing (``{0}``: the missing module).
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
