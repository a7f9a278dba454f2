"""Help of every command, the entry points, ``ambra emulator``, and no click in ``import ambra_sdk.api``."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

COMMANDS = [
    ['login'], ['logout'], ['profiles'], ['study'], ['study', 'list'], ['study', 'count'], ['study', 'get'],
    ['study', 'download'], ['study', 'upload'], ['study', 'schema'], ['image'], ['image', 'tags'], ['call'],
]


def test_root_help_lists_commands_credentials_and_exit_codes(ambra):
    result = ambra('--help')
    assert result.exit_code == 0
    for name in ('call', 'emulator', 'image', 'login', 'logout', 'profiles', 'study'):
        assert re.search(r'^  {0}\s'.format(name), result.stdout, re.MULTILINE), name
    assert 'Exit codes:' in result.stdout and '130  interrupted' in result.stdout
    assert 'AMBRA_PASSWORD' in result.stdout and '~/.netrc' in result.stdout


@pytest.mark.parametrize('command', COMMANDS, ids=' '.join)
def test_every_command_has_help(ambra, command):
    result = ambra(*command, '--help')
    assert result.exit_code == 0, result
    assert result.stdout.startswith('Usage: ambra ' + ' '.join(command))
    assert len(result.stdout.splitlines()) > 4


def test_study_list_help_names_the_filter_conditions(ambra):
    text = ambra('study', 'list', '--help').stdout
    assert 'in_or_null' in text and 'not_equals' in text and '--csv' in text and '--json' in text


def test_call_help_lists_namespaces_methods_and_parameters(ambra):
    namespaces = ambra('call', '--help').stdout
    assert 'Study' in namespaces and 'Webhook' in namespaces
    methods = ambra('call', 'Study', '--help').stdout
    assert re.search(r'^  list\s+Get a list of the studies', methods, re.MULTILINE)
    params = ambra('call', 'Study', 'get', '--help').stdout
    assert 'Parameters (KEY=VALUE' in params and 'storage_namespace' in params and 'NOT_FOUND' in params
    required = ambra('call', 'Session', 'login', '--help').stdout
    assert re.search(r'^  login \*', required, re.MULTILINE)


def test_every_service_method_has_a_command(ambra):
    import click

    from ambra_sdk.cli.call import CallGroup, NamespaceGroup
    from ambra_sdk.service.spec import load_all_endpoints

    group = CallGroup()
    ctx = click.Context(group)
    seen = 0
    for name in group.list_commands(ctx):
        namespace = group.get_command(ctx, name)
        assert isinstance(namespace, NamespaceGroup)
        for method in namespace.list_commands(ctx):
            assert namespace.get_command(ctx, method) is not None
            seen += 1
    assert seen == len(load_all_endpoints()) == 440


def _run(*args, **kwargs):
    env = {'PYTHONPATH': str(ROOT), 'PATH': '/usr/bin:/bin', 'HOME': str(ROOT)}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=str(ROOT),
                          timeout=120, **kwargs)


def test_python_dash_m_ambra_sdk():
    result = _run('-m', 'ambra_sdk', '--version')
    assert result.returncode == 0 and result.stdout.startswith('ambra, version ')


def test_console_script_entry_point_is_declared():
    pyproject = (ROOT / 'pyproject.toml').read_text()
    assert 'ambra = "ambra_sdk.__main__:main"' in pyproject
    from ambra_sdk.__main__ import main

    assert callable(main)


def test_import_ambra_sdk_api_does_not_import_click():
    code = 'import sys, ambra_sdk.api; print(sorted(m for m in ("click", "keyring", "ambra_sdk.cli") if m in sys.modules))'
    assert _run('-c', code).stdout.strip() == '[]'


def test_emulator_help_is_the_emulator_s(ambra):
    result = _run('-m', 'ambra_sdk', 'emulator', '--help')
    assert result.returncode == 0
    assert 'python -m ambra_sdk.emulator' in result.stdout and '--seed' in result.stdout and '--port' in result.stdout


def test_emulator_command_serves_and_forwards_options(tmp_path):
    import json
    import urllib.request

    command = [sys.executable, '-m', 'ambra_sdk', 'emulator', '--port', '0', '--seed', '--data', str(tmp_path)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env={'PYTHONPATH': str(ROOT), 'PATH': '/usr/bin:/bin', 'HOME': str(tmp_path)},
                               cwd=str(ROOT))
    try:
        first = process.stdout.readline()
        assert 'listening on' in first, first
        url = first.split('listening on', 1)[1].strip()
        banner = {}
        for line in iter(process.stdout.readline, ''):
            if line.startswith('Press Ctrl-C'):
                break
            key, sep, value = line.strip().partition(': ')
            if sep:
                banner[key] = value.split()[0]
        request = urllib.request.Request(url.split('/api/v3')[0] + '/_emulator/info',
                                         headers={'X-Ambra-Emulator-Token': banner['control_token']})
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            info = json.loads(answer.read())
        assert info['url'] == url
        assert any(tmp_path.iterdir())  # --data reached the emulator
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()


def test_bad_emulator_option_is_exit_2():
    result = _run('-m', 'ambra_sdk', 'emulator', '--no-such-option')
    assert result.returncode == 2 and 'unrecognized arguments' in result.stderr
