"""Why the emulator could not start: one line naming the problem and the option to change.

:class:`Emulator.start <ambra_sdk.emulator.server.Emulator.start>` raises
:class:`StartupError` for what a user can fix (a busy port, a bad data
folder, a TLS certificate that cannot be made, a network bind without a
password of the user's own); the command line prints its message on one
line and exits with status 2 (no traceback).
"""

from __future__ import annotations

import errno as errno_codes
import sqlite3
from typing import Optional

__all__ = ['StartupError', 'check_port', 'bind_problem', 'data_problem', 'tls_problem', 'PASSWORD_ENV']

#: Environment variable holding the admin password (``--admin-password`` wins).
PASSWORD_ENV = 'AMBRA_EMULATOR_PASSWORD'


class StartupError(Exception):
    """The emulator cannot start for a reason its user can fix.

    :param message: one line: the problem and what to change.
    :param option: the command line option concerned (``--port``, ``--data``...).
    """

    def __init__(self, message: str, option: str) -> None:
        super().__init__(message)
        self.option = option


def check_port(port: int) -> None:
    """Refuse a port number outside 0-65535 (0: a free one).

    :raises StartupError: naming ``--port``.
    """
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise StartupError(
            '--port {0} is not a port number: choose one from 1 to 65535 with --port (0 picks a free one)'.format(port),
            '--port',
        )


def bind_problem(errno: Optional[int], reason: str, host: str, port: int) -> StartupError:
    """The error for an address that cannot be bound (or resolved).

    :param errno: the ``OSError`` number, if any.
    :param reason: the system's text.
    """
    if errno == errno_codes.EADDRINUSE:
        return StartupError(
            'port {0} on {1} is already in use: choose another with --port (0 picks a free one)'.format(port, host),
            '--port',
        )
    if errno == errno_codes.EACCES and 0 < port < 1024:
        return StartupError(
            'port {0} needs privileges: choose a port above 1023 with --port (0 picks a free one)'.format(port),
            '--port',
        )
    return StartupError(
        'cannot listen on {0} port {1} ({2}): choose another address with --host'.format(host, port, reason),
        '--host',
    )


def data_problem(folder: str, error: BaseException) -> StartupError:
    """The error for a data folder the state cannot use (not a folder, not writable, not a database)."""
    if isinstance(error, OSError):
        reason = error.strerror or type(error).__name__
    elif isinstance(error, sqlite3.Error):
        reason = 'its database cannot be used: {0}'.format(error)
    else:
        reason = type(error).__name__
    return StartupError(
        'cannot use the data folder {0} ({1}): choose another with --data'.format(folder, reason), '--data',
    )


def tls_problem(error: BaseException) -> StartupError:
    """The error for a TLS certificate that cannot be made or loaded."""
    reason = getattr(error, 'strerror', None) or str(error) or type(error).__name__
    return StartupError(
        'cannot make the TLS certificate ({0}): check TMPDIR, or start without --tls'.format(reason), '--tls',
    )
