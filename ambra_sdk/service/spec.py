"""Read the generated endpoint data spec (``endpoints.json``, 417 endpoints).

The file is written by ``tools/codegen``; its shape is documented in
DEVELOPERS.md ("Service endpoint data spec").
"""

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List

ENDPOINTS_FILE = Path(__file__).with_name('endpoints.json')


@lru_cache(maxsize=1)
def load_document() -> Dict[str, Any]:
    """Return the whole decoded ``endpoints.json`` (cached)."""
    with ENDPOINTS_FILE.open(encoding='utf-8') as stream:
        document: Dict[str, Any] = json.load(stream)
    return document


def load_endpoints() -> List[Dict[str, Any]]:
    """Return the 417 endpoint records in api.html order (cached; do not mutate)."""
    endpoints: List[Dict[str, Any]] = load_document()['endpoints']
    return endpoints


@lru_cache(maxsize=1)
def _by_url() -> Dict[str, Dict[str, Any]]:
    return {endpoint['url']: endpoint for endpoint in load_endpoints()}


def endpoint_by_url(url: str) -> Dict[str, Any]:
    """Return the record of one endpoint.

    :param url: relative URL, e.g. ``/study/list`` (a missing leading ``/`` is added).
    :raises KeyError: for an undocumented URL.
    """
    if not url.startswith('/'):
        url = '/' + url
    return _by_url()[url]


def global_errors() -> Dict[str, Dict[str, str]]:
    """Return the filter/sort errors documented outside the endpoint tables.

    Keys: ``INVALID_FIELD``, ``INVALID_CONDITION``, ``FILTER_NOT_FOUND``,
    ``INVALID_SORT_FIELD``, ``INVALID_SORT_ORDER``.
    """
    errors: Dict[str, Dict[str, str]] = load_document()['global_errors']
    return errors


__all__ = ['ENDPOINTS_FILE', 'endpoint_by_url', 'global_errors', 'load_document', 'load_endpoints']
