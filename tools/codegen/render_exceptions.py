"""Render ``ambra_sdk/exceptions/service.py`` (one class per error type)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tools.codegen import HEADER
from tools.codegen.catalogue import FILTER_ERROR_TYPES, SORT_ERROR_TYPES
from tools.codegen.naming import error_class
from tools.codegen.pyrender import lazy_attribute_lines

BASES = ('AuthorizationRequired', 'MethodNotAllowed', 'PreconditionFailed', 'ServiceResponseError')


def error_descriptions(catalogue: dict[str, Any]) -> dict[str, str]:
    """Error type -> its most common vendor description (ties: first seen)."""
    counters: dict[str, Counter[str]] = {}
    for endpoint in catalogue['endpoints']:
        for error in endpoint['errors']:
            counters.setdefault(error['type'], Counter())[error['description']] += 1
        extra: tuple[str, ...] = ()
        if endpoint['filterable']:
            extra += FILTER_ERROR_TYPES
        if endpoint['sortable']:
            extra += SORT_ERROR_TYPES
        for error_type in extra:
            description = catalogue['global_errors'][error_type]['description']
            counters.setdefault(error_type, Counter())[description] += 1
    return {error_type: counter.most_common(1)[0][0] for error_type, counter in sorted(counters.items())}


ADDED_MODULE = 'ambra_sdk.exceptions.service_added'


def _class_lines(descriptions: dict[str, str], since: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    lines: list[str] = []
    names = []
    for error_type, description in descriptions.items():
        name = error_class(error_type)
        names.append(name)
        text = description.rstrip('.') + '.' if description else error_type + '.'
        if since is not None:
            text += f' (``{error_type}``, documented since {since[error_type]}.)'
        text = text.replace('\\', '\\\\').replace('"', '\\"')
        lines += ['', '', f'class {name}(PreconditionFailed):', f'    """{text}"""']
    return lines, names


def added_error_types(reference: dict[str, Any], union: dict[str, Any]) -> dict[str, str]:
    """Error types of the union that the first document does not have -> their description."""
    known = set(error_descriptions(reference))
    return {t: d for t, d in error_descriptions(union).items() if t not in known}


def _since(union: dict[str, Any]) -> dict[str, str]:
    result: dict[str, str] = {}
    for endpoint in union['endpoints']:
        for error in endpoint['errors']:
            first = result.get(error['type'])
            if first is None or list(union['documents']).index(error['since']) < list(union['documents']).index(first):
                result[error['type']] = error['since']
    return result


def render_exceptions(reference: dict[str, Any], union: dict[str, Any]) -> str:
    """``ambra_sdk/exceptions/service.py``: the 3.21.6 classes, the added ones by attribute."""
    added = [error_class(t) for t in added_error_types(reference, union)]
    lines = [
        HEADER,
        '"""Service exceptions: one :class:`PreconditionFailed` subclass per documented error type.',
        '',
        'The class name is the CamelCased error type (``NOT_FOUND`` -> :class:`NotFound`).',
        'Each docstring is the vendor\'s most common description of the error.',
        '',
        f'The module body holds the classes of {reference["document"]} (the 3.21.6 module); the',
        f'{len(added)} classes of the error codes later documents added live in :mod:`{ADDED_MODULE}`',
        'and are attributes of this module too (``from ambra_sdk.exceptions.service import Locked``).',
        '"""',
        '',
        'import importlib',
        'from typing import Any',
        '',
        'from ambra_sdk.exceptions.service_base import (',
    ]
    lines += [f'    {base},' for base in BASES]
    lines.append(')')
    body, names = _class_lines(error_descriptions(reference))
    lines += body
    lines += ['', 'ADDED = (']
    lines += [f"    '{name}'," for name in added]
    lines += [
        ')',
        '',
        '',
        # not cached: the module's globals stay the 3.21.6 classes whatever was looked up
        *lazy_attribute_lines('name in ADDED', repr(ADDED_MODULE), cache=False),
    ]
    lines += ['', '', '__all__ = [']
    lines += [f"    '{name}'," for name in sorted(BASES + tuple(names))]
    lines += [']', '__all__ += ADDED  # reached through __getattr__']
    return '\n'.join(lines) + '\n'


def render_added_exceptions(reference: dict[str, Any], union: dict[str, Any]) -> str:
    """``ambra_sdk/exceptions/service_added.py``: classes of the error codes later documents added."""
    lines = [
        HEADER,
        '"""Service exceptions of the error codes later service documents added (each a :class:`PreconditionFailed`).',
        '',
        'Reach them through :mod:`ambra_sdk.exceptions.service` like every other service exception.',
        '"""',
        '',
        'from ambra_sdk.exceptions.service_base import PreconditionFailed',
    ]
    body, names = _class_lines(added_error_types(reference, union), _since(union))
    lines += body
    lines += ['', '', '__all__ = [']
    lines += [f"    '{name}'," for name in sorted(names)]
    lines.append(']')
    return '\n'.join(lines) + '\n'
