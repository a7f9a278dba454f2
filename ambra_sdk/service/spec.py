"""Read the generated endpoint data spec (``endpoints.json``).

The file is written by ``tools/codegen`` from two service documents (LBL0022 v47.0, the
3.21.6 surface, and v55.0); its shape is documented in DEVELOPERS.md ("Service endpoint
data spec"). It holds the *union* of the documents: every endpoint, parameter and error
says the version it comes from (``since``, ``until``, ``renamed_to``/``renamed_from``).

Two surfaces are read from it:

* ``'reference'``: the calls as the first document (v47) defines them, i.e. the 3.21.6
  surface of :mod:`ambra_sdk.service.entrypoints` (417 endpoints): its endpoints, its
  parameters with its required flags, its errors and its query features;
* ``'union'``: every record as stored (440 endpoints), the surface of ``api.<Namespace>``
  (:mod:`ambra_sdk.service.entrypoints.union`).
"""

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List

ENDPOINTS_FILE = Path(__file__).with_name('endpoints.json')
REFERENCE = 'reference'
UNION = 'union'
SURFACES = (REFERENCE, UNION)
_ERROR_KEYS = ('type', 'subtype', 'description', 'mapped')


@lru_cache(maxsize=1)
def load_document() -> Dict[str, Any]:
    """Return the whole decoded ``endpoints.json`` (cached)."""
    with ENDPOINTS_FILE.open(encoding='utf-8') as stream:
        document: Dict[str, Any] = json.load(stream)
    return document


def versions() -> List[str]:
    """The document versions read by the generator, oldest first (``['v47', 'v55']``)."""
    return list(load_document()['documents'])


def in_version(item: Dict[str, Any], version: str) -> bool:
    """Whether the document ``version`` has ``item`` (an endpoint, parameter or error record).

    :param item: a record with ``since`` and, when a later document dropped it, ``until``.
    :param version: e.g. ``'v47'``.
    """
    order = versions()
    position = order.index(version)
    if order.index(item['since']) > position:
        return False
    return 'until' not in item or order.index(item['until']) > position


def _as_documented(record: Dict[str, Any], version: str) -> Dict[str, Any]:
    """The record as the document ``version`` defines the call (texts stay the newest)."""
    result = dict(record)
    result.update(record['documents'][version])
    result['params'] = [
        dict(param, required=param['required_in'][version])
        for param in record['params'] if version in param['required_in']
    ]
    result['errors'] = [
        {key: error[key] for key in _ERROR_KEYS} for error in record['errors'] if in_version(error, version)
    ]
    return result


@lru_cache(maxsize=1)
def load_all_endpoints() -> List[Dict[str, Any]]:
    """Return the 440 union records (the ``'union'`` surface; cached; do not mutate)."""
    endpoints: List[Dict[str, Any]] = load_document()['endpoints']
    return endpoints


@lru_cache(maxsize=1)
def load_endpoints() -> List[Dict[str, Any]]:
    """Return the 417 records of the 3.21.6 surface in api.html order (cached; do not mutate)."""
    first = versions()[0]
    return [_as_documented(record, first) for record in load_all_endpoints() if first in record['documents']]


@lru_cache(maxsize=2)
def _by_url(surface: str) -> Dict[str, Dict[str, Any]]:
    records = load_endpoints() if surface == REFERENCE else load_all_endpoints()
    return {endpoint['url']: endpoint for endpoint in records}


def endpoint_by_url(url: str, surface: str = REFERENCE) -> Dict[str, Any]:
    """Return the record of one endpoint.

    :param url: relative URL, e.g. ``/study/list`` (a missing leading ``/`` is added).
    :param surface: ``'reference'`` (the 3.21.6 surface) or ``'union'``.
    :raises KeyError: for an undocumented URL.
    """
    if surface not in SURFACES:
        raise ValueError('surface must be one of {0}, got {1!r}'.format(SURFACES, surface))
    if not url.startswith('/'):
        url = '/' + url
    return _by_url(surface)[url]


def global_errors() -> Dict[str, Dict[str, str]]:
    """Return the filter/sort errors documented outside the endpoint tables.

    Keys: ``INVALID_FIELD``, ``INVALID_CONDITION``, ``FILTER_NOT_FOUND``,
    ``INVALID_SORT_FIELD``, ``INVALID_SORT_ORDER``.
    """
    errors: Dict[str, Dict[str, str]] = load_document()['global_errors']
    return errors


__all__ = [
    'ENDPOINTS_FILE',
    'REFERENCE',
    'SURFACES',
    'UNION',
    'endpoint_by_url',
    'global_errors',
    'in_version',
    'load_all_endpoints',
    'load_document',
    'load_endpoints',
    'versions',
]
