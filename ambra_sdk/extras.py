"""The optional extras of this package, and the one way to tell a user how to install one.

``setup.py`` reads :data:`EXTRAS` from this file (it runs it without importing the package),
so the table below is the only list of extras. :func:`install_command` is the only place a
message names a ``pip install``: the distribution of this package is named ``ambra-sdk`` like
the published SDK it copies, so installing ``ambra-sdk`` by name, with or without an extra,
would fetch that other package from the index. The command printed here installs *this* package instead: from the
checkout or wheel it was installed from when pip recorded one, else only the extra's
requirements, next to the package already installed.

This module imports nothing but the standard library.
"""

import json
import shlex
from typing import Dict, List, Optional, Tuple

#: Distribution name (shared with the published SDK: never ``pip install`` it by name).
DISTRIBUTION = 'ambra-sdk'

_BASE: Dict[str, List[str]] = {
    # the offline emulator: HTTP server, DICOM parsing, websocket channel, TLS certificates
    'emulator': ['werkzeug>=2.2', 'pydicom>=2.3', 'numpy>=1.21', 'wsproto>=1.2', 'trustme>=1.0', 'zlib-ng>=0.4'],
    # the websocket channel client (ambra_sdk.service.ws)
    'ws': ['websockets>=13.0'],
    # DICOM reading for api.Addon
    'dicom': ['pydicom>=2.3'],
    # progress bars
    'progress': ['tqdm>=4.0'],
    # the ``ambra`` command line: click for the commands, tqdm for its progress bars
    'cli': ['click>=8.0', 'tqdm>=4.0'],
    # optional store of the command line's passwords and sids (see docs/source/cli.rst)
    'keyring': ['keyring>=23'],
    # zlib-ng's SIMD crc32 for the multipart chunks' checksums (ambra_sdk.checksum; same values as zlib)
    'fast': ['zlib-ng>=0.4'],
}


def _union(*names: str, more: Tuple[str, ...] = ()) -> List[str]:
    requirements = set(more)
    for name in names:
        requirements.update(_BASE[name])
    return sorted(requirements)


#: Every extra with its requirements (``extras_require``).
EXTRAS: Dict[str, List[str]] = dict(_BASE)
#: every feature a user can ask for, without the documentation and test tools
EXTRAS['all'] = _union(*_BASE)
#: sphinx-build: autodoc imports the emulator and the pages' examples run against it
EXTRAS['docs'] = _union('emulator', 'ws', 'cli', more=('sphinx>=5', 'dynaconf>=3.1'))
#: everything the test suite needs
EXTRAS['test'] = _union(
    *_BASE,
    more=(
        'sphinx>=5', 'dynaconf>=3.1', 'pytest>=7', 'pytest-xdist>=3', 'hypothesis>=6', 'ruff', 'mypy',
        'types-requests',
    ),
)


def _recorded_source() -> Optional[Tuple[str, bool]]:
    """Where pip installed this package from, as pip recorded it (PEP 610), if from a local path."""
    try:
        from importlib import metadata

        text = metadata.distribution(DISTRIBUTION).read_text('direct_url.json')
    except Exception:  # noqa: BLE001 (no metadata, another packager: no recorded source)
        return None
    if not text:
        return None
    try:
        recorded = json.loads(text)
        url = recorded['url']
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(url, str) or not url.startswith('file://'):
        return None
    from urllib.parse import unquote, urlsplit

    path = unquote(urlsplit(url).path)
    import os

    if not os.path.exists(path):  # a wheel since deleted, a moved checkout: not a usable source
        return None
    editable = bool(isinstance(recorded.get('dir_info'), dict) and recorded['dir_info'].get('editable'))
    return path, editable


def install_command(extra: str) -> str:
    """The ``pip install`` command that adds ``extra`` to this package, never the published SDK.

    :param extra: a key of :data:`EXTRAS` (``'emulator'``, ``'cli'``, ...)
    :return: e.g. ``pip install -e '/src/ambra-sdk[cli]'`` for a checkout, else
        ``pip install 'click>=8.0' 'tqdm>=4.0'`` (the extra's own requirements)
    :raises KeyError: for an extra this package does not have
    """
    requirements = EXTRAS[extra]
    source = _recorded_source()
    if source is not None:
        path, editable = source
        return 'pip install {0}{1}'.format('-e ' if editable else '', shlex.quote('{0}[{1}]'.format(path, extra)))
    return 'pip install ' + ' '.join(shlex.quote(requirement) for requirement in requirements)


def missing_extra_message(extra: str, what: str, missing: Optional[str] = None) -> str:
    """One line for a feature whose extra is not installed.

    :param extra: the extra's name
    :param what: the feature, as the start of the sentence (e.g. ``'the command line'``)
    :param missing: the module that failed to import, if known
    """
    line = "{0} needs the '{1}' extra: {2}".format(what, extra, install_command(extra))
    if missing:
        line += ' (missing module: {0})'.format(missing)
    return line
