"""Packaging of ambra-sdk: the metadata is in pyproject.toml; the version and the extras are here."""

import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
VERSION = re.search(
    r"__version__ = '([^']+)'", (HERE / 'ambra_sdk' / '__init__.py').read_text(encoding='utf-8'),
).group(1)
# The package says '3.21.6.0-1' (as the reference); PEP 440 spells it '3.21.6.0.post1'.
VERSION = VERSION.replace('-', '.post')

EXTRAS = {
    'emulator': ['werkzeug>=2.2', 'pydicom>=2.3', 'numpy>=1.21', 'wsproto>=1.2', 'trustme>=1.0'],
    'ws': ['websockets>=13.0'],
    'dicom': ['pydicom>=2.3'],
    'progress': ['tqdm>=4.0'],
    'docs': ['sphinx>=5', 'dynaconf>=3.1'],
    # the ``ambra`` command line: click for the commands, tqdm for its progress bars
    'cli': ['click>=8.0', 'tqdm>=4.0'],
    # optional store of the command line's passwords and sids (see docs/source/cli.rst)
    'keyring': ['keyring>=23'],
}
# sphinx-build with the docs extra: autodoc imports the emulator and the doctests run against it
# (the websocket and command-line pages too).
EXTRAS['docs'] = sorted(set(EXTRAS['docs'] + EXTRAS['emulator'] + EXTRAS['ws'] + EXTRAS['cli']))
EXTRAS['test'] = sorted(
    set(EXTRAS['emulator'] + EXTRAS['progress'] + EXTRAS['docs'] + EXTRAS['cli'] + EXTRAS['keyring'] + EXTRAS['ws'])
    | {'pytest>=7', 'hypothesis>=6', 'dynaconf>=3.1', 'ruff', 'mypy', 'types-requests'},
)

setup(
    version=VERSION,
    # package_dir {'': '.'} makes `pip install -e .` a plain .pth entry (not an import hook), so
    # that mypy finds the package of an editable install (see README, "Development").
    package_dir={'': '.'},
    packages=find_packages(include=['ambra_sdk', 'ambra_sdk.*']),
    package_data={'ambra_sdk': ['py.typed', 'service/endpoints.json']},
    include_package_data=True,
    extras_require=EXTRAS,
)
