"""``mypy --strict`` on user scripts, against the package as installed.

mypy runs from a temporary directory with the package reachable only through
``sys.path`` (``PYTHONPATH``), as after ``pip install``: errors inside the
package are not reported, only those in the user scripts. The scripts are the
README's example (taken from README.rst), the docs' quickstart, a storage and an
addon script; ``reveal_storage.py`` pins the inferred result types.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.readme import readme_example

pytest.importorskip('mypy')

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
EXPECT = re.compile(r'#\s*expect:\s*(.+?)\s*$')
REVEALED = re.compile(r'^reveal_storage\.py:(\d+): note: Revealed type is "(.+)"$')


def normalise(revealed: str) -> str:
    """Spell a revealed type as recent mypy does: ``A | B`` rather than ``Union[A, B]``/``Optional[A]``."""
    match = re.fullmatch(r'(Union|Optional)\[(.+)\]', revealed)
    if not match:
        return revealed
    parts = [part.strip() for part in match.group(2).split(',')]
    if match.group(1) == 'Optional':
        parts.append('None')
    return ' | '.join(parts)


def run_mypy(tmp_path: Path, *files: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env['PYTHONPATH'] = str(ROOT)
    env.pop('MYPYPATH', None)
    command = [
        sys.executable, '-m', 'mypy', '--strict', '--no-incremental', '--show-traceback',
        '--cache-dir', str(tmp_path / '.mypy_cache'), '--python-version', '{}.{}'.format(*sys.version_info[:2]),
        *files,
    ]
    return subprocess.run(command, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope='module')
def mypy_run(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp('user-scripts')
    for script in sorted((HERE / 'user_scripts').glob('*.py')):
        shutil.copy(script, tmp_path / script.name)
    shutil.copy(HERE / 'reveal_storage.py', tmp_path / 'reveal_storage.py')
    (tmp_path / 'readme_example.py').write_text(readme_example(), encoding='utf-8')
    files = sorted(path.name for path in tmp_path.glob('*.py'))
    return run_mypy(tmp_path, *files)


def test_normalise():
    assert normalise('Union[a.A, b.B]') == 'a.A | b.B'
    assert normalise('Optional[box.box.Box]') == 'box.box.Box | None'
    assert normalise('box.box.Box') == 'box.box.Box'


def test_readme_example_is_extracted():
    code = readme_example()
    assert 'api.Study.list()' in code
    compile(code, 'readme_example.py', 'exec')


def test_user_scripts_pass_mypy_strict(mypy_run):
    assert mypy_run.returncode == 0, mypy_run.stdout + mypy_run.stderr
    assert 'Success: no issues found' in mypy_run.stdout


def test_result_types_are_inferred(mypy_run):
    expected = {}
    for number, line in enumerate((HERE / 'reveal_storage.py').read_text().splitlines(), start=1):
        match = EXPECT.search(line)
        if match and 'reveal_type(' in line:
            expected[number] = match.group(1)
    revealed = {}
    for line in mypy_run.stdout.splitlines():
        match = REVEALED.match(line.strip())
        if match:
            revealed[int(match.group(1))] = normalise(match.group(2))
    assert expected
    assert revealed == expected
