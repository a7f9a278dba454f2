"""The standard streams of the command line (also those click's test runner puts in place).

``click.get_text_stream`` is deprecated since click 8.5 and typed differently
from one release to the next; the interpreter's own streams are what it
returned on Python 3. Only :mod:`ambra_sdk.cli.output` writes to them.
"""

import sys
from typing import Any, TextIO

__all__ = ['is_terminal', 'text_stream']


def text_stream(name: str) -> TextIO:
    """``sys.stdin``, ``sys.stdout`` or ``sys.stderr`` by name (looked up at each call)."""
    stream: TextIO = getattr(sys, name)
    return stream


def is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is a terminal (False for pipes, files, test runners and closed streams)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
