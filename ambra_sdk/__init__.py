"""ambra-sdk: a Python client for the Ambra Health (DICOM Grid) cloud.

This module only holds version facts, so importing it is instant. Start from
:class:`ambra_sdk.api.Api`.
"""

__version__ = '3.21.6.0-1'
API_VERSION = 'LBL0022 v47.0 2021-06-30'
MODELS_VERSION = API_VERSION
STORAGE_VERSION = 'LBL0038 v16.0 2021-08-11'
#: The newest service document the SDK covers: every endpoint, parameter and error code of it
#: (and of ``API_VERSION``) is a method, keyword and exception of ``api.<Namespace>`` (and its
#: data dictionary's models and fields are in :mod:`ambra_sdk.models`). ``API_VERSION`` stays the
#: document of the 3.21.6 surface (:mod:`ambra_sdk.service.entrypoints`). See the
#: "Service documents" section of docs/source/differences.rst.
NEWEST_API_VERSION = 'LBL0022 v55.0 2022-08-03'
DOCS_URL = 'https://dicomgrid.github.io/sdk-python'
ADDON_DOCS_URL = DOCS_URL + '/addon.html'

__all__ = [
    '__version__',
    'API_VERSION',
    'MODELS_VERSION',
    'STORAGE_VERSION',
    'NEWEST_API_VERSION',
    'DOCS_URL',
    'ADDON_DOCS_URL',
]
