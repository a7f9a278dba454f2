"""Render the namespace classes and the user-facing modules."""

from __future__ import annotations

from typing import Any

from tools.codegen import HEADER
from tools.codegen.naming import module_of
from tools.codegen.pyrender import BUILTIN_NAMES, docstring, py_str, rst_text

#: User-facing modules written by hand (not generated, never overwritten).
HANDWRITTEN_USER_MODULES = frozenset({'session', 'study'})


def group_by_namespace(catalogue: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Namespace -> endpoints in document order; namespaces sorted by name."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for endpoint in catalogue['endpoints']:
        groups.setdefault(endpoint['namespace'], []).append(endpoint)
    return dict(sorted(groups.items()))


def _param_doc(param: dict[str, Any]) -> str:
    description = rst_text(param['description']) or param['name']
    if param['dict_prefix'] is None:
        if param['python_name'] != param['name']:
            description += f' (sent as ``{param["name"]}``)'
        return f':param {param["python_name"]}: {description}'
    if param['dict_prefix']:
        how = f'each ``key: value`` is sent as ``{param["dict_prefix"]}<key>``'
    else:
        how = 'each ``key: value`` is sent as is'
    return f':param {param["python_name"]}: A dict, {how}. {description}'


def _method_lines(endpoint: dict[str, Any]) -> list[str]:
    query_class = endpoint['query_class']
    params = endpoint['params']
    lines = ['', f'    def {endpoint["method"]}(', '        self,']
    for param in params:
        name = param['python_name']
        if param['dict_prefix'] is not None:
            annotation = 'Optional[Dict[str, Any]] = None'
        elif param['required']:
            annotation = 'Any'
        else:
            annotation = 'Optional[Any] = None'
        noqa = '  # noqa: A002' if name in BUILTIN_NAMES else ''
        lines.append(f'        {name}: {annotation},{noqa}')
    lines.append(f'    ) -> {query_class}:')
    doc = [endpoint['docstring_title']]
    if endpoint['description']:
        doc += ['', rst_text(endpoint['description'])]
    if endpoint['notes']:
        doc += ['', 'Notes: ' + rst_text(endpoint['notes'])]
    doc.append('')
    doc += [_param_doc(param) for param in params]
    returns = f':returns: a lazy :class:`~ambra_sdk.service.query.{query_class}` for ``{endpoint["url"]}``'
    if endpoint['paginated_field']:
        returns += f' (rows in ``{endpoint["paginated_field"]}``)'
    doc.append(returns + '.')
    lines += docstring(doc, '        ')
    lines.append('        request_data: Dict[str, Any] = {')
    for param in params:
        if param['dict_prefix'] is None:
            lines.append(f'            {py_str(param["name"])}: {param["python_name"]},')
    lines.append('        }')
    for param in params:
        if param['dict_prefix'] is not None:
            lines.append(
                f'        add_prefixed(request_data, {py_str(param["dict_prefix"])}, {param["python_name"]})',
            )
    call = [
        '        return build_query(',
        '            self._api,',
        f'            {py_str(endpoint["url"])},',
        '            request_data,',
        f'            {py_str(query_class)},',
        f'            required_sid={endpoint["required_sid"]},',
    ]
    if endpoint['paginated_field']:
        call.append(f'            paginated_field={py_str(endpoint["paginated_field"])},')
    call.append('        )')
    return lines + call


def render_namespace(namespace: str, endpoints: list[dict[str, Any]]) -> str:
    """``entrypoints/generated/<ns>.py``."""
    classes = sorted({endpoint['query_class'] for endpoint in endpoints})
    section = endpoints[0]['section']
    params = [param for endpoint in endpoints for param in endpoint['params']]
    typing_names = ['Any', 'Dict'] + (['Optional'] if any(not p['required'] for p in params) else [])
    helpers = (['add_prefixed'] if any(p['dict_prefix'] is not None for p in params) else []) + ['build_query']
    lines = [
        HEADER,
        f'"""The ``{namespace}`` namespace: {len(endpoints)} methods of api.html "{section}"."""',
        '',
        f'from typing import {", ".join(typing_names)}',
        '',
        f'from ambra_sdk.service.entrypoints._build import {", ".join(helpers)}',
        f'from ambra_sdk.service.query import {", ".join(classes)}',
        '',
        '',
        f'class {namespace}:',
        f'    """{namespace} namespace (``api.{namespace}``)."""',
        '',
        '    def __init__(self, api: Any) -> None:',
        '        """Bind the namespace to an api.',
        '',
        '        :param api: the :class:`~ambra_sdk.api.Api` that sends the requests.',
        '        """',
        '        self._api = api',
    ]
    for endpoint in endpoints:
        lines += _method_lines(endpoint)
    return '\n'.join(lines) + '\n'


def render_generated_init(namespaces: list[str]) -> str:
    """``entrypoints/generated/__init__.py`` (imports nothing: modules load lazily)."""
    lines = [
        HEADER,
        '"""Generated namespace classes, one module per namespace (imported on demand)."""',
        '',
        'NAMESPACES = (',
    ]
    lines += [f'    {py_str(namespace)},' for namespace in namespaces]
    lines.append(')')
    return '\n'.join(lines) + '\n'


def render_user_module(namespace: str) -> str:
    """``entrypoints/<ns>.py``: the empty user-facing subclass."""
    module = module_of(namespace)
    return '\n'.join(
        [
            HEADER,
            f'"""User-facing ``{namespace}`` namespace."""',
            '',
            f'from ambra_sdk.service.entrypoints.generated.{module} import {namespace} as G{namespace}',
            '',
            '',
            f'class {namespace}(G{namespace}):',
            f'    """{namespace} namespace (``api.{namespace}``)."""',
        ],
    ) + '\n'


def render_entrypoints_init(namespaces: list[str]) -> str:
    """``entrypoints/__init__.py``: lazy re-export of the 47 user-facing classes."""
    lines = [
        HEADER,
        '"""User-facing namespace classes (``from ambra_sdk.service.entrypoints import Study``).',
        '',
        'Each class is imported on first access, so importing one namespace does not',
        'load the other 46.',
        '"""',
        '',
        'import importlib',
        'from typing import TYPE_CHECKING, Any',
        '',
        'if TYPE_CHECKING:  # pragma: no cover',
    ]
    lines += [
        f'    from ambra_sdk.service.entrypoints.{module_of(namespace)} import {namespace}'
        for namespace in namespaces
    ]
    lines += ['', '__all__ = [']
    lines += [f'    {py_str(namespace)},' for namespace in namespaces]
    lines += [
        ']',
        '',
        '',
        'def __getattr__(name: str) -> Any:',
        '    if name in __all__:',
        "        module = importlib.import_module(f'{__name__}.{name.lower()}')",
        '        value = getattr(module, name)',
        '        globals()[name] = value',
        '        return value',
        "    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')",
        '',
        '',
        'def __dir__() -> list:',
        '    return sorted(set(globals()) | set(__all__))',
    ]
    return '\n'.join(lines) + '\n'
