"""The one helper behind every generated namespace method.

A generated method only collects its arguments; :func:`build_query` picks the
query class and attaches a :class:`LazyErrorsMapping`, which reads the
endpoint's documented errors from ``endpoints.json`` the first time a 412
answer has to be mapped (building a query does no I/O).
"""

import importlib
from collections.abc import Iterator, Mapping
from typing import Any, Dict, Optional, Tuple

from ambra_sdk.service.spec import REFERENCE, endpoint_by_url, global_errors

#: Error types added to every filterable (F) / sortable (S) query.
FILTER_ERROR_TYPES = ('INVALID_FIELD', 'INVALID_CONDITION', 'FILTER_NOT_FOUND')
SORT_ERROR_TYPES = ('INVALID_SORT_FIELD', 'INVALID_SORT_ORDER')
_QUERY_PREFIX = 'QueryO'

ErrorKey = Tuple[str, Optional[str]]


def error_class_name(error_type: str) -> str:
    """``INVALID_HL7_FIELD`` -> ``InvalidHl7Field`` (service_spec §5.1).

    :param error_type: the vendor error token.
    """
    return ''.join(part[:1].upper() + part[1:].lower() for part in error_type.split('_') if part)


def build_errors_mapping(
    url: str, filterable: bool = False, sortable: bool = False, surface: str = REFERENCE,
) -> Dict[ErrorKey, Any]:
    """Build the ``{(ERROR_TYPE, subtype_or_None): exception}`` dict of one endpoint.

    Each exception is a fresh instance carrying the vendor description of the
    error for this endpoint.  Filter/sort errors are added for F/S queries.

    :param url: relative endpoint URL.
    :param filterable: add the filter errors.
    :param sortable: add the sort errors.
    :param surface: ``'reference'`` (the 3.21.6 errors) or ``'union'`` (every document's).
    """
    exceptions = importlib.import_module('ambra_sdk.exceptions.service')
    base = exceptions.PreconditionFailed
    specs: Dict[ErrorKey, str] = {}
    extra: Tuple[str, ...] = (FILTER_ERROR_TYPES if filterable else ()) + (SORT_ERROR_TYPES if sortable else ())
    documented = global_errors()
    for error_type in extra:
        specs[(error_type, None)] = documented[error_type]['description']
    for error in endpoint_by_url(url, surface)['errors']:
        if error.get('mapped', True):
            specs[(error['type'], error['subtype'])] = error['description']
    return {
        key: getattr(exceptions, error_class_name(key[0]), base)(description=description)
        for key, description in specs.items()
    }


class LazyErrorsMapping(Mapping):  # type: ignore[type-arg]
    """A read-only errors mapping that is built on first use.

    :param url: relative endpoint URL.
    :param filterable: add the filter errors.
    :param sortable: add the sort errors.
    :param surface: ``'reference'`` or ``'union'`` (see :func:`build_errors_mapping`).
    """

    def __init__(self, url: str, filterable: bool = False, sortable: bool = False, surface: str = REFERENCE) -> None:
        self._url = url
        self._filterable = filterable
        self._sortable = sortable
        self._surface = surface
        self._data: Optional[Dict[ErrorKey, Any]] = None

    def _mapping(self) -> Dict[ErrorKey, Any]:
        if self._data is None:
            self._data = build_errors_mapping(self._url, self._filterable, self._sortable, self._surface)
        return self._data

    def __getitem__(self, key: Any) -> Any:
        return self._mapping()[key]

    def __iter__(self) -> Iterator[ErrorKey]:
        return iter(self._mapping())

    def __len__(self) -> int:
        return len(self._mapping())

    def __repr__(self) -> str:
        if self._data is None:
            return '<LazyErrorsMapping {url} (not loaded)>'.format(url=self._url)
        return '<LazyErrorsMapping {url} {keys}>'.format(url=self._url, keys=sorted(self._data, key=str))


def add_prefixed(request_data: Dict[str, Any], prefix: str, values: Optional[Dict[str, Any]]) -> None:
    """Add a dict-expanded parameter: each ``k: v`` becomes ``prefix + k``.

    Added after the ordinary parameters, so these keys win on a clash.

    :param request_data: the form data being built.
    :param prefix: e.g. ``'customfield-'``, ``'setting_'`` or ``''`` (keys sent as is).
    :param values: the dict passed by the caller, or None.
    """
    if values is None:
        return
    for key, value in values.items():
        request_data['{prefix}{key}'.format(prefix=prefix, key=key)] = value


def quoted_key(key: str, quote: str = "'") -> str:
    """``O'Brien`` -> ``'O\\'Brien'``: a key quoted, the quote and backslashes escaped with a backslash.

    The v55 document: "a fields name should be quoted with a single quote character. All
    single quotes and backslashes inside the name should be escaped with a backslash character."

    :param key: the name as the caller wrote it.
    :param quote: the quote character.
    """
    escaped = key.replace('\\', '\\\\').replace(quote, '\\' + quote)
    return '{quote}{key}{quote}'.format(quote=quote, key=escaped)


def add_quoted(request_data: Dict[str, Any], prefix: str, values: Optional[Dict[str, Any]], quote: str = "'") -> None:
    """Add a dict-expanded parameter whose keys are sent quoted: ``k: v`` becomes ``prefix + quoted_key(k)``.

    :param request_data: the form data being built.
    :param prefix: e.g. ``'customfield-'``.
    :param values: the dict passed by the caller, or None.
    :param quote: the quote character of the document.
    """
    if values is None:
        return
    for key, value in values.items():
        request_data[prefix + quoted_key(str(key), quote)] = value


def build_query(
    api: Any,
    url: str,
    request_data: Dict[str, Any],
    query_class_name: str,
    required_sid: bool,
    paginated_field: Optional[str] = None,
    surface: str = REFERENCE,
) -> Any:
    """Return the lazy query of a generated method (no I/O).

    :param api: the :class:`~ambra_sdk.api.Api`.
    :param url: relative endpoint URL, e.g. ``/study/list``.
    :param request_data: form data with wire names.
    :param query_class_name: ``QueryO``, ``QueryOPSF``, ... (letters after ``QueryO``
        say paginated/sortable/filterable).
    :param required_sid: the SDK sends the sid.
    :param paginated_field: response key of the rows (P classes only).
    :param surface: whose errors the query maps: ``'reference'`` (3.21.6) or ``'union'``.
    """
    query_module = importlib.import_module('ambra_sdk.service.query')
    query_class = getattr(query_module, query_class_name)
    features = query_class_name[len(_QUERY_PREFIX):]
    errors_mapping = LazyErrorsMapping(url, filterable='F' in features, sortable='S' in features, surface=surface)
    kwargs: Dict[str, Any] = {
        'api': api,
        'url': url,
        'request_data': request_data,
        'errors_mapping': errors_mapping,
        'required_sid': required_sid,
    }
    if 'P' in features:
        kwargs['paginated_field'] = paginated_field
    return query_class(**kwargs)


__all__ = [
    'LazyErrorsMapping',
    'add_prefixed',
    'add_quoted',
    'build_errors_mapping',
    'build_query',
    'error_class_name',
    'quoted_key',
]
