"""File names for UIDs a server sends: THE mapping of the download helpers.

:func:`safe_name` turns any UID into one path component:

* injective: two distinct UIDs never get one name, also on a case-insensitive
  file system (macOS, Windows); every character it changes is written
  ``%XX`` (the bytes of its UTF-8 form, as in URLs), ``%`` itself included,
  so a name percent-decodes back to its UID;
* unchanged for ordinary UIDs: a DICOM UID (digits and inner dots) or a
  lower-case uuid keeps the name earlier versions gave it, so a download
  started by them resumes;
* never a path: no ``/``, ``\\``, NUL or control character, no leading or
  trailing dot (``.``/``..``), no Windows device name (``con``, ``nul``...),
  at most :data:`MAX_NAME_LENGTH` characters (a longer name keeps its start
  and ends with ``~`` and a SHA-256 digest of the UID).

:func:`contained` checks that a path built from such names stays under its
folder (a second line of defence).
"""

import hashlib
import os
from pathlib import Path
from typing import Any, Union

from ambra_sdk.addon.exceptions import UnsafePath

#: Longest name :func:`safe_name` returns (room is left for ``.dcm`` and the ``.part`` of temporary files).
MAX_NAME_LENGTH = 200
_LITERAL = frozenset('0123456789abcdefghijklmnopqrstuvwxyz_-.')
_HASHED_PREFIX = 150
_DEVICE_NAMES = frozenset(
    ['con', 'prn', 'aux', 'nul']
    + ['com{0}'.format(digit) for digit in range(10)]
    + ['lpt{0}'.format(digit) for digit in range(10)],
)


def _escape(char: str) -> str:
    return ''.join('%{0:02X}'.format(byte) for byte in char.encode('utf-8', 'surrogatepass'))


def safe_name(uid: Any) -> str:
    """The file (or folder) name of a study, series or image UID (see the module documentation).

    :param uid: the UID (any value: its ``str()`` is used).
    :return: one path component, at most :data:`MAX_NAME_LENGTH` characters.
    """
    text = str(uid)
    if not text:
        return '%'  # no other UID gives a lone '%'
    last = len(text) - 1
    name = ''.join(
        char if char in _LITERAL and not (char == '.' and index in (0, last)) else _escape(char)
        for index, char in enumerate(text)
    )
    if name.split('.', 1)[0] in _DEVICE_NAMES:
        name = _escape(name[0]) + name[1:]
    if len(name) > MAX_NAME_LENGTH:
        digest = hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()
        name = '{0}~{1}'.format(name[:_HASHED_PREFIX], digest[:40])  # '~' is never literal
    return name


def contained(folder: Union[str, 'os.PathLike[str]'], path: Path) -> Path:
    """Return ``path`` when it lies inside ``folder`` (lexically: no ``..`` out, no absolute part).

    :param folder: the download's target folder.
    :param path: a path built under it.
    :raises UnsafePath: it does not.
    """
    base = os.path.abspath(folder)
    full = os.path.abspath(path)
    if full == base or os.path.commonpath([base, full]) != base or '\0' in full:
        raise UnsafePath('{0!r} would not be inside {1!r}: not written'.format(str(path)[:300], base[:300]))
    return path


__all__ = ['safe_name', 'contained', 'MAX_NAME_LENGTH']
