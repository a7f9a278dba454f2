"""Exit codes of the ``ambra`` command line (a table, documented in ``docs/source/cli.rst``)."""

from enum import IntEnum

__all__ = ['ExitCode', 'EXIT_CODE_MEANINGS']


class ExitCode(IntEnum):
    """Process exit status of an ``ambra`` command."""

    OK = 0
    PARTIAL = 1
    BAD_INPUT = 2
    NO_CREDENTIALS = 3
    AUTH_FAILED = 4
    SERVER_ERROR = 5
    UNREACHABLE = 6
    INTERNAL = 70
    INTERRUPTED = 130


#: What each exit code means (the table of the documentation and of ``ambra --help``).
EXIT_CODE_MEANINGS = (
    (ExitCode.OK, 'success'),
    (ExitCode.PARTIAL, 'done, but some rows, files or images failed (a summary is on stderr)'),
    (ExitCode.BAD_INPUT, 'bad input: unknown option, field, filter, parameter or path'),
    (ExitCode.NO_CREDENTIALS, 'no URL, username, password or sid found (profile, keyring, environment, ~/.netrc)'),
    (ExitCode.AUTH_FAILED, 'the server refused the credentials or the sid (401, wrong password)'),
    (ExitCode.SERVER_ERROR, 'the server answered an error (not found, no permission, ...)'),
    (ExitCode.UNREACHABLE, 'the server could not be reached (DNS, connection refused, timeout, TLS)'),
    (ExitCode.INTERNAL, 'unexpected error (run again with --debug for the traceback)'),
    (ExitCode.INTERRUPTED, 'interrupted (Ctrl-C)'),
)
