"""Fixtures of the command line tests: the CLI driven in process (CliRunner) and as a subprocess.

Every test gets its own config folder, ``HOME`` (for ``~/.netrc``) and test
keyring file, and no ``AMBRA_*`` variable of the machine leaks in.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest

click_testing = pytest.importorskip('click.testing')
keyring = pytest.importorskip('keyring')
pytest.importorskip('werkzeug')

from tests.cli.fake_keyring import FileKeyring  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


class Result:
    """What a run of ``ambra`` printed and returned."""

    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr

    def __repr__(self) -> str:
        return '<Result {0} stdout={1!r} stderr={2!r}>'.format(self.exit_code, self.stdout[-300:], self.stderr[-300:])


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator: Any) -> Dict[str, str]:
    """Environment of one test: emulator URL and user in ``AMBRA_*``; no password (tests add it)."""
    for name in list(os.environ):
        if name.startswith('AMBRA_') or name in ('NETRC', 'PYTHON_KEYRING_BACKEND'):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / 'home'
    home.mkdir()
    env = {
        'AMBRA_URL': emulator.url,
        'AMBRA_USERNAME': emulator.username,
        'AMBRA_STORAGE_BASE_URL': emulator.storage_base_url,
        'AMBRA_CONFIG_DIR': str(tmp_path / 'config'),
        'AMBRA_TEST_KEYRING_FILE': str(tmp_path / 'keyring.json'),
        'HOME': str(home),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    yield env
    keyring.set_keyring(previous)


@pytest.fixture
def with_password(cli_env: Dict[str, str], emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Dict[str, str]:
    """``cli_env`` plus ``AMBRA_PASSWORD``."""
    monkeypatch.setenv('AMBRA_PASSWORD', emulator.password)
    cli_env['AMBRA_PASSWORD'] = emulator.password
    return cli_env


def _runner() -> Any:
    """A CliRunner that keeps stderr apart (the default since click 8.2; an option before)."""
    try:
        return click_testing.CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:  # click >= 8.2 has no mix_stderr
        return click_testing.CliRunner()


@pytest.fixture
def ambra(emulator: Any) -> Callable[..., Result]:
    """``ambra(*args, input=None)``: run the CLI in this process (click's CliRunner), rate limits off."""
    from ambra_sdk.cli import cli

    def run(*args: str, input: Optional[str] = None, rate_limits: bool = False) -> Result:  # noqa: A002
        runner = _runner()
        argv: List[str] = [] if rate_limits else ['--no-rate-limits']
        result = runner.invoke(cli, argv + list(args), input=input, prog_name='ambra')
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        outcome = Result(result.exit_code, result.stdout, result.stderr)
        assert_no_secret(emulator, outcome)
        return outcome

    return run


@pytest.fixture
def ambra_process(emulator: Any) -> Callable[..., Result]:
    """``ambra_process(*args, input=None, env=None)``: run ``python -m ambra_sdk`` in a subprocess."""

    def run(*args: str, input: Optional[str] = None, env: Optional[Dict[str, str]] = None,  # noqa: A002
            timeout: float = 120) -> Result:
        full_env = dict(os.environ)
        full_env.update(env or {})
        full_env['PYTHONPATH'] = str(ROOT)
        full_env['PYTHON_KEYRING_BACKEND'] = 'tests.cli.fake_keyring.FileKeyring'
        command = [sys.executable, '-m', 'ambra_sdk', '--no-rate-limits', *args]
        done = subprocess.run(command, input=input, capture_output=True, text=True, env=full_env, cwd=str(ROOT),
                              timeout=timeout)
        outcome = Result(done.returncode, done.stdout, done.stderr)
        assert_no_secret(emulator, outcome)
        return outcome

    return run


def ambra_script_path() -> str:
    """The installed ``ambra`` console script (beside this interpreter first, then on PATH)."""
    import shutil

    found = shutil.which('ambra', path=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get('PATH', '')]))
    if found is None:
        pytest.skip('the ambra console script is not installed (pip install -e ".[cli]")')
    return found


def run_script(args: List[str], env: Dict[str, str], input: Optional[str] = None,  # noqa: A002
               timeout: float = 120, cwd: Optional[str] = None) -> Result:
    """Run the installed ``ambra`` script with ``args`` (this checkout first on ``PYTHONPATH``)."""
    full_env = dict(os.environ)
    full_env.update(env)
    full_env['PYTHONPATH'] = str(ROOT)
    full_env.setdefault('PYTHON_KEYRING_BACKEND', 'tests.cli.fake_keyring.FileKeyring')
    done = subprocess.run([ambra_script_path(), *args], input=input, capture_output=True, text=True, env=full_env,
                          cwd=cwd or str(ROOT), timeout=timeout)
    return Result(done.returncode, done.stdout, done.stderr)


def run_on_terminal(args: List[str], env: Dict[str, str], timeout: float = 60) -> Result:
    """Run the installed ``ambra`` script with stdout and stderr on a pseudo-terminal; return what it showed."""
    from tests.helpers.terminal import run_on_terminal as on_terminal

    full_env = dict(os.environ)
    full_env.update(env)
    full_env['PYTHONPATH'] = str(ROOT)
    code, text = on_terminal([ambra_script_path(), *args], full_env, cwd=str(ROOT), timeout=timeout)
    return Result(code, text.replace('\r\n', '\n'), '')


@pytest.fixture
def ambra_script(emulator: Any) -> Callable[..., Result]:
    """``ambra_script(*args, input=None, env=None)``: the installed ``ambra`` script, rate limits off."""

    def run(*args: str, input: Optional[str] = None, env: Optional[Dict[str, str]] = None,  # noqa: A002
            timeout: float = 120) -> Result:
        outcome = run_script(['--no-rate-limits', *args], env or {}, input=input, timeout=timeout)
        assert_no_secret(emulator, outcome)
        return outcome

    return run


def assert_no_secret(emulator: Any, result: Result) -> None:
    """The emulator's password and any registered sid are in neither stdout nor stderr."""
    from ambra_sdk.redact import _secrets  # the registry of every sid/password an Api has seen

    for secret in {emulator.password, *_secrets}:
        assert secret not in result.stdout, 'a secret reached stdout'
        assert secret not in result.stderr, 'a secret reached stderr'


@pytest.fixture
def namespace_id(emulator: Any) -> str:
    """The seeded account's namespace (uploads go there)."""
    return str(emulator.namespace_id)


@pytest.fixture
def fresh(emulator: Any) -> Any:
    """Fresh emulator state (the seeded admin, no studies); faults cleared after the test."""
    emulator.reset()
    yield emulator
    emulator.faults.clear()


@pytest.fixture
def demo(fresh: Any) -> Any:
    """Fresh state with the three demo studies (CT, MR, US)."""
    from ambra_sdk.emulator.seed import seed_demo

    seed_demo(fresh.state, fresh.config)
    return fresh
