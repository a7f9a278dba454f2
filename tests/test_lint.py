"""ruff and mypy are clean (skipped when the tools are not installed)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_clean():
    if shutil.which('ruff') is None:
        pytest.skip('ruff not installed')
    result = subprocess.run(['ruff', 'check', 'ambra_sdk', 'tools', 'tests', 'bench'], cwd=str(ROOT),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_clean():
    pytest.importorskip('mypy')
    result = subprocess.run([sys.executable, '-m', 'mypy', 'ambra_sdk', 'tools'], cwd=str(ROOT),
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
