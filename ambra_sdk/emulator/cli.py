"""Command line: ``python -m ambra_sdk.emulator [--host H] [--port N] [--data DIR] [--seed] [--tls] ...``.

The server stops on SIGTERM and on SIGINT (Ctrl-C), also when it was started
with SIGINT ignored (a background job of a CI shell): the handlers are set
here, whatever the process inherited.

When it cannot start (a busy port, a data folder it cannot use, a TLS
certificate it cannot make, ``--host`` beyond loopback without a password of
the user's own, a missing extra) it prints one line naming the problem and
the option to change, and exits with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any, Optional, Sequence

from ambra_sdk.secret_input import SecretInputError, read_secret_file, secret_refusal

from .extra import EXTRA_MODULES, MISSING_EXTRA, missing_extra
from .limits import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_FORM_BYTES, parse_size
from .lockout import DEFAULT_ATTEMPTS, DEFAULT_WINDOW
from .processing import DEFAULT_PROCESSING_DELAY
from .startup import PASSWORD_ENV, StartupError

__all__ = ['main', 'build_parser', 'admin_password', 'MISSING_EXTRA', 'EXTRA_MODULES', 'EXIT_CANNOT_START']

#: Exit status when the emulator cannot start (the one line on stderr says why).
EXIT_CANNOT_START = 2


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _positive(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError('not a positive integer: {0!r}'.format(text))
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser."""
    parser = argparse.ArgumentParser(
        prog='python -m ambra_sdk.emulator',
        description='Serve an offline Ambra API (service + storage) for tests and demos.',
    )
    parser.add_argument(
        '--host', default='127.0.0.1',
        help='interface to bind (default 127.0.0.1); beyond loopback it needs --admin-password',
    )
    parser.add_argument('--port', type=int, default=0, help='port (default: a free port)')
    parser.add_argument('--data', default=None, metavar='DIR', help='keep state in DIR (default: temporary)')
    parser.add_argument('--seed', action='store_true', help='add demo studies, a group and a location')
    parser.add_argument(
        '--tls', action='store_true', help='serve HTTPS with a certificate made at start-up (prints the CA file)'
    )
    parser.add_argument('--no-control', action='store_true', help='turn off the /_emulator/* control API')
    parser.add_argument(
        '--no-keep-alive', action='store_true', help='close every connection after one request (benchmarks)'
    )
    parser.add_argument(
        '--processing-delay', type=float, default=None, metavar='SECONDS',
        help='seconds between a storage upload and its service study (default {0}; 0: at once)'.format(
            DEFAULT_PROCESSING_DELAY),
    )
    parser.add_argument(
        '--lockout-attempts', type=int, default=DEFAULT_ATTEMPTS, metavar='N',
        help=f'failed logins of one user within the window that lock it out (LOCKOUT); 0 = never '
        f'(default {DEFAULT_ATTEMPTS})',
    )
    parser.add_argument(
        '--lockout-window', type=float, default=DEFAULT_WINDOW, metavar='SECONDS',
        help=f'seconds of the failed-login window and of the lock (default {DEFAULT_WINDOW:g})',
    )
    parser.add_argument(
        '--admin-password', default=None, metavar='@FILE',
        help='password of the seeded admin: @FILE reads the first line of FILE (mode 600; never the password '
        'itself: other users see arguments) (default: ${0}, else the published one, loopback only)'.format(
            PASSWORD_ENV),
    )
    parser.add_argument(
        '--max-body-bytes', type=_size, default=DEFAULT_MAX_BODY_BYTES, metavar='SIZE',
        help='largest storage request body, e.g. 512M (default 2G); more is answered 413 unread',
    )
    parser.add_argument(
        '--max-form-bytes', type=_size, default=DEFAULT_MAX_FORM_BYTES, metavar='SIZE',
        help='largest service call, bundle or control body (default 64M)',
    )
    parser.add_argument(
        '--max-connections', type=_positive, default=DEFAULT_MAX_CONNECTIONS, metavar='N',
        help='connections served at once (default {0}); more are answered 503'.format(DEFAULT_MAX_CONNECTIONS),
    )
    parser.add_argument(
        '--network', default=None, metavar='PROFILE',
        help='shape every connection as a real network: rtt=40ms,conn=50Mbit,total=1Gbit (added round trip '
        'per request, per-connection and total throughput caps in each direction)',
    )
    parser.add_argument('--demo', action='store_true', help='run the SDK demo against the emulator, then exit')
    parser.add_argument('--serve', action='store_true', help='with --demo: keep serving after the demo')
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Start the emulator, print how to reach it and serve until SIGTERM or SIGINT."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.network is not None:
        from .network import parse_network

        try:
            parse_network(args.network)
        except ValueError as error:
            parser.error(str(error))
    stop = threading.Event()
    try:
        password = admin_password(args.admin_password)
    except SecretInputError as error:
        print('The Ambra emulator did not start: {0}'.format(error), file=sys.stderr)
        return EXIT_CANNOT_START
    try:
        from .server import Emulator

        emulator = Emulator(
            host=args.host,
            port=args.port,
            data_dir=args.data,
            seed=args.seed,
            tls=args.tls,
            keep_alive=not args.no_keep_alive,
            control=not args.no_control,
            processing_delay=DEFAULT_PROCESSING_DELAY if args.processing_delay is None else args.processing_delay,
            lockout_attempts=args.lockout_attempts,
            lockout_window=args.lockout_window,
            password=password,
            max_body_bytes=args.max_body_bytes,
            max_form_bytes=args.max_form_bytes,
            max_connections=args.max_connections,
            network=args.network,
        )
        _install_stop_handlers(stop)
        emulator.start()
    except ValueError as error:  # a bad --processing-delay
        print(f'python -m ambra_sdk.emulator: {error}', file=sys.stderr)
        return 2
    except ImportError as error:
        missing = missing_extra(error)
        if missing is None:
            raise
        print(MISSING_EXTRA.format(missing), file=sys.stderr)
        return EXIT_CANNOT_START
    except StartupError as error:
        print('The Ambra emulator did not start: {0}'.format(error), file=sys.stderr)
        return EXIT_CANNOT_START
    if args.demo and not args.serve:
        try:
            return _run_demo(emulator)
        finally:
            emulator.stop()
    _print_banner(emulator)
    try:
        if args.demo:
            _run_demo(emulator)
        while not stop.wait(0.5):
            if not emulator.running:
                break
    except KeyboardInterrupt:  # a handler set by the user's own code
        pass
    finally:
        print('Stopping.', file=sys.stderr, flush=True)
        emulator.stop()
    return 0


def admin_password(argument: Optional[str]) -> Optional[str]:
    """The admin password: ``--admin-password @FILE`` (the file's first line), else ``$AMBRA_EMULATOR_PASSWORD``.

    :param argument: the value of ``--admin-password`` (None: not given).
    :return: the password, or None (the published one, loopback only).
    :raises SecretInputError: the argument is a password written on the command line (refused, as
        ``ambra`` refuses every secret there), or the file cannot be used (open to other users...).
    """
    if argument is None:
        return os.environ.get(PASSWORD_ENV) or None
    if argument.startswith('@') and len(argument) > 1:
        return read_secret_file('admin password', Path(argument[1:]))
    raise SecretInputError(secret_refusal('--admin-password', [
        'write --admin-password @FILE to read it from the first line of a file (mode 600)',
        'set the {0} environment variable'.format(PASSWORD_ENV)]))


def _print_banner(emulator: Any) -> None:
    from .context import DEFAULT_PASSWORD

    password = emulator.password if emulator.password == DEFAULT_PASSWORD else '(the one you set)'
    lines = [
        f'Ambra emulator listening on {emulator.url}',
        f'  username: {emulator.username}',
        f'  password: {password}',
        f'  storage_base_url: {emulator.storage_base_url}',
        f'  processing_delay: {emulator.processing_delay} s (storage upload -> service study)',
    ]
    if any(emulator.network):
        lines.append(f'  network: {emulator.network}')
    if emulator.control_token is not None:
        from .control import TOKEN_HEADER

        lines.append(f'  control_token: {emulator.control_token}  (send it as the {TOKEN_HEADER} header)')
    if emulator.ca_file is not None:
        lines.append(f'  ca_file: {emulator.ca_file}')
        lines.append('  trust it with:')
        lines.append(f'REQUESTS_CA_BUNDLE={emulator.ca_file}')
    lines.append('Press Ctrl-C (or send SIGTERM) to stop.')
    print('\n'.join(lines), flush=True)


def _install_stop_handlers(stop: threading.Event) -> None:
    """Stop on SIGTERM and SIGINT, even when SIGINT was ignored by the parent (background jobs)."""

    def handler(signum: int, frame: Any) -> None:
        stop.set()

    for name in ('SIGTERM', 'SIGINT', 'SIGBREAK'):
        signum = getattr(signal, name, None)
        if signum is not None:
            try:
                signal.signal(signum, handler)
            except (OSError, ValueError):  # not the main thread, or not settable here
                pass


def _run_demo(emulator: object) -> int:
    """Run ``ambra_sdk.emulator.demo.run_demo`` against the running emulator (if the module exists)."""
    try:
        demo = importlib.import_module('ambra_sdk.emulator.demo')
    except ModuleNotFoundError as exc:
        if exc.name != 'ambra_sdk.emulator.demo':
            raise
        print('No demo available (ambra_sdk.emulator.demo is missing).', file=sys.stderr)
        return 1
    run_demo = demo.run_demo
    if 'emulator' in inspect.signature(run_demo).parameters:
        return int(run_demo(emulator=emulator) or 0)
    return int(run_demo() or 0)
