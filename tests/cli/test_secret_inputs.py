"""Issue 24.3: the command line's inputs and secrets (adversarial).

Secret parameters come from ONE table (:mod:`ambra_sdk.secret_params`),
checked here against the vendor document's parameter names; every one is
refused as ``KEY=VALUE`` with a hint showing the syntax that works; profile
names configparser treats specially are refused and nothing is inherited;
reports are 0600 without secret columns; an open ``~/.netrc`` is refused; a
plaintext or unusable keyring is named so; nested JSON in arguments is
bounded; a non-JSON 200 answer is a clear error.
"""

import csv
import json
import re
import stat

import pytest

from ambra_sdk.secret_params import ANY_METHOD, NOT_SECRET, SECRET_PARAMS, is_secret_param, secret_param_names
from ambra_sdk.service.spec import load_all_endpoints
from tests.cli.conftest import run_script
from tests.hardening.servers import SID, Reply, ScriptServer

#: Names that look like they may carry a secret.
SECRET_LIKE = re.compile(
    r'(^|_)(pass\w*|password\w*|sid|pin|token|secret|code|auth|key|signature|credentials?|session|otp)(_|$)',
    re.IGNORECASE,
)


def _vendor_params():
    return {(endpoint['url'], param['name']) for endpoint in load_all_endpoints() for param in endpoint['params']}


def test_every_vendor_parameter_named_like_a_secret_is_decided_in_the_table():
    undecided = sorted(
        (url, name) for url, name in _vendor_params()
        if SECRET_LIKE.search(name) and not is_secret_param(name, url) and name not in NOT_SECRET
    )
    assert undecided == [], 'add these to ambra_sdk/secret_params.py (SECRET_PARAMS or NOT_SECRET)'


def test_every_row_of_the_table_names_a_vendor_parameter():
    names = {name for _, name in _vendor_params()}
    urls = {url for url, _ in _vendor_params()}
    for name, methods, why in SECRET_PARAMS:
        assert why and (name in names or name == 'sid'), name  # the sid is the document's general parameter
        if methods != ANY_METHOD:
            assert set(methods) <= urls, name


def test_the_emulator_request_log_masks_the_same_names():
    from ambra_sdk.emulator.requests_log import SECRET_KEYS, mask

    assert secret_param_names() <= SECRET_KEYS
    assert mask({'access_code': 'x', 'use_pkey': 'y', 'uuid': 'u'}) == {
        'access_code': '***', 'use_pkey': '***', 'uuid': 'u'}


def _secret_calls():
    """``(namespace, method, param)`` of every method with a parameter of the table (one call per name)."""
    seen = {}
    for endpoint in load_all_endpoints():
        for param in endpoint['params']:
            if is_secret_param(param['name'], endpoint['url']) and param['python_name'] not in seen:
                seen[param['python_name']] = (endpoint['namespace'], endpoint['method'], param['python_name'])
    return sorted(seen.values())


@pytest.mark.parametrize(('namespace', 'method', 'name'), _secret_calls())
def test_each_secret_parameter_is_refused_with_the_real_syntax(ambra, fresh, namespace, method, name):
    for argument in (name + '=Hunter2-secret', name + ':="Hunter2-secret"'):
        result = ambra('call', namespace, method, argument)
        assert result.exit_code == 2, result
        assert 'Hunter2-secret' not in result.stderr
        assert result.stderr == (
            'ambra: error: {0} is a secret: it is never taken from the command line (other users can see '
            'process arguments and the shell keeps a history); write {0}=- to type it at a prompt or pipe it on '
            'stdin, or {0}=@FILE to read it from a file\n'.format(name))


def test_secret_parameters_from_a_file_and_stdin(ambra, with_password, fresh, emulator, tmp_path):
    secret_file = tmp_path / 'password.txt'
    secret_file.write_text(emulator.password + '\n')
    secret_file.chmod(0o644)
    open_file = ambra('call', 'Session', 'login', 'login=' + emulator.username, 'password=@' + str(secret_file))
    assert open_file.exit_code == 2 and 'is open to other users (mode 0644): it is not read' in open_file.stderr
    secret_file.chmod(0o600)
    from_file = ambra('call', 'Session', 'login', 'login=' + emulator.username, 'password=@' + str(secret_file))
    assert from_file.exit_code == 0, from_file
    assert json.loads(from_file.stdout)['sid'] == '***'
    from_stdin = ambra('call', 'Session', 'login', 'login=' + emulator.username, 'password=-',
                       input=emulator.password + '\n')
    assert from_stdin.exit_code == 0, from_stdin
    missing = ambra('call', 'Session', 'login', 'login=x', 'password=@' + str(tmp_path / 'nope'))
    assert missing.exit_code == 2 and 'cannot read the password file' in missing.stderr


@pytest.mark.parametrize('name', ['DEFAULT', 'Default', 'default]\n[x', '../x', ''])
def test_reserved_or_bad_profile_names_are_refused(ambra, cli_env, fresh, emulator, name):
    for args in (['--profile', name, 'study', 'count'], ['login', '--profile', name, '--no-verify']):
        result = ambra(*args, input=emulator.password + '\n')
        assert result.exit_code == 2, (args, result)
        assert 'profile name' in result.stderr


def test_no_profile_inherits_a_default_section(ambra, cli_env, demo, emulator, tmp_path, monkeypatch):
    config = tmp_path / 'config'
    config.mkdir()
    (config / 'config.ini').write_text(
        '[DEFAULT]\nurl = http://evil.example/api/v3\nusername = attacker@example.com\n\n'
        '[work]\nusername = {0}\n'.format(emulator.username))
    monkeypatch.delenv('AMBRA_URL')
    result = ambra('--profile', 'work', 'study', 'count')
    assert result.exit_code == 3 and 'no server URL' in result.stderr  # not evil.example's
    listed = ambra('profiles', '--csv')
    assert [row['name'] for row in csv.DictReader(listed.stdout.splitlines())] == ['work']


def test_batch_report_is_private_and_has_no_secret_column(ambra, with_password, fresh, tmp_path):
    rows = tmp_path / 'rows.csv'
    rows.write_text('uuid,auth,name\n,Row-Secret-123,x\n')  # no uuid: the row fails
    report = tmp_path / 'report.csv'
    report.write_text('old content')
    report.chmod(0o644)
    result = ambra('call', '--csv', str(rows), '--report', str(report), 'Webhook', 'set')
    assert result.exit_code == 1, result
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    text = report.read_text()
    assert 'Row-Secret-123' not in text and 'Row-Secret-123' not in result.stderr
    assert next(csv.reader(text.splitlines())) == ['row', 'uuid', 'name', 'error']


def test_an_open_netrc_is_refused(ambra, cli_env, demo, emulator, tmp_path):
    netrc = tmp_path / 'home' / '.netrc'
    netrc.write_text('machine 127.0.0.1 login {0} password {1}\n'.format(emulator.username, emulator.password))
    netrc.chmod(0o644)
    result = ambra('study', 'count')
    assert result.exit_code == 3, result
    assert result.stderr == 'ambra: error: {0} is open to other users (mode 0644): passwords are not read from ' \
        'it; run chmod 600 {0}\n'.format(netrc)
    netrc.chmod(0o600)
    assert ambra('study', 'count').stdout == '3\n'


def test_a_plaintext_keyring_is_named_so(cli_env, fresh, emulator):
    result = run_script(['--no-rate-limits', 'login', '--profile', 'p'], {
        'PYTHON_KEYRING_BACKEND': 'tests.cli.fake_keyring.PlaintextKeyring'}, input=emulator.password + '\n')
    assert result.exit_code == 0, result
    assert 'system keyring' not in result.stderr
    assert 'ambra: warning: the password is kept in a PLAINTEXT file keyring ' \
        '(tests.cli.fake_keyring.PlaintextKeyring)' in result.stderr


def test_a_keyring_without_backend_is_named_with_what_to_do(cli_env, fresh, emulator):
    result = run_script(['--no-rate-limits', 'login', '--profile', 'p'], {
        'PYTHON_KEYRING_BACKEND': 'keyring.backends.fail.Keyring'}, input=emulator.password + '\n')
    assert result.exit_code == 0, result
    assert 'the password was NOT stored: keyring is installed but has no usable backend ' \
        '(keyring.backends.fail.Keyring): install one' in result.stderr
    assert 'PYTHON_KEYRING_BACKEND' in result.stderr


@pytest.mark.parametrize('args', [
    ['call', 'Study', 'get', 'uuid:=' + '[' * 100000 + ']' * 100000],
    ['study', 'list', '--filter', 'modality=in:' + '[' * 100000 + ']' * 100000],
])
def test_nested_json_arguments_are_bounded(ambra, with_password, fresh, args):
    result = ambra(*args)
    assert result.exit_code == 2, result
    assert 'JSON nested deeper than 100 levels' in result.stderr  # the SDK's bound for server JSON
    assert len(result.stderr) < 400


def test_a_non_json_200_answer_is_a_clear_error(tmp_path):
    server = ScriptServer(lambda method, target: Reply(body=b'\x89PNG\r\n\x1a\n\x00binary',
                                                       headers=(('Content-Type', 'image/png'),)))
    env = {'AMBRA_URL': server.url, 'AMBRA_SID': SID, 'AMBRA_NO_KEYRING': '1', 'AMBRA_CONFIG_DIR': str(tmp_path)}
    with server:
        results = [run_script(args, env) for args in (['call', 'Study', 'get', 'uuid=x'], ['study', 'count'],
                                                      ['study', 'get', '00000000-0000-4000-8000-0000000000e1'],
                                                      ['whoami'])]
    for result in results:
        assert result.exit_code == 5, result
        assert result.stdout == ''
        assert result.stderr == ('ambra: error: the server answered 200 with a body that is not JSON (image/png, '
                                 '15 bytes); this method returns no data ambra can print\n')


def test_missing_password_names_an_unusable_keyring(cli_env, fresh):
    result = run_script(['study', 'count'], {'PYTHON_KEYRING_BACKEND': 'keyring.backends.fail.Keyring'})
    assert result.exit_code == 3, result
    assert '(keyring is installed but has no usable backend (keyring.backends.fail.Keyring)' in result.stderr
