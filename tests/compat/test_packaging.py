"""Package metadata: pyproject.toml (PEP 621/639) and what setup.py adds."""

import runpy
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.9/3.10
    tomllib = pytest.importorskip('tomli')


@pytest.fixture(scope='module')
def pyproject():
    return tomllib.loads((ROOT / 'pyproject.toml').read_text(encoding='utf-8'))


@pytest.fixture(scope='module')
def setup_kwargs():
    # setup.py runs with a stand-in setuptools (a Python 3.13 venv has none) that records the call
    captured = {}
    fake = types.ModuleType('setuptools')
    fake.setup = lambda **kwargs: captured.update(kwargs)
    fake.find_packages = lambda **kwargs: ['ambra_sdk']
    saved = sys.modules.get('setuptools')
    sys.modules['setuptools'] = fake
    try:
        runpy.run_path(str(ROOT / 'setup.py'), run_name='__main__')
    finally:
        if saved is None:
            del sys.modules['setuptools']
        else:
            sys.modules['setuptools'] = saved
    return captured


def test_build_system_is_setuptools(pyproject):
    assert pyproject['build-system']['build-backend'] == 'setuptools.build_meta'
    assert any(req.startswith('setuptools>=77') for req in pyproject['build-system']['requires'])


def test_metadata(pyproject):
    project = pyproject['project']
    assert project['name'] == 'ambra-sdk'
    assert project['license'] == 'Apache-2.0'  # PEP 639 SPDX expression
    assert project['license-files'] == ['LICENSE']
    assert not [c for c in project['classifiers'] if c.startswith('License ::')]  # deprecated by PEP 639
    assert project['authors'] and project['keywords']


def test_metadata_describes_this_project_not_the_published_sdk(pyproject):
    # issue 25.1: no address of the published SDK's project, no vendor as author, not "Production/Stable"
    project = pyproject['project']
    assert 'urls' not in project or not any('dicomgrid' in url for url in project['urls'].values())
    assert not any('Ambra Health' in author.get('name', '') for author in project['authors'])
    assert 'Development Status :: 5 - Production/Stable' not in project['classifiers']
    assert 'Development Status :: 4 - Beta' in project['classifiers']
    assert project['scripts'] == {'ambra': 'ambra_sdk.__main__:main'}
    assert project['requires-python'] == '>=3.9'
    assert sorted(project['dependencies']) == ['python-box>=5.1', 'requests>=2.24', 'urllib3>=1.26']
    assert set(project['dynamic']) == {'version', 'optional-dependencies'}
    assert project['entry-points']['pytest11'] == {
        'ambra_sdk.emulator.pytest_plugin': 'ambra_sdk.emulator.pytest_plugin',
    }


def test_setup_py_keeps_version_and_extras(setup_kwargs):
    import ambra_sdk

    assert setup_kwargs['version'] == '1!' + ambra_sdk.__version__.replace('-', '.post')
    extras = setup_kwargs['extras_require']
    assert {'emulator', 'dicom', 'progress', 'docs', 'test', 'all', 'cli', 'ws', 'keyring'} <= set(extras)
    from ambra_sdk.extras import EXTRAS

    assert extras == EXTRAS  # one table
    runtime = set(extras) - {'all', 'docs', 'test'}
    assert set(extras['all']) == {req for name in runtime for req in extras[name]}
    assert set(extras['emulator']) <= set(extras['docs'])  # sphinx-build works with [docs]
    assert set(extras['emulator']) <= set(extras['test'])
    assert setup_kwargs['package_dir'] == {'': '.'}  # editable installs mypy can follow
    assert 'emulator/data/*' not in setup_kwargs['package_data']['ambra_sdk']
    for keyword in ('name', 'license', 'install_requires', 'classifiers', 'long_description'):
        assert keyword not in setup_kwargs, keyword  # in pyproject.toml only


def test_sdist_manifest_lists_tests_docs_changelog_tox():
    manifest = (ROOT / 'MANIFEST.in').read_text(encoding='utf-8')
    for needed in ('recursive-include tests', 'recursive-include docs/source', 'CHANGELOG.rst', 'tox.ini'):
        assert needed in manifest


def test_version_epoch_outranks_every_published_release(setup_kwargs):
    # issue 25.1: `pip install -U ambra-sdk` keeps this package: any epoch-0 version is older
    version = pytest.importorskip('packaging.version')
    ours = version.Version(setup_kwargs['version'])
    assert ours.epoch == 1
    for published in ('3.21.6.0.post1', '3.22.0.0', '99.99.99'):
        assert ours > version.Version(published)
