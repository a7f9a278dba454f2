"""Command line: ``python -m ambra_sdk.emulator [--host H] [--port N] [--data DIR] [--seed] [--tls] ...``.

The server stops on SIGTERM and on SIGINT (Ctrl-C), also when it was started
with SIGINT ignored (a background job of a CI shell): the handlers are set
here, whatever the process inherited.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import signal
import sys
import threading
from typing import Any, Optional, Sequence

from ambra_sdk.extras import missing_extra_message

__all__ = ['main', 'build_parser', 'MISSING_EXTRA', 'EXTRA_MODULES']

#: Top-level modules of the ``emulator`` extra.
EXTRA_MODULES = frozenset({'werkzeug', 'pydicom', 'numpy', 'trustme', 'cryptography'})
#: The one line printed when the ``emulator`` extra is missing.
MISSING_EXTRA = missing_extra_message('emulator', 'The Ambra emulator').replace('{', '{{').replace('}', '}}') + (
    ' (missing module: {0})'
)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser."""
    parser = argparse.ArgumentParser(
        prog='python -m ambra_sdk.emulator',
        description='Serve an offline Ambra API (service + storage) for tests and demos.',
    )
    parser.add_argument('--host', default='127.0.0.1', help='interface to bind (default 127.0.0.1)')
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
    parser.add_argument('--demo', action='store_true', help='run the SDK demo against the emulator, then exit')
    parser.add_argument('--serve', action='store_true', help='with --demo: keep serving after the demo')
    return parser


def _missing_extra(error: ImportError) -> Optional[str]:
    """The top-level module of the ``emulator`` extra that ``error`` is about, if any."""
    name = (getattr(error, 'name', None) or '').split('.')[0]
    return name if name in EXTRA_MODULES else None


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Start the emulator, print how to reach it and serve until SIGTERM or SIGINT."""
    args = build_parser().parse_args(argv)
    stop = threading.Event()
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
        )
        _install_stop_handlers(stop)
        emulator.start()
    except ImportError as error:
        missing = _missing_extra(error)
        if missing is None:
            raise
        print(MISSING_EXTRA.format(missing), file=sys.stderr)
        return 2
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


def _print_banner(emulator: Any) -> None:
    lines = [
        f'Ambra emulator listening on {emulator.url}',
        f'  username: {emulator.username}',
        f'  password: {emulator.password}',
        f'  storage_base_url: {emulator.storage_base_url}',
    ]
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
