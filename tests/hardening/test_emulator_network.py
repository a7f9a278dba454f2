"""Issue 24.8: the emulator on a network needs a password of the user's own (real sockets, real processes).

* ``--host`` beyond loopback without ``--admin-password @FILE`` (or
  ``AMBRA_EMULATOR_PASSWORD``) does not start; with one it starts with a warning;
* the password is never taken from the arguments (``--admin-password PASSWORD`` is refused), and
  a password file open to other users is refused;
* the published default password logs in from loopback addresses only.

The running cases bind this machine's own non-loopback address (skipped when
it has none) for a second, with a password set.
"""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
import requests

from ambra_sdk.emulator import Emulator
from ambra_sdk.emulator.server import DEFAULT_PASSWORD
from ambra_sdk.emulator.startup import PASSWORD_ENV, StartupError
from tests.helpers.emulator_process import banner, child_env, start, stop

OWN_PASSWORD = 'An-admin-Passw0rd-of-my-own'


def _own_address() -> str:
    """This machine's address on its default route (no packet is sent), else skip."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(('192.0.2.254', 9))
        address = str(probe.getsockname()[0])
    except OSError:
        address = ''
    finally:
        probe.close()
    if not address or address.startswith('127.'):
        pytest.skip('no non-loopback address on this machine')
    return address


@pytest.mark.parametrize('password', [None, DEFAULT_PASSWORD])
def test_a_network_bind_without_a_password_of_ones_own_does_not_start(password):
    emu = Emulator(host='0.0.0.0', password=password)  # noqa: S104 - the case under test
    with pytest.raises(StartupError) as raised:
        emu.start()
    assert raised.value.option == '--admin-password'
    assert '--admin-password' in str(raised.value) and PASSWORD_ENV in str(raised.value)
    assert not emu.running and emu.state is None


def test_the_command_line_refuses_a_network_host_without_a_password():
    result = subprocess.run([sys.executable, '-m', 'ambra_sdk.emulator', '--host', '0.0.0.0'],
                            capture_output=True, text=True, env=child_env(**{PASSWORD_ENV: ''}), timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and 'Traceback' not in result.stderr, result.stderr
    assert '--host 0.0.0.0' in lines[0] and '--admin-password' in lines[0] and PASSWORD_ENV in lines[0]
    assert result.stdout == ''


def test_the_command_line_on_a_network_warns_and_takes_the_password_from_the_environment():
    address = _own_address()
    proc = start('--host', address, env=child_env(**{PASSWORD_ENV: OWN_PASSWORD}))
    try:
        info = banner(proc)
        assert info['password'].startswith('(')  # '(the one you set)': never printed
        login = requests.post(info['url'] + '/session/login',
                              data={'login': info['username'], 'password': OWN_PASSWORD}, timeout=10)
        assert login.status_code == 200 and login.json()['sid']
    finally:
        assert stop(proc) == 0
    assert proc.stderr is not None
    err = proc.stderr.read()
    assert 'Warning: the Ambra emulator listens on {0}, beyond loopback'.format(address) in err
    assert OWN_PASSWORD not in err


def test_the_default_password_logs_in_from_loopback_only(emulator):
    address = _own_address()
    user = 'default-pw@example.com'
    emulator.add_user(user, DEFAULT_PASSWORD)
    on_loopback = requests.post(emulator.url + '/session/login', data={'login': user, 'password': DEFAULT_PASSWORD},
                                timeout=10)
    assert on_loopback.status_code == 200
    with Emulator(host=address, password=OWN_PASSWORD) as emu:
        emu.add_user(user, DEFAULT_PASSWORD)
        refused = requests.post(emu.url + '/session/login', data={'login': user, 'password': DEFAULT_PASSWORD},
                                timeout=10)
        assert refused.status_code == 412 and refused.json()['error_type'] == 'INVALID_CREDENTIALS'
        assert requests.post(emu.url + '/session/user', auth=(user, DEFAULT_PASSWORD), timeout=10).status_code == 401
        assert requests.post(emu.url + '/session/user', auth=(emu.username, OWN_PASSWORD), timeout=10).ok
        admin = requests.post(emu.url + '/session/login', data={'login': emu.username, 'password': OWN_PASSWORD},
                              timeout=10)
        assert admin.status_code == 200


def test_a_password_given_at_start_replaces_the_one_of_an_existing_data_folder(tmp_path):
    with Emulator(data_dir=str(tmp_path)) as emu:
        assert emu.api().Session.user().get().email == emu.username
    with Emulator(data_dir=str(tmp_path), password=OWN_PASSWORD) as emu:
        for password, status in ((DEFAULT_PASSWORD, 412), (OWN_PASSWORD, 200)):
            answer = requests.post(emu.url + '/session/login',
                                   data={'login': emu.username, 'password': password}, timeout=10)
            assert answer.status_code == status, password


def test_the_admin_password_is_read_from_a_private_file(tmp_path):
    secret = tmp_path / 'admin-password'
    secret.write_text(OWN_PASSWORD + '\nignored second line\n')
    secret.chmod(0o600)
    proc = start('--admin-password', '@' + str(secret), env=child_env(**{PASSWORD_ENV: 'not-this-one'}))
    try:
        info = banner(proc)
        for password, status in ((OWN_PASSWORD, 200), (DEFAULT_PASSWORD, 412), ('not-this-one', 412)):
            login = requests.post(info['url'] + '/session/login',
                                  data={'login': info['username'], 'password': password}, timeout=10)
            assert login.status_code == status, password
    finally:
        assert stop(proc) == 0
    assert proc.stderr is not None and OWN_PASSWORD not in proc.stderr.read()


def _refused(command, env=None):
    result = subprocess.run(command, capture_output=True, text=True, env=env or child_env(), timeout=60)
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and 'Traceback' not in result.stderr, result.stderr
    assert lines[0].startswith('The Ambra emulator did not start: ')
    assert result.stdout.strip() == '' or 'ambra emulator' in result.stdout
    return lines[0]


def test_a_password_in_the_arguments_or_in_an_open_file_is_refused(tmp_path):
    from tests.cli.conftest import ambra_script_path

    for command in ([sys.executable, '-m', 'ambra_sdk.emulator'], [ambra_script_path(), 'emulator']):
        line = _refused(command + ['--admin-password', OWN_PASSWORD])
        assert OWN_PASSWORD not in line
        assert '--admin-password is a secret: it is never taken from the command line' in line
        assert '--admin-password @FILE' in line and PASSWORD_ENV in line
    open_file = tmp_path / 'admin-password'
    open_file.write_text(OWN_PASSWORD + '\n')
    open_file.chmod(0o644)
    line = _refused([sys.executable, '-m', 'ambra_sdk.emulator', '--admin-password', '@' + str(open_file)])
    assert line.endswith('the admin password file {0} is open to other users (mode 0644): it is not read; '
                         'run chmod 600 {0}'.format(open_file))
    line = _refused([sys.executable, '-m', 'ambra_sdk.emulator', '--admin-password', '@' + str(tmp_path / 'nope')])
    assert 'cannot read the admin password file' in line
