"""Issue 25.1/25.2: every install command the package prints installs this package.

The distribution is named ``ambra-sdk`` like the published SDK it copies, so ``pip install
'ambra-sdk[cli]'`` would fetch that other package. Messages take their command from
:func:`ambra_sdk.extras.install_command`; pages and the README name the checkout or a wheel.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ambra_sdk import extras

ROOT = Path(__file__).resolve().parents[2]
#: ``pip install ambra-sdk``, ``pip install 'ambra-sdk[x]'``, ``"ambra-sdk[x]"``: the published SDK by name
BY_NAME = re.compile(r"""pip3?\s+install\s+(-U\s+|--upgrade\s+)?['"]?ambra-sdk\b|['"]ambra-sdk\[""")


def _files():
    yield ROOT / 'README.rst'
    yield ROOT / 'CHANGELOG.rst'
    yield from sorted((ROOT / 'docs' / 'source').glob('*.rst'))
    for folder in ('ambra_sdk', 'bench', 'tools'):
        yield from sorted((ROOT / folder).rglob('*.py'))


@pytest.mark.parametrize('path', list(_files()), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_page_or_message_installs_the_published_sdk_by_name(path):
    found = [
        '{0}: {1}'.format(number, line.strip())
        for number, line in enumerate(path.read_text(encoding='utf-8').splitlines(), 1)
        if BY_NAME.search(line)
    ]
    assert not found, found


@pytest.mark.parametrize('extra', sorted(extras.EXTRAS))
def test_install_command_names_a_path_or_the_requirements(extra, monkeypatch):
    command = extras.install_command(extra)
    assert not BY_NAME.search(command), command
    monkeypatch.setattr(extras, '_recorded_source', lambda: None)
    fallback = extras.install_command(extra)
    assert fallback.startswith('pip install ') and not BY_NAME.search(fallback)
    for requirement in extras.EXTRAS[extra]:
        assert requirement in fallback


def test_install_command_from_a_checkout(monkeypatch, tmp_path):
    monkeypatch.setattr(extras, '_recorded_source', lambda: (str(tmp_path / 'my checkout'), True))
    assert extras.install_command('cli') == "pip install -e '{0}/my checkout[cli]'".format(tmp_path)


def test_unknown_extra_is_a_key_error():
    with pytest.raises(KeyError):
        extras.install_command('nonsense')


def test_installation_page_lists_every_extra():
    page = (ROOT / 'docs' / 'source' / 'installation.rst').read_text(encoding='utf-8')
    for extra in extras.EXTRAS:
        assert '``{0}``'.format(extra) in page, extra


BLOCK_CLICK = (
    "import sys\n"
    "class Block:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.split('.')[0] == 'click':\n"
    "            raise ModuleNotFoundError(\"No module named 'click'\", name='click')\n"
    "sys.meta_path.insert(0, Block())\n"
    "sys.argv = ['ambra', '--version']\n"
    "from ambra_sdk.__main__ import main\n"
    "main()\n"
)


def test_ambra_without_click_prints_one_line_and_exits_2():
    result = subprocess.run([sys.executable, '-c', BLOCK_CLICK], capture_output=True, text=True, timeout=60,
                            cwd=str(ROOT))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and 'Traceback' not in result.stderr, result.stderr
    assert lines[0].startswith('ambra: error: the command line needs the \'cli\' extra: pip install ')
    assert 'click' in lines[0]


#: ``Emulator().start()`` with one module of the emulator extra missing (werkzeug itself present).
BLOCK_EMULATOR_MODULE = '''
import sys
sys.modules[{module!r}] = None
from ambra_sdk.emulator import Emulator
try:
    Emulator(tls={tls}).start()
except ImportError as error:
    print(error)
else:
    print('started')
'''


@pytest.mark.parametrize(('module', 'tls'), [('pydicom', False), ('numpy', False), ('wsproto', False),
                                             ('trustme', True)])
def test_emulator_start_without_a_module_of_the_extra_names_the_extra(module, tls):
    """Issue 25.2: not only a missing werkzeug: any module of the ``emulator`` extra gives the install hint."""
    result = subprocess.run([sys.executable, '-c', BLOCK_EMULATOR_MODULE.format(module=module, tls=tls)],
                            capture_output=True, text=True, timeout=120, cwd=str(ROOT))
    assert result.returncode == 0 and 'Traceback' not in result.stderr, result.stderr
    line = result.stdout.strip()
    assert line.startswith("The Ambra emulator needs the 'emulator' extra: pip install "), line
    assert '(missing module: {0})'.format(module) in line
