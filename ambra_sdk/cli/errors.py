"""One place mapping a failure to one stderr line and an exit code.

Every command runs inside :func:`guarded`: a known failure becomes
``ambra: error: <what to fix>`` on stderr and an exit code of
:class:`~ambra_sdk.cli.exit_codes.ExitCode`; the traceback is shown only with
``--debug``. Messages quoting an exception go through
:func:`ambra_sdk.redact.redact_text`, so a sid or password the Api has seen
never reaches the terminal; the command line's own messages
(:class:`CliError`) only have the registered secrets masked, so that a hint
such as ``write password=- ...`` keeps its syntax. Every line is written by
:func:`ambra_sdk.cli.output.error_line` (control characters escaped).
"""

import re
import sys
import traceback
from contextlib import contextmanager
from typing import Any, Iterator, Optional, Tuple

import click
import requests

from ambra_sdk.cli.exit_codes import ExitCode
from ambra_sdk.cli.output import error_line, printable, problem
from ambra_sdk.exceptions.base import AmbraException, ApiConfigurationError, MissingCredentials
from ambra_sdk.redact import redact_registered, redact_text

__all__ = ['CliError', 'describe', 'echo_error', 'first_line', 'guarded', 'require_json']

#: Service error types that mean the user's input was wrong (exit 2).
_BAD_INPUT_TYPES = frozenset({
    'INVALID_FIELD', 'INVALID_CONDITION', 'FILTER_NOT_FOUND', 'INVALID_SORT_FIELD', 'INVALID_SORT_ORDER',
    'MISSING_FIELDS', 'INVALID_JSON', 'INVALID_FIELD_NAME',
})
_AUTH_TYPES = frozenset({'INVALID_CREDENTIALS', 'LOCKOUT', 'SSO_ONLY', 'PASSWORD_RESET', 'VALIDATE', 'BAD_PIN'})


class CliError(click.ClickException):
    """A failure the user can fix: one line on stderr, then ``exit_code``.

    :param message: what went wrong and what to do.
    :param exit_code: the process exit status.
    """

    def __init__(self, message: str, exit_code: int = ExitCode.BAD_INPUT) -> None:
        super().__init__(message)
        vars(self)['exit_code'] = int(exit_code)  # per instance, over click's class variable

    def show(self, file: Optional[object] = None) -> None:
        """Write ``ambra: error: <message>`` to stderr (registered secrets masked, the syntax kept)."""
        error_line(_one_line(redact_registered(self.format_message())))


def require_json(result: Any) -> Any:
    """Return a service result, or raise when the server answered 200 with something that is not JSON.

    The SDK returns the raw response for such an answer (a download); no ``ambra`` command prints bytes.

    :param result: what ``Query.get()`` returned.
    :raises CliError: (exit 5) naming the content type and the size.
    """
    content = getattr(result, 'content', None)
    if isinstance(content, bytes) and hasattr(result, 'status_code'):
        kind = (getattr(result, 'headers', None) or {}).get('content-type') or 'no content type'
        raise CliError('the server answered {0} with a body that is not JSON ({1}, {2} bytes); this '
                       'method returns no data ambra can print'.format(result.status_code, kind, len(content)),
                       ExitCode.SERVER_ERROR)
    return result


def echo_error(message: str) -> None:
    """Write one redacted ``ambra: error:`` line to stderr."""
    error_line(first_line(message))


def first_line(message: str) -> str:
    """The message on one line, redacted (service errors span several lines)."""
    return _one_line(redact_text(str(message)))


def _one_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return ' | '.join(lines) if lines else 'unknown error'


def _service_message(error: AmbraException) -> Tuple[int, str]:
    error_type = getattr(error, 'error_type', None)
    subtype = getattr(error, 'error_subtype', None)
    description = (getattr(error, 'description', None) or '').strip().rstrip('.')
    where = ' ({0})'.format(subtype) if subtype else ''
    if error_type in _AUTH_TYPES:
        return ExitCode.AUTH_FAILED, 'the server refused the login ({0}): {1}; check the username and password ' \
            '(ambra login)'.format(error_type, description)
    if error_type in _BAD_INPUT_TYPES:
        return ExitCode.BAD_INPUT, '{0}{1}: {2}'.format(error_type, where, description)
    if error_type is not None:
        return ExitCode.SERVER_ERROR, '{0}{1}: {2}'.format(error_type, where, description)
    code = getattr(error, 'code', None)
    if code == 401:
        return ExitCode.AUTH_FAILED, 'the server answered 401: the sid or the credentials are not valid; ' \
            'log in again (ambra login)'
    if code == 403:
        return ExitCode.AUTH_FAILED, 'the server answered 403 (access denied): {0}'.format(description or error)
    # no error type: the SDK's message (status, and the server's own words, e.g. "speaks HTTPS") is the hint
    return ExitCode.SERVER_ERROR, '{0}: {1}'.format(type(error).__name__, str(error) or description)


def describe(error: BaseException) -> Tuple[int, str]:
    """Return ``(exit code, one-line message)`` for an exception.

    :param error: what a command raised.
    """
    if isinstance(error, MissingCredentials):
        return ExitCode.AUTH_FAILED, 'the sid was refused (expired or not valid) and there is no password to ' \
            'log in again; run "ambra login" or set AMBRA_PASSWORD'
    if isinstance(error, ApiConfigurationError):
        return ExitCode.BAD_INPUT, str(error)
    from ambra_sdk.addon.exceptions import DestinationNotWritable, NoDicomFiles, NotADirectory

    if isinstance(error, (NoDicomFiles, NotADirectory, DestinationNotWritable)):
        return ExitCode.BAD_INPUT, '{0}: {1}'.format(type(error).__name__, error)
    if isinstance(error, AmbraException) and hasattr(error, 'code'):
        return _service_message(error)
    if isinstance(error, requests.exceptions.RequestException):
        from ambra_sdk.cli.reach import describe_connection_error

        found = describe_connection_error(error)
        if found is not None:
            return found
    if isinstance(error, requests.exceptions.InvalidURL):
        return ExitCode.BAD_INPUT, 'invalid URL; check --url, AMBRA_URL or the profile'
    if isinstance(error, AmbraException):
        return ExitCode.SERVER_ERROR, '{0}: {1}'.format(type(error).__name__, error)
    if isinstance(error, (ValueError, TypeError)):
        return ExitCode.BAD_INPUT, str(error)
    if isinstance(error, OSError):
        return ExitCode.BAD_INPUT, '{0}: {1}'.format(type(error).__name__, error)
    return ExitCode.INTERNAL, 'unexpected {0}; run again with --debug to see the traceback'.format(
        type(error).__name__,
    )


@contextmanager
def guarded(debug: bool) -> Iterator[None]:
    """Turn exceptions into one stderr line and ``SystemExit(code)``.

    :param debug: print the (redacted) traceback too.
    """
    try:
        yield
    except click.ClickException as error:
        if not isinstance(error, CliError):  # click's usage errors quote arguments: file names, maybe hostile
            vars(error)['message'] = _undecoded_as_bytes(printable(error.message))  # (typed Final by click)
        raise
    except (click.exceptions.Exit, click.exceptions.Abort, SystemExit):
        raise
    except KeyboardInterrupt:
        echo_error('interrupted')
        raise SystemExit(ExitCode.INTERRUPTED) from None
    except BrokenPipeError:  # ``ambra study list | head``: the reader is gone, stop quietly
        _silence_stdout()
        raise SystemExit(ExitCode.OK) from None
    except Exception as error:  # noqa: BLE001 - the one place failures become exit codes
        code, message = describe(error)
        if debug:
            problem(redact_text(''.join(traceback.format_exception(type(error), error, error.__traceback__))).rstrip())
        error_line(first_line(message))
        raise SystemExit(code) from None


_QUOTED_UNDECODED = re.compile(r'\\udc([89a-f][0-9a-f])')


def _undecoded_as_bytes(message: str) -> str:
    """Click quotes a word with ``repr`` (``No such command '\\udcff'``): show its undecoded bytes as ``\\xNN``."""
    return _QUOTED_UNDECODED.sub(r'\\x\1', message)


def _silence_stdout() -> None:
    try:
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # pragma: no cover (CliRunner has no real stdout)
        pass
