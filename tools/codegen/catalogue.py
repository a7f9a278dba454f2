"""Turn parsed endpoints into the endpoint data spec (endpoints.json records)."""

from __future__ import annotations

import re
from typing import Any

from tools.codegen import naming
from tools.codegen.overrides import UNMAPPED_ERRORS
from tools.codegen.parse_api import ApiDocument, Endpoint, Param
from tools.codegen.textutil import to_text

FILTER_ERROR_TYPES = ('INVALID_FIELD', 'INVALID_CONDITION', 'FILTER_NOT_FOUND')
SORT_ERROR_TYPES = ('INVALID_SORT_FIELD', 'INVALID_SORT_ORDER')
_GLOBAL_ERROR = re.compile(r'([A-Z_]+)\s*&bull;\s*(.*?)<br>')


def query_class(endpoint: Endpoint) -> str:
    """``QueryO`` + P (paginated) + S (sortable) + F (filterable), spec §2.4."""
    return (
        'QueryO'
        + ('P' if endpoint.paginated else '')
        + ('S' if endpoint.sortable else '')
        + ('F' if endpoint.filterable else '')
    )


def paginated_field(endpoint: Endpoint) -> str | None:
    """The single top-level array among the documented returns of a P endpoint."""
    if not endpoint.paginated:
        return None
    arrays = [f.name for f in endpoint.returns if f.depth == 0 and 'array' in f.description.lower()]
    if len(arrays) != 1:
        raise ValueError(f'{endpoint.url}: expected one array in returns, got {arrays}')
    return arrays[0]


def sort_key(param: Param) -> str:
    """Signature order key: wire name, or Python name for dict-expanded params."""
    return param.python_name if param.dict_prefix is not None else param.name


def sort_key_of(record: dict[str, Any]) -> str:
    """:func:`sort_key` of a parameter record of endpoints.json."""
    return record['python_name'] if record['dict_prefix'] is not None else record['name']


def signature_params(endpoint: Endpoint) -> list[Param]:
    """Required params alphabetically, then optional params alphabetically."""
    required = sorted((p for p in endpoint.params if p.required), key=sort_key)
    optional = sorted((p for p in endpoint.params if not p.required), key=sort_key)
    return required + optional


def global_errors(source: str) -> dict[str, dict[str, str]]:
    """Descriptions of the filter/sort errors documented in the intro sections."""
    result: dict[str, dict[str, str]] = {}
    wanted = set(FILTER_ERROR_TYPES + SORT_ERROR_TYPES)
    for anchor in ('filter', 'sort'):
        start = source.find(f'<a name="{anchor}">')
        end = source.find('<h3>', source.find('</h3>', start))
        for match in _GLOBAL_ERROR.finditer(source[start:end]):
            if match.group(1) in wanted:
                result[match.group(1)] = {'type': match.group(1), 'description': to_text(match.group(2))}
    return result


def endpoint_record(endpoint: Endpoint) -> dict[str, Any]:
    """The endpoints.json record of one endpoint (shape from DEVELOPERS.md)."""
    mapped = endpoint.url not in UNMAPPED_ERRORS and not endpoint.errors_in_notes
    return {
        'url': endpoint.url,
        'namespace': endpoint.namespace,
        'method': endpoint.method,
        'sid': endpoint.sid,
        'required_sid': endpoint.sid != 'none',
        'query_class': query_class(endpoint),
        'paginated_field': paginated_field(endpoint),
        'filterable': endpoint.filterable,
        'sortable': endpoint.sortable,
        'description': endpoint.description,
        'params': [
            {
                'name': p.name,
                'python_name': p.python_name,
                'required': p.required,
                'description': p.description,
                'dict_prefix': p.dict_prefix,
                **({'dict_quote': p.dict_quote} if p.dict_quote else {}),
                **({'fields': p.fields} if p.fields else {}),
            }
            for p in signature_params(endpoint)
        ],
        'alternatives': endpoint.alternatives,
        'errors': [
            {'type': e.type, 'subtype': e.subtype, 'description': e.description, 'mapped': mapped}
            for e in endpoint.errors
        ],
        'http_errors': endpoint.http_errors,
        'returns': [{'name': r.name, 'depth': r.depth, 'description': r.description} for r in endpoint.returns],
        'permission': endpoint.permission,
        'notes': endpoint.notes,
        'section': endpoint.section_title,
        'docstring_title': naming.docstring_title(endpoint.url),
    }


def build_catalogue(document: ApiDocument, source: str) -> dict[str, Any]:
    """The whole endpoints.json document."""
    return {
        'generator': 'tools/codegen',
        'document': document.version,
        'global_errors': global_errors(source),
        'endpoints': [endpoint_record(e) for e in document.endpoints],
    }
