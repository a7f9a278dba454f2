"""The emulator's pytest plugin in a user's project: the ``api`` ini switch, the missing extra.

Each case runs pytest in a subprocess on a small project written to a temporary directory.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

USER_API_TEST = '''
import pytest

@pytest.fixture
def api():
    return 'my own api'

def test_my_api(api):
    assert api == 'my own api'

def test_emulator_api_stays(emulator_api):
    assert emulator_api.Session.user().get().email
'''

PLUGIN_API_TEST = '''
def test_plugin_api(api, emulator):
    assert api.Session.user().get().email == emulator.username
'''

NO_EXTRA_CONFTEST = '''
import sys

sys.modules['werkzeug'] = None  # the emulator extra is not installed
pytest_plugins = ['ambra_sdk.emulator.pytest_plugin']
'''


def run_pytest(project: Path, files: dict) -> subprocess.CompletedProcess:
    for name, text in files.items():
        (project / name).write_text(textwrap.dedent(text), encoding='utf-8')
    env = dict(os.environ)
    env['PYTHONPATH'] = str(ROOT)
    command = [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-rfEs', str(project)]
    return subprocess.run(command, cwd=str(project), env=env, capture_output=True, text=True, timeout=300)


def test_api_fixture_can_be_turned_off(tmp_path):
    result = run_pytest(tmp_path, {
        'pytest.ini': '[pytest]\nambra_api_fixture = false\n',
        'conftest.py': "pytest_plugins = ['ambra_sdk.emulator.pytest_plugin']\n",
        'test_user.py': USER_API_TEST,
    })
    assert result.returncode == 0, result.stdout + result.stderr
    assert '2 passed' in result.stdout


def test_api_fixture_is_on_by_default(tmp_path):
    result = run_pytest(tmp_path, {
        'pytest.ini': '[pytest]\n',
        'conftest.py': "pytest_plugins = ['ambra_sdk.emulator.pytest_plugin']\n",
        'test_user.py': PLUGIN_API_TEST,
    })
    assert result.returncode == 0, result.stdout + result.stderr
    assert '1 passed' in result.stdout


def test_missing_emulator_extra_fails_with_the_install_command(tmp_path):
    result = run_pytest(tmp_path, {
        'pytest.ini': '[pytest]\n',
        'conftest.py': NO_EXTRA_CONFTEST,
        'test_user.py': PLUGIN_API_TEST,
    })
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'skipped' not in result.stdout
    from ambra_sdk.extras import install_command

    assert install_command('emulator') in result.stdout
    assert '1 error' in result.stdout
