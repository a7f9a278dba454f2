"""Profiles, keyring, environment, ~/.netrc; missing credentials, 401, unreachable host; no secret printed."""

import json
import socket
import stat

import pytest


def _closed_port_url():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    return 'http://127.0.0.1:{0}/api/v3'.format(port)


def test_login_reads_the_password_from_stdin_and_keeps_it_in_the_keyring(ambra, cli_env, demo, emulator,
                                                                         monkeypatch, tmp_path):
    for name in ('AMBRA_URL', 'AMBRA_USERNAME', 'AMBRA_STORAGE_BASE_URL'):
        monkeypatch.delenv(name)
    result = ambra('login', '--profile', 'emu', '--url', emulator.url, '--username', emulator.username,
                   '--storage-base-url', emulator.storage_base_url, '--password', input=emulator.password + '\n')
    assert result.exit_code == 0, result
    assert "Profile 'emu' saved" in result.stderr and 'kept in the keyring backend tests.cli.fake_keyring.FileKeyring' in result.stderr
    config = (tmp_path / 'config' / 'config.ini')
    text = config.read_text()
    assert emulator.url in text and emulator.username in text
    assert emulator.password not in text and 'password' not in text
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert emulator.password in (tmp_path / 'keyring.json').read_text()  # the test keyring got it
    assert ambra('--profile', 'emu', 'study', 'count').stdout == '3\n'
    listed = ambra('profiles', '--csv')
    assert listed.stdout.splitlines()[1].startswith('emu,' + emulator.url)
    assert listed.stdout.splitlines()[1].endswith(',yes')
    out = ambra('logout', '--profile', 'emu')
    assert 'Removed 1 secret' in out.stderr
    after = ambra('--profile', 'emu', 'study', 'count')
    assert after.exit_code == 3 and 'no password or sid' in after.stderr


def test_login_with_a_wrong_password_saves_nothing(ambra, cli_env, fresh, tmp_path):
    result = ambra('login', '--username', 'admin@example.com', input='not-the-password\n')
    assert result.exit_code == 4, result
    assert 'INVALID_CREDENTIALS' in result.stderr and 'not-the-password' not in result.stderr
    assert not (tmp_path / 'config' / 'config.ini').exists()


def test_login_with_a_sid(ambra, cli_env, demo, emulator, monkeypatch):
    sid = emulator.login()
    result = ambra('login', '--profile', 's', '--sid', input=sid + '\n')
    assert result.exit_code == 0, result
    monkeypatch.delenv('AMBRA_USERNAME')
    assert ambra('--profile', 's', 'study', 'count').stdout == '3\n'


def test_without_keyring_the_secret_is_not_stored(ambra, cli_env, fresh, emulator, monkeypatch, tmp_path):
    monkeypatch.setenv('AMBRA_NO_KEYRING', '1')
    result = ambra('login', input=emulator.password + '\n')
    assert result.exit_code == 0, result
    assert 'was NOT stored' in result.stderr
    assert not (tmp_path / 'keyring.json').exists()
    assert ambra('study', 'count').exit_code == 3


def test_netrc_gives_the_password(ambra, cli_env, demo, emulator, tmp_path):
    netrc = tmp_path / 'home' / '.netrc'
    netrc.write_text('machine 127.0.0.1 login {0} password {1}\n'.format(emulator.username, emulator.password))
    netrc.chmod(0o600)
    assert ambra('study', 'count').stdout == '3\n'


def test_environment_sid(ambra, cli_env, demo, emulator, monkeypatch):
    monkeypatch.setenv('AMBRA_SID', emulator.login())
    assert ambra('study', 'count').stdout == '3\n'


def test_missing_credentials(ambra, cli_env, fresh, monkeypatch):
    no_password = ambra('study', 'count')
    assert no_password.exit_code == 3
    assert no_password.stderr.startswith('ambra: error: no password or sid for admin@example.com')
    monkeypatch.delenv('AMBRA_URL')
    no_url = ambra('study', 'count')
    assert no_url.exit_code == 3 and 'no server URL' in no_url.stderr
    no_profile = ambra('--profile', 'nope', 'study', 'count')
    assert no_profile.exit_code == 3 and "no profile named 'nope'" in no_profile.stderr


def test_wrong_password_is_exit_4_without_the_password(ambra, cli_env, fresh, monkeypatch):
    monkeypatch.setenv('AMBRA_PASSWORD', 'Wrong-Passw0rd-123')
    result = ambra('study', 'count')
    assert result.exit_code == 4
    assert len(result.stderr.splitlines()) == 1 and 'INVALID_CREDENTIALS' in result.stderr
    assert 'Wrong-Passw0rd-123' not in result.stderr + result.stdout


def test_rejected_sid_is_exit_4(ambra, cli_env, fresh, monkeypatch):
    monkeypatch.setenv('AMBRA_SID', 'not-a-valid-session-id')
    result = ambra('study', 'count')
    assert result.exit_code == 4
    assert 'the sid was refused' in result.stderr and 'not-a-valid-session-id' not in result.stderr


def test_unreachable_host_is_exit_6(ambra, with_password, monkeypatch):
    url = _closed_port_url()
    monkeypatch.setenv('AMBRA_URL', url)
    result = ambra('study', 'count')
    assert result.exit_code == 6
    assert result.stderr == ('ambra: error: cannot reach {0}: connection refused (nothing listens on that port); '
                             'check the URL (--url, AMBRA_URL or the profile) and the network\n'.format(
                                 url.split('/')[2]))


def test_debug_shows_a_redacted_traceback(ambra_process, with_password, fresh):
    env = dict(with_password, AMBRA_SID='not-a-valid-session-id')
    result = ambra_process('--debug', 'study', 'count', env=env)
    assert result.exit_code == 4
    assert 'Traceback' in result.stderr and result.stderr.rstrip().splitlines()[-1].startswith('ambra: error:')
    plain = ambra_process('study', 'count', env=env)
    assert 'Traceback' not in plain.stderr and len(plain.stderr.splitlines()) == 1


def test_login_and_list_in_subprocesses_keep_the_password_out_of_argv(ambra_process, cli_env, demo, emulator):
    env = {key: value for key, value in cli_env.items() if key not in ('AMBRA_URL', 'AMBRA_USERNAME')}
    login = ambra_process('login', '--url', emulator.url, '-u', emulator.username, '--password',
                          input=emulator.password + '\n', env=env)
    assert login.exit_code == 0, login
    listed = ambra_process('study', 'list', '--json', '--fields', 'modality', env=env)
    assert listed.exit_code == 0, listed
    assert sorted(row['modality'] for row in json.loads(listed.stdout)) == ['CT', 'MR', 'US']


@pytest.mark.parametrize('option', ['--password=secret', '--sid=abc'])
def test_secrets_are_never_options(ambra, cli_env, fresh, option):
    result = ambra('login', option)
    assert result.exit_code == 2


def test_profiles_json_and_logout_delete(ambra, cli_env, fresh, emulator, tmp_path):
    assert ambra('login', '--profile', 'a', input=emulator.password + '\n').exit_code == 0
    assert ambra('login', '--profile', 'b', '--no-verify', input='Other-Passw0rd\n').exit_code == 0
    listed = json.loads(ambra('profiles', '--json').stdout)
    assert [row['name'] for row in listed] == ['a', 'b']
    assert all(row['keyring'] == 'yes' and row['url'] == emulator.url for row in listed)
    assert 'Other-Passw0rd' not in (tmp_path / 'config' / 'config.ini').read_text()
    deleted = ambra('logout', '--profile', 'b', '--delete')
    assert deleted.exit_code == 0 and "Deleted profile 'b'" in deleted.stderr
    assert [row['name'] for row in json.loads(ambra('profiles', '--json').stdout)] == ['a']
    assert ambra('logout', '--profile', 'zzz').exit_code == 2


def test_a_plain_http_url_without_storage_template_uses_http_storage(ambra, with_password, demo, monkeypatch, tmp_path):
    # a newcomer's `ambra --url http://<emulator>` reaches storage on the same scheme (no TLS error)
    monkeypatch.delenv('AMBRA_STORAGE_BASE_URL', raising=False)
    result = ambra('study', 'download', '1.2.826.0.1.3680043.8.498.1', '--to', str(tmp_path), '--json')
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)['downloaded'] >= 1


def test_the_storage_template_follows_the_service_scheme_only_when_none_is_given():
    from ambra_sdk.cli.credentials import PLAIN_HTTP_STORAGE, Resolved, storage_template

    assert storage_template(Resolved('p', url='http://127.0.0.1:8080/api/v3')) == PLAIN_HTTP_STORAGE
    assert storage_template(Resolved('p', url='https://ambra.example/api/v3')) is None  # the SDK's https default
    given = 'https://{engine_fqdn}/custom'
    assert storage_template(Resolved('p', url='http://127.0.0.1:8080/api/v3', storage_base_url=given)) == given
