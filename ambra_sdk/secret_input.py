"""Secrets given to a command line: never a literal argument, ``@FILE`` reads the first line of a private file.

THE rule and THE file reader of the SDK's command lines: ``ambra call KEY=@FILE``
(:mod:`ambra_sdk.cli.call`) and ``--admin-password @FILE`` of ``python -m ambra_sdk.emulator`` /
``ambra emulator`` (:mod:`ambra_sdk.emulator.cli`). Other users can read a process's arguments
(``ps``, ``/proc/PID/cmdline``) and shells keep a history, so a secret written there is refused
with :func:`secret_refusal`; a file is read by :func:`read_secret_file`, which refuses a file
that other users may read or write.

Plain Python (no click): the emulator's command line works without the ``cli`` extra.
"""

import os
import stat
from pathlib import Path
from typing import Sequence

__all__ = ['MAX_SECRET_FILE', 'SecretInputError', 'read_secret_file', 'secret_refusal']

#: Longest secret file read (bytes).
MAX_SECRET_FILE = 64 * 1024


class SecretInputError(ValueError):
    """A secret file cannot be used; the message names the file and what to do (never the secret)."""


def secret_refusal(name: str, ways: Sequence[str]) -> str:
    """The message refusing a secret written in the arguments.

    :param name: the argument (``password``, ``--admin-password``).
    :param ways: what works instead, e.g. ``['write password=- to type it at a prompt',
        'password=@FILE to read it from a file']`` (joined with ``, or``).
    """
    return ('{0} is a secret: it is never taken from the command line (other users can see process '
            'arguments and the shell keeps a history); {1}').format(name, ', or '.join(ways))


def read_secret_file(label: str, path: Path) -> str:
    """Return the first line of a secret file.

    :param label: what the secret is (``password``), for the messages.
    :param path: the file.
    :raises SecretInputError: it cannot be read, other users may read or write it (a regular
        file with any group/other permission bit, on POSIX), it is larger than
        :data:`MAX_SECRET_FILE`, not UTF-8 text, or its first line is empty.
    """
    try:
        with path.open('rb') as stream:
            _check_private(label, path, os.fstat(stream.fileno()))
            data = stream.read(MAX_SECRET_FILE + 1)
    except OSError as error:
        raise SecretInputError('cannot read the {0} file {1}: {2}'.format(
            label, path, error.strerror or type(error).__name__)) from None
    if len(data) > MAX_SECRET_FILE:
        raise SecretInputError('the {0} file {1} is larger than {2} bytes'.format(label, path, MAX_SECRET_FILE))
    try:
        lines = data.decode('utf-8', errors='strict').splitlines()
    except UnicodeDecodeError:
        raise SecretInputError('the {0} file {1} is not UTF-8 text'.format(label, path)) from None
    if not lines or not lines[0]:
        raise SecretInputError('the {0} file {1} is empty'.format(label, path))
    return lines[0]


def _check_private(label: str, path: Path, status: os.stat_result) -> None:
    """Refuse a regular file open to other users (pipes, ``/dev/stdin`` and process substitutions pass)."""
    if os.name != 'posix' or not stat.S_ISREG(status.st_mode):
        return
    if status.st_mode & 0o077:
        raise SecretInputError(
            'the {0} file {1} is open to other users (mode {2:04o}): it is not read; run chmod 600 {1}'.format(
                label, path, status.st_mode & 0o7777))
