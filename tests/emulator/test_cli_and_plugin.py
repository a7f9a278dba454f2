"""The command line server, persistence with ``data_dir`` and the pytest plugin in a user's suite."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import requests

from ambra_sdk.emulator import Emulator
from tests.helpers.processes import child_env, stop

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    return child_env()


def test_cli_serves_until_sigterm(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, '-m', 'ambra_sdk.emulator', '--port', '0', '--seed', '--data', str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith('Ambra emulator listening on http://127.0.0.1:')
        url = first.split()[-1]
        username = proc.stdout.readline().split(':', 1)[1].strip()
        password = proc.stdout.readline().split(':', 1)[1].strip()
        login = requests.post(url + '/session/login', data={'login': username, 'password': password}, timeout=10)
        assert login.status_code == 200
        listed = requests.post(url + '/study/list', data={'sid': login.json()['sid']}, timeout=10).json()
        assert len(listed['studies']) == 5  # --seed: seed.DEMO_STUDIES
        assert (tmp_path / 'emulator.sqlite3').exists()
    finally:
        stop(proc)
    assert proc.returncode == 0


def test_cli_help():
    out = subprocess.run(
        [sys.executable, '-m', 'ambra_sdk.emulator', '--help'], capture_output=True, text=True, env=_env(), check=True
    ).stdout
    for option in ('--host', '--port', '--data', '--seed', '--demo', '--processing-delay'):
        assert option in out


def test_data_dir_persists_between_runs(tmp_path):
    with Emulator(data_dir=str(tmp_path)) as emu:
        sid = emu.login()
        namespace = emu.namespace_id
        response = requests.post(
            emu.url + '/study/add',
            data={'sid': sid, 'study_uid': '1.2', 'storage_namespace': namespace, 'phi_namespace': namespace},
        )
        uuid = response.json()['uuid']
    with Emulator(data_dir=str(tmp_path)) as emu:
        sid = emu.login()
        study = requests.post(emu.url + '/study/get', data={'sid': sid, 'uuid': uuid}).json()
        assert study['study_uid'] == '1.2'
        assert study['engine_fqdn'] == emu.engine_fqdn
    assert (tmp_path / 'emulator.sqlite3').exists()


def test_temporary_data_dir_is_removed():
    emu = Emulator().start()
    assert emu.state is not None
    data_dir = emu.state.data_dir
    assert data_dir.exists()
    emu.stop()
    assert not data_dir.exists()


def test_addresses():
    with Emulator() as emu:
        host, port = emu.engine_fqdn.split(':')
        assert host == '127.0.0.1' and int(port) > 0
        assert emu.url == f'http://127.0.0.1:{port}/api/v3'
        assert emu.storage_base_url == 'http://{engine_fqdn}/api/v3/storage'
        api = emu.api(rate_limits=None)
        assert api.Session.user().get().email == emu.username


def test_reset_is_fast(emulator):
    start = time.monotonic()
    for _ in range(20):
        emulator.reset()
    assert (time.monotonic() - start) / 20 < 0.1


def test_plugin_in_a_user_suite(tmp_path):
    (tmp_path / 'conftest.py').write_text("pytest_plugins = ['ambra_sdk.emulator.pytest_plugin']\n")
    (tmp_path / 'test_user.py').write_text(
        textwrap.dedent(
            """
            def test_first(api, emulator):
                namespace = emulator.namespace_id
                api.Study.add(study_uid='1.1', storage_namespace=namespace, phi_namespace=namespace).get()
                assert len(list(api.Study.list().all())) == 1

            def test_second_starts_clean(api, ambra_emulator):
                assert list(api.Study.list().all()) == []

            def test_alias(emulator_api, emulator):
                assert emulator_api.Session.user().get().email == emulator.username
            """
        )
    )
    result = subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', str(tmp_path)],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=str(tmp_path),
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert '3 passed' in result.stdout


@pytest.mark.parametrize('ini, expected', [('', 0.2), ('[pytest]\nambra_processing_delay = 0\n', 0.0)])
def test_plugin_keeps_the_default_processing_delay_unless_the_ini_sets_one(tmp_path, ini, expected):
    (tmp_path / 'conftest.py').write_text("pytest_plugins = ['ambra_sdk.emulator.pytest_plugin']\n")
    (tmp_path / 'pytest.ini').write_text(ini or '[pytest]\n')
    (tmp_path / 'test_user.py').write_text(
        'def test_delay(emulator):\n    assert emulator.processing_delay == {0!r}\n'.format(expected)
    )
    result = subprocess.run(
        [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', str(tmp_path)],
        capture_output=True, text=True, env=_env(), cwd=str(tmp_path), timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_cli_refuses_a_bad_processing_delay():
    done = subprocess.run(
        [sys.executable, '-m', 'ambra_sdk.emulator', '--processing-delay', '-1'],
        capture_output=True, text=True, env=_env(), timeout=60,
    )
    assert done.returncode == 2 and 'processing delay' in done.stderr


def test_importing_the_api_does_not_import_the_emulator():
    code = (
        'import sys, ambra_sdk.api, ambra_sdk.emulator, ambra_sdk.emulator.pytest_plugin; '
        "print(sorted(m for m in ('werkzeug', 'pydicom') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=_env(), check=True)
    assert out.stdout.strip() == '[]'


def test_cli_demo_runs_against_the_served_emulator():
    pytest.importorskip('ambra_sdk.emulator.demo')
    pytest.importorskip('pydicom')
    proc = subprocess.Popen(
        [sys.executable, '-m', 'ambra_sdk.emulator', '--demo', '--serve'],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_env(),
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[-1]
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if 'Done' in line:
                break
        assert any(url in line for line in lines), lines
        assert 'Done' in lines[-1], lines
        # still serving after the demo
        assert requests.post(url + '/session/user', timeout=10).status_code == 401
    finally:
        stop(proc)
    assert proc.returncode == 0
