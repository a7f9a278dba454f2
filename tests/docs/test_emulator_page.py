"""docs/source/emulator.rst runs as written: its pytest example, its shell sessions, its client script.

The page's Python examples that Sphinx cannot run (``::`` literal blocks, covered by the page's
``.. examples-run-by:`` comment) are run here:

* the blocks whose first line names a file (``# conftest.py``, ``# test_report.py``) are written
  to a scratch folder, and pytest runs them there in a child process, with the emulator's plugin
  as a user gets it; every test must pass;
* the other one is the client script of "As a standalone server": it runs against the emulator
  the page's first command started, with ``password`` set to the password that emulator printed
  (the page says it assumes it).

Every ``$`` command of the page's ``console`` blocks runs in page order under ``bash``, in one
scratch folder, as a reader types them: a command whose shown output is the emulator's banner
keeps running (as in another terminal) until the end, and its printed banner must match the
lines the page shows; every other command must print what the page shows (``...`` matches
anything) and exit 0, or 2 when the page shows the emulator refusing to start. ``TOKEN`` is the
``control_token`` of the first emulator, as the page says. The page's ports 8080 and 8443 are
replaced by free ports.
"""

import os
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Iterator, List, NamedTuple, Optional

import pytest

from tests.docs.test_cli_page import Command, _free_port, matches, page_commands, shown
from tests.docs.test_examples_run import Block, blocks_of, looks_like_python
from tests.helpers.processes import ROOT, child_env, stop

pytest.importorskip('werkzeug')
pytest.importorskip('pydicom')

PAGE = ROOT / 'docs' / 'source' / 'emulator.rst'
PAGE_PORTS = ('8080', '8443')
BANNER = 'Ambra emulator listening on '
REFUSED = 'The Ambra emulator did not start: '
FILE_NAME = re.compile(r'^#\s*(\S+\.py)\s*$')


def page_text() -> str:
    return PAGE.read_text(encoding='utf-8')


def python_literals() -> List[Block]:
    """The page's Python examples in ``::`` literal blocks, in page order."""
    return [block for block in blocks_of(PAGE.name, page_text())
            if block.kind == 'literal' and not block.opted_out and looks_like_python(block.text)]


def file_name(block: Block) -> Optional[str]:
    match = FILE_NAME.match(block.text.splitlines()[0])
    return match.group(1) if match else None


class Ran(NamedTuple):
    """One command of the page, as run: what it printed and its exit code (None: still running)."""

    command: Command
    output: str
    returncode: Optional[int]


class Session(NamedTuple):
    ran: List[Ran]
    script: 'subprocess.CompletedProcess[str]'


def _banner(proc: 'subprocess.Popen[str]', timeout: float = 60) -> str:
    """The lines ``proc`` prints up to its "Press Ctrl-C" line."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in iter(proc.stdout.readline, ''):
            lines.put(line)
            if line.startswith('Press Ctrl-C'):
                return
        lines.put('')

    threading.Thread(target=read, daemon=True).start()
    printed = []
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError('no banner within {0} s: {1}'.format(timeout, ''.join(printed)))
        printed.append(line)
        if not line or line.startswith('Press Ctrl-C'):
            return ''.join(printed)


def _banner_value(banner: str, key: str) -> str:
    for line in banner.splitlines():
        name, _, value = line.strip().partition(': ')
        if name == key:
            return value.split()[0]
    raise AssertionError('{0} not in the banner:\n{1}'.format(key, banner))


@pytest.fixture(scope='module')
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    ports = {port: str(_free_port()) for port in PAGE_PORTS}

    def local(text: str) -> str:
        for page_port, port in ports.items():
            text = text.replace(page_port, port)
        return text

    cwd = tmp_path_factory.mktemp('emulator-page')
    env = child_env(PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get('PATH', ''))
    env.pop('AMBRA_EMULATOR_PASSWORD', None)
    servers: List[subprocess.Popen[str]] = []
    ran: List[Ran] = []
    password = None
    try:
        for command in page_commands(page_text()):
            expected = Command(command.line, local(command.text), [local(line) for line in command.expected])
            if expected.expected and expected.expected[0].startswith(BANNER):
                proc = subprocess.Popen(['bash', '-c', 'exec ' + expected.text], cwd=str(cwd), env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                servers.append(proc)
                banner = _banner(proc)
                ran.append(Ran(expected, shown(banner), proc.poll()))
                if password is None:
                    password = _banner_value(banner, 'password')
                    env['TOKEN'] = _banner_value(banner, 'control_token')
                continue
            done = subprocess.run(['bash', '-c', expected.text], cwd=str(cwd), env=env, text=True, timeout=120,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            ran.append(Ran(expected, shown(done.stdout), done.returncode))
        scripts = [block for block in python_literals() if file_name(block) is None]
        assert len(scripts) == 1 and password is not None, scripts
        code = 'password = {0!r}\n{1}\n'.format(password, local(scripts[0].text))
        script = subprocess.run([sys.executable, '-c', code], cwd=str(cwd), env=env, text=True, timeout=120,
                                capture_output=True)
        yield Session(ran, script)
    finally:
        for proc in servers:
            stop(proc)


def test_the_page_shows_the_sessions_this_test_runs(session):
    commands = [ran.command.text for ran in session.ran]
    assert sum(ran.command.expected[:1] != [] and ran.command.expected[0].startswith(BANNER)
               for ran in session.ran) == 2, commands  # the plain and the TLS emulator
    assert sum(ran.output.startswith(REFUSED) for ran in session.ran) == 4, commands
    assert any(text.startswith('curl ') for text in commands), commands


def test_every_console_command_prints_what_the_page_shows(session):
    for ran in session.ran:
        where = 'emulator.rst:{0}: $ {1}'.format(ran.command.line, ran.command.text)
        assert matches(ran.command.expected, ran.output), '{0}\nprinted:\n{1}'.format(where, ran.output)
        if ran.command.expected[:1] and ran.command.expected[0].startswith(BANNER):
            assert ran.returncode is None, where  # still serving
        else:
            assert ran.returncode == (2 if ran.output.startswith(REFUSED) else 0), where


def test_the_client_script_runs_against_the_standalone_emulator(session):
    assert session.script.returncode == 0, session.script.stderr
    assert session.script.stdout.strip() == 'admin@example.com'


def test_the_pytest_example_passes_with_the_plugin(tmp_path):
    files = {file_name(block): block.text for block in python_literals() if file_name(block)}
    assert set(files) == {'conftest.py', 'test_report.py'}
    for name, text in files.items():
        (tmp_path / name).write_text(text + '\n', encoding='utf-8')
    tests = len(re.findall(r'^def test_', files['test_report.py'], re.MULTILINE))
    env = child_env()
    for name in [name for name in env if name.startswith(('PYTEST_', 'AMBRA_'))]:
        del env[name]
    done = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', str(tmp_path)],
                          cwd=str(tmp_path), env=env, text=True, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert '{0} passed'.format(tests) in done.stdout and tests == 3, done.stdout[-2000:]
