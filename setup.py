"""Packaging of ambra-sdk."""

import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
VERSION = re.search(
    r"__version__ = '([^']+)'", (HERE / 'ambra_sdk' / '__init__.py').read_text(encoding='utf-8'),
).group(1)

EXTRAS = {
    'emulator': ['werkzeug>=2.2', 'pydicom>=2.3', 'numpy>=1.21', 'trustme>=1.0'],
    'dicom': ['pydicom>=2.3'],
    'progress': ['tqdm>=4.0'],
    'docs': ['sphinx>=5', 'dynaconf>=3.1'],
}
EXTRAS['test'] = sorted(
    set(EXTRAS['emulator'] + EXTRAS['progress'] + EXTRAS['docs'])
    | {'pytest>=7', 'hypothesis>=6', 'dynaconf>=3.1', 'ruff', 'mypy', 'types-requests'},
)

setup(
    name='ambra-sdk',
    version=VERSION,
    description='Python client for the Ambra Health (DICOM Grid) service and storage APIs, with an offline emulator',
    long_description=(HERE / 'README.rst').read_text(encoding='utf-8'),
    long_description_content_type='text/x-rst',
    license='Apache-2.0',
    python_requires='>=3.9',
    packages=find_packages(include=['ambra_sdk', 'ambra_sdk.*']),
    package_data={'ambra_sdk': ['py.typed', 'service/endpoints.json', 'emulator/data/*']},
    include_package_data=True,
    install_requires=['requests>=2.24', 'urllib3>=1.26', 'python-box>=5.1'],
    extras_require=EXTRAS,
    entry_points={'pytest11': ['ambra_sdk.emulator.pytest_plugin = ambra_sdk.emulator.pytest_plugin']},
    classifiers=[
        'Programming Language :: Python :: 3',
        'License :: OSI Approved :: Apache Software License',
        'Topic :: Scientific/Engineering :: Medical Science Apps.',
        'Typing :: Typed',
    ],
)
