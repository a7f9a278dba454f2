"""Command line: ``python -m ambra_sdk.emulator [--host H] [--port N] [--data DIR] [--seed] [--demo]``."""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from typing import Optional, Sequence

__all__ = ['main', 'build_parser']


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
    parser.add_argument('--demo', action='store_true', help='run the SDK demo against the emulator, then exit')
    parser.add_argument('--serve', action='store_true', help='with --demo: keep serving after the demo')
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Start the emulator, print how to reach it and serve until Ctrl-C."""
    args = build_parser().parse_args(argv)
    from .server import Emulator

    emulator = Emulator(host=args.host, port=args.port, data_dir=args.data, seed=args.seed)
    emulator.start()
    if args.demo and not args.serve:
        try:
            return _run_demo(emulator)
        finally:
            emulator.stop()
    print(f'Ambra emulator listening on {emulator.url}', flush=True)
    print(f'  username: {emulator.username}', flush=True)
    print(f'  password: {emulator.password}', flush=True)
    print(f'  storage_base_url: {emulator.storage_base_url}', flush=True)
    print('Press Ctrl-C to stop.', flush=True)
    try:
        if args.demo:
            _run_demo(emulator)
        emulator.serve_forever()
    except KeyboardInterrupt:
        print('Stopping.', file=sys.stderr)
    finally:
        emulator.stop()
    return 0


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
