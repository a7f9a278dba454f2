"""THE reader of secret files of the command lines (``ambra call KEY=@FILE``, ``ambra emulator --admin-password @FILE``)."""

import os
from pathlib import Path

import pytest

from ambra_sdk.secret_input import MAX_SECRET_FILE, SecretInputError, read_secret_file, secret_refusal


@pytest.mark.parametrize(('content', 'message'), [
    (b'', 'the password file {0} is empty'),
    (b'\n2nd line', 'the password file {0} is empty'),
    (b'\xff\xfe', 'the password file {0} is not UTF-8 text'),
    (b'x' * (MAX_SECRET_FILE + 1), 'the password file {0} is larger than 65536 bytes'),
])
def test_unusable_files_are_refused_by_name(tmp_path, content, message):
    path = tmp_path / 'secret'
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(SecretInputError) as raised:
        read_secret_file('password', path)
    assert str(raised.value) == message.format(path)


@pytest.mark.skipif(os.name != 'posix', reason='file modes are POSIX')
@pytest.mark.parametrize('mode', [0o640, 0o604, 0o660, 0o602])
def test_a_file_other_users_may_read_or_write_is_refused(tmp_path, mode):
    path = tmp_path / 'secret'
    path.write_text('Hunter2-secret\n')
    path.chmod(mode)
    with pytest.raises(SecretInputError) as raised:
        read_secret_file('password', path)
    assert 'Hunter2' not in str(raised.value) and 'is open to other users (mode 0{0:o})'.format(mode) in str(raised.value)
    path.chmod(0o600)
    assert read_secret_file('password', path) == 'Hunter2-secret'


@pytest.mark.skipif(os.name != 'posix', reason='pipes as files')
def test_a_pipe_is_read(tmp_path):
    read_end, write_end = os.pipe()
    os.write(write_end, b'from-a-pipe\n')
    os.close(write_end)
    try:
        assert read_secret_file('password', Path('/dev/fd/{0}'.format(read_end))) \
            == 'from-a-pipe'
    finally:
        os.close(read_end)


def test_the_refusal_names_the_ways_that_work():
    assert secret_refusal('pin', ['write pin=@FILE to read it', 'set X']) == (
        'pin is a secret: it is never taken from the command line (other users can see process arguments and '
        'the shell keeps a history); write pin=@FILE to read it, or set X')
