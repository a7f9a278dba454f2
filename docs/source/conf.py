"""Sphinx configuration of the ambra-sdk documentation.

For the ``doctest`` builder an emulator (:mod:`ambra_sdk.emulator`) is started
in this process in TLS mode (``REQUESTS_CA_BUNDLE`` is set to its CA file), and
dynaconf's ``settings.API`` (``url``, ``username``, ``password``) points at it, so the pages' ``testsetup`` blocks work as
written. Set ``AMBRA_DOCS_API_URL``/``_USERNAME``/``_PASSWORD`` (or
``DYNACONF_API``) to run the doctests against another server.
"""

import atexit
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import ambra_sdk  # noqa: E402

project = 'Ambra-SDK'
author = 'ambra-sdk developers'
copyright = '2026, ambra-sdk developers'  # noqa: A001
release = ambra_sdk.__version__
version = release

extensions = ['sphinx.ext.autodoc', 'sphinx.ext.doctest', 'sphinx.ext.viewcode']
templates_path: list = []
exclude_patterns = ['_build']
html_theme = 'alabaster'
autodoc_member_order = 'bysource'
doctest_global_setup = ''


def _start_emulator_for_doctests() -> None:
    if 'DYNACONF_API' in os.environ:
        return
    url = os.environ.get('AMBRA_DOCS_API_URL')
    if url:
        settings = {
            'url': url,
            'username': os.environ['AMBRA_DOCS_API_USERNAME'],
            'password': os.environ['AMBRA_DOCS_API_PASSWORD'],
        }
    else:
        from ambra_sdk.emulator import Emulator

        # TLS, as the real server: the pages' https examples (the SDK's default
        # storage URL) run as written; requests trusts the emulator's CA.
        emulator = Emulator(seed=True, tls=True)
        emulator.start()
        atexit.register(emulator.stop)
        os.environ['REQUESTS_CA_BUNDLE'] = str(emulator.ca_file)
        settings = {'url': emulator.url, 'username': emulator.username, 'password': emulator.password}
        os.environ['AMBRA_DOCS_STORAGE_BASE_URL'] = emulator.storage_base_url
        os.environ['AMBRA_DOCS_ENGINE_FQDN'] = emulator.engine_fqdn
    os.environ['DYNACONF_API'] = '@json ' + json.dumps(settings)


if 'doctest' in sys.argv:
    _start_emulator_for_doctests()
