"""Render the union namespaces (``ambra_sdk/service/entrypoints/union/``): the classes of ``api.<Namespace>``.

Each class subclasses the 3.21.6 user-facing class of its namespace (hand-written ones
included) and adds what later documents brought: new methods, and an override of each
method whose parameters or query features differ from the first document's.  Every
method of a union class maps the errors of every document (``_surface = 'union'``).
Namespaces that only later documents have get a class of their own.
"""

from __future__ import annotations

from typing import Any

from tools.codegen import HEADER
from tools.codegen.naming import module_of
from tools.codegen.overrides import HANDWRITTEN_METHODS
from tools.codegen.pyrender import lazy_attribute_lines, py_str
from tools.codegen.render_namespaces import SURFACE_LINES, helper_names, method_lines

UNION_PACKAGE = 'ambra_sdk.service.entrypoints.union'


def differs_from_first(endpoint: dict[str, Any], first: str) -> bool:
    """Whether the union method is not the one the first document generates."""
    if first not in endpoint['documents']:
        return True
    if endpoint['query_class'] != endpoint['documents'][first]['query_class']:
        return True
    return any(
        first not in param['required_in'] or param['required'] != param['required_in'][first]
        for param in endpoint['params']
    )


def render_union_namespace(namespace: str, endpoints: list[dict[str, Any]], first: str) -> str:
    """``entrypoints/union/<module>.py``."""
    module = module_of(namespace)
    existing = any(first in endpoint['documents'] for endpoint in endpoints)
    own = [endpoint for endpoint in endpoints if differs_from_first(endpoint, first)]
    wrapped = [e['method'] for e in own if (namespace, e['method']) in HANDWRITTEN_METHODS]
    if wrapped:
        raise ValueError(f'{namespace}.{wrapped}: changed by a later document but wrapped by hand; update the wrapper')
    new = [endpoint for endpoint in own if first not in endpoint['documents']]
    params = [param for endpoint in own for param in endpoint['params']]
    counts = f'{len(new)} new methods, {len(own) - len(new)} with new parameters or query features'
    lines = [HEADER]
    if existing:
        lines.append(f'"""``api.{namespace}``: the 3.21.6 ``{namespace}`` namespace and later documents ({counts})."""')
    else:
        lines.append(f'"""``api.{namespace}``: a namespace of the later documents ({len(endpoints)} methods)."""')
    if own:
        typing_names = ['Any', 'Dict'] + (['Optional'] if any(not p['required'] for p in params) else [])
        classes = sorted({endpoint['query_class'] for endpoint in own})
        lines += [
            '',
            f'from typing import {", ".join(typing_names)}',
            '',
            f'from ambra_sdk.service.entrypoints._build import {", ".join(helper_names(params))}',
        ]
    else:
        lines.append('')
    if existing:
        lines.append(f'from ambra_sdk.service.entrypoints.{module} import {namespace} as Reference{namespace}')
    if own:
        lines.append(f'from ambra_sdk.service.query import {", ".join(classes)}')
    base = f'(Reference{namespace})' if existing else ''
    lines += [
        '',
        '',
        f'class {namespace}{base}:',
        f'    """{namespace} namespace (``api.{namespace}``): every method of every document read."""',
        *SURFACE_LINES,
        "    _surface = 'union'",
    ]
    if not existing:
        lines += [
            '',
            '    def __init__(self, api: Any) -> None:',
            '        """Bind the namespace to an api.',
            '',
            '        :param api: the :class:`~ambra_sdk.api.Api` that sends the requests.',
            '        """',
            '        self._api = api',
        ]
    for endpoint in own:
        lines += method_lines(endpoint, union=True)
    return '\n'.join(lines) + '\n'


def render_union_init(namespaces: list[str]) -> str:
    """``entrypoints/union/__init__.py``: lazy re-export of the union classes."""
    lines = [
        HEADER,
        '"""The namespace classes of ``api.<Namespace>``: every method of every service document read.',
        '',
        'Each class is imported on first access (``from ambra_sdk.service.entrypoints.union import RuleSet``).',
        '"""',
        '',
        'import importlib',
        'from typing import TYPE_CHECKING, Any',
        '',
        'if TYPE_CHECKING:  # pragma: no cover',
    ]
    lines += [f'    from {UNION_PACKAGE}.{module_of(name)} import {name}' for name in namespaces]
    lines += ['', 'MODULES = {']
    lines += [f'    {py_str(name)}: {py_str(module_of(name))},' for name in namespaces]
    lines += ['}', '', '__all__ = [']
    lines += [f'    {py_str(name)},' for name in namespaces]
    lines += [
        ']',
        '',
        '',
        *lazy_attribute_lines('name in MODULES', "f'{__name__}.{MODULES[name]}'"),
    ]
    return '\n'.join(lines) + '\n'
