"""The union of the endpoint records of several documents, each item with its version of origin.

A method, parameter or error present in any document exists in the union. What the
union records, for every endpoint, parameter and error:

* ``since``: the first document (``"v47"``, ``"v55"``) that has it; ``until``: the first
  later document that no longer has it (it is kept: a 3.21.6 call must still work);
  ``renamed_to``/``renamed_from`` where :data:`~tools.codegen.overrides.RENAMED` says a
  later document renamed a parameter;
* per parameter ``required_in``: ``{version: required}`` for each document that has it;
  ``required`` (the SDK's): required in every document that has the endpoint, so a
  parameter a later document made optional, dropped or added is optional;
* per endpoint ``documents``: each document's query features (``query_class``,
  ``paginated_field``, ``filterable``, ``sortable``); the union's own features are
  filtering and sorting when any document has them, pagination only when every one has
  it (pagination changes what a plain call sends, filtering and sorting send nothing
  until used).

Texts: a parameter's and an error's description come from the document of origin (so
the 3.21.6 messages do not change); the endpoint's description, notes, returns and
permission from the newest document that has it.
"""

from __future__ import annotations

import re
from typing import Any

from tools.codegen.catalogue import sort_key_of
from tools.codegen.overrides import RENAMED

FEATURES = ('query_class', 'paginated_field', 'filterable', 'sortable')
_VERSION = re.compile(r'\bv(\d+)\.\d+\b')


def version_key(document: str) -> str:
    """``'LBL0022 v55.0 2022-08-03'`` -> ``'v55'``."""
    match = _VERSION.search(document)
    if match is None:
        raise ValueError(f'no version in document string {document!r}')
    return 'v' + match.group(1)


def _origin_and_end(present: list[str], versions: list[str]) -> dict[str, str]:
    """``since`` and (when a later document dropped it) ``until``."""
    result = {'since': present[0]}
    start = versions.index(present[0])
    for version in versions[start + 1:]:
        if version not in present:
            result['until'] = version
            break
    return result


def _query_features(records: dict[str, dict[str, Any]]) -> dict[str, Any]:
    filterable = any(r['filterable'] for r in records.values())
    sortable = any(r['sortable'] for r in records.values())
    fields = [r['paginated_field'] for r in records.values()]
    paginated_field = fields[-1] if all(fields) else None
    letters = ('P' if paginated_field else '') + ('S' if sortable else '') + ('F' if filterable else '')
    query_class = 'QueryO' + letters
    return {
        'query_class': query_class, 'paginated_field': paginated_field, 'filterable': filterable, 'sortable': sortable,
    }


def _merge_params(url: str, records: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    versions = list(records)
    by_name: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for index, version in enumerate(versions):
        fresh = [p for p in records[version]['params'] if p['name'] not in by_name]
        if index:  # parameters a later document adds: optional keywords, sorted
            fresh.sort(key=sort_key_of)
        for param in fresh:
            by_name[param['name']] = dict(param)
            order.append(param['name'])
    result = []
    for name in order:
        present = {v: p for v in versions for p in records[v]['params'] if p['name'] == name}
        param = by_name[name]
        param.update(_origin_and_end(list(present), versions))
        param['required_in'] = {v: p['required'] for v, p in present.items()}
        param['required'] = len(present) == len(versions) and all(param['required_in'].values())
        renamed = RENAMED.get((url, name))
        if renamed is not None:
            param['renamed_to'] = renamed
        result.append(param)
    for param in result:
        for (renamed_url, old), new in RENAMED.items():
            if renamed_url == url and new == param['name']:
                param['renamed_from'] = old
    _check_positions(url, result, versions[0])
    return result


def _check_positions(url: str, params: list[dict[str, Any]], first: str) -> None:
    """The parameters of the first document keep their places: required ones stay a leading run."""
    original = [p for p in params if p['since'] == first]
    flags = [p['required'] for p in original]
    if flags != sorted(flags, reverse=True):
        raise ValueError(
            f'{url}: a parameter that a later document made optional is followed by a required one; '
            'decide in tools/codegen/overrides.py',
        )


def _merge_alternatives(records: dict[str, dict[str, Any]]) -> list[list[list[str]]]:
    """Alternative groups of every document (the union demands the least)."""
    lists = [r['alternatives'] for r in records.values()]
    merged: list[list[list[str]]] = []
    for index in range(max(len(alts) for alts in lists)):
        groups: list[list[str]] = []
        for alts in lists:
            for group in alts[index] if index < len(alts) else []:
                if group not in groups:
                    groups.append(group)
        merged.append(groups)
    return merged


def _merge_errors(records: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    versions = list(records)
    merged: list[dict[str, Any]] = [dict(error) for error in records[versions[0]]['errors']]  # duplicates kept
    for version in versions[1:]:
        known = {(e['type'], e['subtype']) for e in merged}
        merged += [dict(e) for e in records[version]['errors'] if (e['type'], e['subtype']) not in known]
    for error in merged:
        key = (error['type'], error['subtype'])
        present = [v for v in versions if any((e['type'], e['subtype']) == key for e in records[v]['errors'])]
        error.update(_origin_and_end(present, versions))
    return merged


def _merge_http_errors(records: dict[str, dict[str, Any]]) -> list[str]:
    result: list[str] = []
    for record in records.values():
        result += [code for code in record['http_errors'] if code not in result]
    return result


def merge_endpoint(url: str, records: dict[str, dict[str, Any]], versions: list[str]) -> dict[str, Any]:
    """The union record of one endpoint from its record in each document that has it."""
    newest = records[list(records)[-1]]
    sid_modes = {r['sid'] for r in records.values()}
    if len(sid_modes) != 1:
        raise ValueError(f'{url}: the documents disagree on the sid ({sorted(sid_modes)}); decide in overrides.py')
    union: dict[str, Any] = {}
    for key, value in newest.items():
        union[key] = value
        if key == 'method':
            union.update(_origin_and_end(list(records), versions))
    union.update(_query_features(records))
    union['documents'] = {v: {key: r[key] for key in FEATURES} for v, r in records.items()}
    union['params'] = _merge_params(url, records)
    union['alternatives'] = _merge_alternatives(records)
    union['errors'] = _merge_errors(records)
    union['http_errors'] = _merge_http_errors(records)
    return union


def merge_catalogues(catalogues: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The endpoints.json document: the union of ``{version: catalogue}`` (oldest first).

    Endpoint order: the first document's, then each later document's new endpoints in its order.
    """
    versions = list(catalogues)
    by_version = {v: {e['url']: e for e in c['endpoints']} for v, c in catalogues.items()}
    urls: list[str] = []
    for version in versions:
        urls += [e['url'] for e in catalogues[version]['endpoints'] if e['url'] not in urls]
    endpoints = [
        merge_endpoint(url, {v: by_version[v][url] for v in versions if url in by_version[v]}, versions)
        for url in urls
    ]
    first = catalogues[versions[0]]
    return {
        'generator': first['generator'],
        'document': first['document'],
        'documents': {v: c['document'] for v, c in catalogues.items()},
        'global_errors': first['global_errors'],
        'endpoints': endpoints,
    }
