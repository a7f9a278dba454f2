"""Child processes of the tests: the environment that imports this tree, and a clean stop."""

import os
import subprocess
from pathlib import Path
from typing import Dict

ROOT = Path(__file__).resolve().parents[2]


def child_env(**extra: str) -> Dict[str, str]:
    """``os.environ`` with this tree first on ``PYTHONPATH``, plus ``extra``."""
    env = dict(os.environ)
    env['PYTHONPATH'] = str(ROOT) + os.pathsep + env.get('PYTHONPATH', '')
    env.update(extra)
    return env


def stop(proc: 'subprocess.Popen[str]', timeout: float = 15) -> None:
    """SIGTERM ``proc`` and wait for it; kill it (and raise) when it does not stop in ``timeout`` s."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
