"""Keep libraries' warnings (pydicom's, the SDK's own log records) off the user's stderr unless ``--debug``.

pydicom warns (``warnings.warn`` and its ``pydicom`` logger) about every odd
value of a file it reads; the SDK logs a warning per failed file, which the
command's summary reports already. Without ``--debug`` the command line shows
none of them: Python warnings are ignored, and log records without a handler
go to a ``NullHandler`` instead of Python's "last resort" stderr handler.
Only a root logger that has no handler yet is touched (a program or a test
runner that configured logging keeps its own).
"""

import logging
import warnings

__all__ = ['quiet_libraries']


def quiet_libraries() -> None:
    """Silence Python warnings and unhandled log records for the rest of this run."""
    warnings.simplefilter('ignore')
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.NullHandler())
    for name in ('pydicom',):
        library = logging.getLogger(name)
        for handler in list(library.handlers):
            if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
                library.removeHandler(handler)
