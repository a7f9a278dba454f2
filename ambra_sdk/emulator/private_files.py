"""The data folder is private: folders made ``0700``, files made ``0600`` (POSIX modes).

Every folder and file the emulator creates under its data folder goes through
:func:`make_private_dir` and :func:`open_private` (the SQLite database through
:func:`create_private_file`; SQLite gives its ``-wal`` and ``-shm`` files the
database's mode). Other users of the machine can read neither the uploaded
studies nor the database (password hashes, sessions).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Union

__all__ = ['PRIVATE_DIR_MODE', 'PRIVATE_FILE_MODE', 'make_private_dir', 'open_private', 'create_private_file']

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600

_PathLike = Union[str, 'os.PathLike[str]']


def make_private_dir(path: _PathLike) -> Path:
    """Create ``path`` and its missing parents with mode ``0700`` (existing folders are left as they are).

    :return: the path.
    """
    folder = Path(path)
    missing = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for level in reversed(missing):
        try:
            level.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(level, PRIVATE_DIR_MODE)  # mkdir's mode is filtered by the umask
    if not folder.is_dir():
        raise NotADirectoryError(20, 'Not a directory', str(folder))
    return folder


def open_private(path: _PathLike) -> IO[bytes]:
    """Open ``path`` for writing (created ``0600`` or truncated), binary."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, 'O_BINARY', 0)
    return os.fdopen(os.open(path, flags, PRIVATE_FILE_MODE), 'wb')


def create_private_file(path: _PathLike) -> None:
    """Create ``path`` empty with mode ``0600`` unless it exists (e.g. before SQLite opens it)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_BINARY', 0), PRIVATE_FILE_MODE)
    except FileExistsError:
        return
    os.close(fd)
