"""The documentation: its doctests run against an emulator, and it builds."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.docs


def _sphinx(builder, tmp_path):
    env = dict(os.environ)
    env.pop('DYNACONF_API', None)
    command = [
        sys.executable, '-m', 'sphinx', '-b', builder, '-q', '-W', '--keep-going',
        '-d', str(tmp_path / 'doctrees'), str(ROOT / 'docs' / 'source'), str(tmp_path / builder),
    ]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=600)


def test_doctests_pass(tmp_path):
    result = _sphinx('doctest', tmp_path)
    output = (tmp_path / 'doctest' / 'output.txt')
    report = output.read_text() if output.exists() else ''
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:] + report[-4000:]
    assert '0 failures in tests' in report
    assert 'Doctest summary' in report


def test_html_builds_without_warnings(tmp_path):
    result = _sphinx('html', tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
