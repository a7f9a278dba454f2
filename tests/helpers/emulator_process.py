"""The emulator in a child process (``python -m ambra_sdk.emulator``), as a user starts it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

ROOT = Path(__file__).resolve().parents[2]


def child_env(**extra: str) -> Dict[str, str]:
    """The environment of a child that imports this checkout."""
    env = dict(os.environ)
    env['PYTHONPATH'] = str(ROOT) + os.pathsep + env.get('PYTHONPATH', '')
    env.update(extra)
    return env


def start(*args: str, env: Any = None, **popen: Any) -> subprocess.Popen:
    """Start ``python -m ambra_sdk.emulator ARGS`` (text pipes)."""
    return subprocess.Popen(
        [sys.executable, '-m', 'ambra_sdk.emulator', *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env or child_env(), **popen,
    )


def banner(proc: subprocess.Popen) -> Dict[str, str]:
    """The banner's ``key: value`` lines, ``url`` and the ``REQUESTS_CA_BUNDLE=`` line."""
    assert proc.stdout is not None
    info: Dict[str, str] = {}
    for line in iter(proc.stdout.readline, ''):
        if line.startswith('Ambra emulator listening on '):
            info['url'] = line.split()[-1]
        elif line.startswith('REQUESTS_CA_BUNDLE='):
            info['REQUESTS_CA_BUNDLE'] = line.strip().split('=', 1)[1]
        elif line.startswith('Press Ctrl-C'):
            return info
        else:
            key, sep, value = line.strip().partition(': ')
            if sep:
                info[key] = value.split()[0]
    raise AssertionError('the emulator did not start: {0}'.format(proc.stderr.read() if proc.stderr else ''))


def stop(proc: subprocess.Popen, signum: int = signal.SIGTERM) -> int:
    """Send ``signum`` and return the exit code (kill after 15 s)."""
    proc.send_signal(signum)
    try:
        return proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
