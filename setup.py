"""Packaging of ambra-sdk: the metadata is in pyproject.toml; the version and the extras are here."""

import re
import runpy
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
VERSION = re.search(
    r"__version__ = '([^']+)'", (HERE / 'ambra_sdk' / '__init__.py').read_text(encoding='utf-8'),
).group(1)
# The package says '3.21.6.0-1' (as the reference); PEP 440 spells it '3.21.6.0.post1'. The
# distribution carries the epoch 1 (docs/source/installation.rst, "Versions"): every release of the
# published SDK of the same name (epoch 0) is older, so `pip install -U ambra-sdk` never swaps this
# package for that one.
EPOCH = '1!'
VERSION = EPOCH + VERSION.replace('-', '.post')

# The one table of extras (ambra_sdk/extras.py, also used for the install hints of error messages),
# read without importing the package.
EXTRAS = runpy.run_path(str(HERE / 'ambra_sdk' / 'extras.py'))['EXTRAS']

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
