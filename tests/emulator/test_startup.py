"""Issue 25.5 and 25.2: the emulator starts or says why in one line (exit code 2, no traceback).

Both entry points are run as a user runs them: ``python -m ambra_sdk.emulator``
and the ``ambra emulator`` command (``python -m ambra_sdk emulator`` when the
``ambra`` script is not installed next to this Python).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from typing import Iterator, List

import pytest

from ambra_sdk.emulator import Emulator
from ambra_sdk.emulator.startup import PASSWORD_ENV, StartupError
from tests.helpers.emulator_process import child_env


def _entry_points() -> List[List[str]]:
    ambra = shutil.which('ambra', path=os.path.dirname(sys.executable))
    command = [ambra] if ambra else [sys.executable, '-m', 'ambra_sdk']
    return [[sys.executable, '-m', 'ambra_sdk.emulator'], command + ['emulator']]


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port another program listens on."""
    holder = socket.socket()
    holder.bind(('127.0.0.1', 0))
    holder.listen(1)
    yield holder.getsockname()[1]
    holder.close()


def _fails_in_one_line(args: List[str], **env: str) -> str:
    """Run each entry point with ``args``: exit code 2, one stderr line, nothing on stdout; return the line."""
    lines = []
    for command in _entry_points():
        result = subprocess.run(command + args, capture_output=True, text=True, env=child_env(**env), timeout=60)
        assert result.returncode == 2, (command, result.stderr)
        assert 'Traceback' not in result.stderr and result.stdout == '', result.stderr
        err = result.stderr.strip().splitlines()
        assert len(err) == 1, result.stderr
        lines.append(err[0])
    assert lines[0] == lines[1]
    return lines[0]


def test_a_busy_port_is_named_with_the_option_to_change(busy_port):
    line = _fails_in_one_line(['--port', str(busy_port)])
    assert 'port {0} on 127.0.0.1 is already in use'.format(busy_port) in line and '--port' in line


def test_a_busy_port_raises_a_startup_error_in_python(busy_port):
    """The cause of the old AttributeError: werkzeug closed a server that was not set up yet."""
    emu = Emulator(port=busy_port)
    with pytest.raises(StartupError) as raised:
        emu.start()
    assert raised.value.option == '--port' and not emu.running and emu.state is None


@pytest.mark.parametrize('port', ['70000', '-5'])
def test_a_port_number_out_of_range_is_named(port):
    line = _fails_in_one_line(['--port', port])
    assert '--port {0} is not a port number'.format(port) in line


def test_a_data_folder_that_is_a_file_is_named(tmp_path):
    target = tmp_path / 'not-a-folder'
    target.write_text('x')
    line = _fails_in_one_line(['--data', str(target)])
    assert 'cannot use the data folder {0}'.format(target) in line and '--data' in line


def test_a_data_folder_with_a_broken_database_is_named(tmp_path):
    (tmp_path / 'emulator.sqlite3').write_bytes(b'not a database' * 100)
    line = _fails_in_one_line(['--data', str(tmp_path)])
    assert 'its database cannot be used' in line and '--data' in line


def test_an_address_of_another_machine_is_named():
    line = _fails_in_one_line(['--host', '192.0.2.77'], **{PASSWORD_ENV: 'An-own-Passw0rd'})
    assert 'cannot listen on 192.0.2.77' in line and '--host' in line


def test_a_certificate_that_cannot_be_made_is_named():
    code = (
        'import sys\n'
        'import ambra_sdk.emulator.tls as tls\n'
        'def broken(host):\n'
        '    raise PermissionError(13, "Permission denied")\n'
        'tls.make_tls_material = broken\n'
        'from ambra_sdk.emulator.cli import main\n'
        'sys.exit(main(["--tls"]))\n'
    )
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=child_env(), timeout=60)
    assert result.returncode == 2 and 'Traceback' not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and 'cannot make the TLS certificate (Permission denied)' in lines[0] and '--tls' in lines[0]


HIDE_WERKZEUG = '''
import sys

class HideWerkzeug:
    def find_spec(self, name, path=None, target=None):
        if name == 'werkzeug' or name.startswith('werkzeug.'):
            raise ModuleNotFoundError('No module named {0!r}'.format(name), name=name)
        return None

sys.meta_path.insert(0, HideWerkzeug())
try:
    from ambra_sdk.emulator import Emulator
    Emulator()
except ImportError as error:
    print(type(error).__name__, error.name, str(error), sep='|')
'''


def test_emulator_without_the_extra_raises_an_import_error_naming_it():
    result = subprocess.run([sys.executable, '-c', HIDE_WERKZEUG], capture_output=True, text=True,
                            env=child_env(), timeout=60)
    assert result.returncode == 0, result.stderr
    kind, name, message = result.stdout.strip().split('|')
    assert kind == 'ImportError' and name == 'werkzeug'
    from ambra_sdk.extras import install_command

    assert "needs the 'emulator' extra: " + install_command('emulator') in message and 'werkzeug' in message
    assert "'ambra-sdk[" not in message  # this package, never the published SDK of the same name
