"""docs/source/cli.rst runs as written: every ``$`` command of its ``console`` blocks, in page order.

Each command runs through the installed ``ambra`` script (the interpreter's
``bin`` first on ``PATH``, this checkout on ``PYTHONPATH``) under ``bash``,
on a pseudo-terminal as a reader would see it, in a scratch folder with its
own ``HOME``. ``export`` lines carry over to the next commands; a command
ending in ``&`` (the emulator) runs in the background until the end; ``echo
$?`` shows the exit code of the command before it, which must otherwise be 0.
The printed text must match the lines the page shows (``...`` matches
anything; ``<BLANKLINE>`` an empty line; progress bars are left out). The
page's port 8765 is replaced by a free port.
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional

import pytest

pytest.importorskip('click')
pytest.importorskip('werkzeug')
pytest.importorskip('pydicom')

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / 'docs' / 'source' / 'cli.rst'
PAGE_PORT = '8765'
_PROGRESS_BAR = re.compile(r'^.*\d+%\|.*\|.*$')


class Command(NamedTuple):
    """One ``$`` command of the page and the lines shown after it."""

    line: int
    text: str
    expected: List[str]


def page_commands(text: str) -> List[Command]:
    """The ``$`` commands of the ``.. code-block:: console`` blocks, in order, with their shown output."""
    lines = text.splitlines()
    commands: List[Command] = []
    index = 0
    while index < len(lines):
        if lines[index].strip() != '.. code-block:: console':
            index += 1
            continue
        index += 1
        while index < len(lines) and not lines[index].strip():
            index += 1
        indent = len(lines[index]) - len(lines[index].lstrip())
        while index < len(lines) and (not lines[index].strip() or lines[index].startswith(' ' * indent)):
            line = lines[index][indent:]
            if line.startswith('$ '):
                command = line[2:]
                while command.endswith('\\'):
                    index += 1
                    command = command[:-1] + lines[index][indent:].strip()
                commands.append(Command(index + 1, command, []))
            elif commands and line.strip():
                commands[-1].expected.append(line.rstrip())
            index += 1
    return commands


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return int(sock.getsockname()[1])


def _on_terminal(command: str, env: Dict[str, str], cwd: Path) -> tuple:
    from tests.helpers.terminal import run_on_terminal

    return run_on_terminal(['bash', '-c', command], env, cwd=str(cwd))


def shown(output: str) -> str:
    """What a terminal shows: carriage returns resolved, progress bars and trailing spaces left out."""
    lines = []
    for raw in output.replace('\r\n', '\n').split('\n'):
        line = raw.rsplit('\r', 1)[-1].rstrip()
        if _PROGRESS_BAR.match(line) or ('\r' in raw and not line):  # a bar, or the blank a bar left
            continue
        lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return '\n'.join(lines)


def matches(expected: List[str], actual: str) -> bool:
    """``actual`` matches the page's lines (``...``: anything, across lines too)."""
    pattern = re.escape('\n'.join('' if line.strip() == '<BLANKLINE>' else line for line in expected))
    pattern = pattern.replace(re.escape('...'), '.*?')
    return re.fullmatch(pattern, actual, re.DOTALL) is not None


def _exported(command: str, env: Dict[str, str], cwd: Path) -> Dict[str, str]:
    done = subprocess.run(['bash', '-c', command + ' && env -0'], capture_output=True, env=env, cwd=str(cwd),
                          timeout=30, check=True)
    return dict(item.split('=', 1) for item in done.stdout.decode().split('\0') if '=' in item)


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError('the background command exited with {0}'.format(process.returncode))
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError('nothing listens on port {0} after {1} s'.format(port, timeout))


def _environment(tmp_path: Path) -> Dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(('AMBRA_', 'PYTEST', 'COV_')) and name not in ('NETRC', 'XDG_CONFIG_HOME')}
    home = tmp_path / 'home'
    home.mkdir()
    env.update({
        'HOME': str(home),
        'PATH': os.pathsep.join([os.path.dirname(sys.executable), env.get('PATH', '')]),
        'PYTHONPATH': str(ROOT),
        'PYTHON_KEYRING_BACKEND': 'tests.cli.fake_keyring.FileKeyring',
        'AMBRA_TEST_KEYRING_FILE': str(tmp_path / 'keyring.json'),
        'TERM': 'dumb',
    })
    return env


def test_the_page_has_console_blocks():
    commands = page_commands(PAGE.read_text())
    assert len(commands) >= 20
    assert all(not command.text.startswith('pip install') for command in commands)
    installs = [line for line in PAGE.read_text().splitlines() if line.strip().startswith('pip install')]
    assert installs and not [line for line in installs if 'ambra-sdk[' in line]  # never the published package


@pytest.mark.docs
def test_every_command_of_the_cli_page_runs_as_shown(tmp_path):
    if not os.path.exists(os.path.join(os.path.dirname(sys.executable), 'ambra')):
        pytest.skip('the ambra console script is not installed beside this interpreter')
    port = str(_free_port())
    env = _environment(tmp_path)
    work = tmp_path / 'work'
    work.mkdir()
    background: List[subprocess.Popen] = []
    results = []
    last: Optional[tuple] = None
    try:
        for command in page_commands(PAGE.read_text()):
            text = command.text.replace(PAGE_PORT, port)
            expected = [line.replace(PAGE_PORT, port) for line in command.expected]
            if text.startswith('export '):
                env = _exported(text, env, work)
                continue
            if text.endswith('&'):
                log = (tmp_path / 'background.log').open('w')
                process = subprocess.Popen(['bash', '-c', 'exec ' + text[:-1].strip()], stdout=log, stderr=log,
                                           env=env, cwd=str(work), start_new_session=True)
                background.append(process)
                _wait_for_port(int(port), process)
                continue
            if text == 'echo $?':
                assert last is not None, 'line {0}: echo $? without a command before it'.format(command.line)
                results[-1] = results[-1][:2] + (0,) + results[-1][3:]
                results.append((command, expected, 0, str(last[0])))
                continue
            code, output = _on_terminal(text, env, work)
            last = (code, output)
            results.append((command, expected, code, shown(output)))
    finally:
        for process in background:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
    problems = []
    for index, (command, expected, code, output) in enumerate(results):
        follows = index + 1 < len(results) and results[index + 1][0].text == 'echo $?'
        if code != 0 and not follows:
            problems.append('line {0}: {1!r} exited {2}:\n{3}'.format(command.line, command.text, code, output))
        elif expected and not matches(expected, output):
            problems.append('line {0}: {1!r} printed:\n{2}\n--- the page shows:\n{3}'.format(
                command.line, command.text, output, '\n'.join(expected)))
    assert not problems, '\n\n'.join(problems)
