"""Render ``ambra_sdk/exceptions/service.py`` (one class per error type)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tools.codegen import HEADER
from tools.codegen.catalogue import FILTER_ERROR_TYPES, SORT_ERROR_TYPES
from tools.codegen.naming import error_class

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


def render_exceptions(catalogue: dict[str, Any]) -> str:
    """The module source."""
    lines = [
        HEADER,
        '"""Service exceptions: one :class:`PreconditionFailed` subclass per documented error type.',
        '',
        'The class name is the CamelCased error type (``NOT_FOUND`` -> :class:`NotFound`).',
        'Each docstring is the vendor\'s most common description of the error.',
        '"""',
        '',
        'from ambra_sdk.exceptions.service_base import (',
    ]
    lines += [f'    {base},' for base in BASES]
    lines.append(')')
    names = []
    for error_type, description in error_descriptions(catalogue).items():
        name = error_class(error_type)
        names.append(name)
        text = description.rstrip('.') + '.' if description else error_type + '.'
        text = text.replace('\\', '\\\\').replace('"', '\\"')
        lines += ['', '', f'class {name}(PreconditionFailed):', f'    """{text}"""']
    lines += ['', '', '__all__ = [']
    lines += [f"    '{name}'," for name in sorted(BASES + tuple(names))]
    lines.append(']')
    return '\n'.join(lines) + '\n'
