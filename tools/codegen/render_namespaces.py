"""Render the namespace classes and the user-facing modules."""

from __future__ import annotations

from typing import Any

from tools.codegen import HEADER
from tools.codegen.naming import module_of
from tools.codegen.pyrender import BUILTIN_NAMES, docstring, lazy_attribute_lines, py_str, rst_text

#: User-facing modules written by hand (not generated, never overwritten).
HANDWRITTEN_USER_MODULES = frozenset({'session', 'study'})


def group_by_namespace(catalogue: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Namespace -> endpoints in document order; namespaces sorted by name."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for endpoint in catalogue['endpoints']:
        groups.setdefault(endpoint['namespace'], []).append(endpoint)
    return dict(sorted(groups.items()))


def _version_note(param: dict[str, Any]) -> str:
    """`` (v55)``-style note of a union parameter's origin, empty for a first-document one."""
    notes = []
    if param.get('since', 'v47') != 'v47':
        notes.append(f'since {param["since"]}')
    if 'renamed_from' in param:
        notes.append(f'the {param["since"]} name of ``{param["renamed_from"]}``')
    if 'renamed_to' in param:
        notes.append(f'renamed ``{param["renamed_to"]}`` in {param["until"]}, still sent as ``{param["name"]}``')
    elif 'until' in param:
        notes.append(f'dropped in {param["until"]}, still sent')
    required_in = param.get('required_in', {})
    if not param['required'] and any(required_in.values()):
        where = ', '.join(version for version, required in required_in.items() if required)
        notes.append(f'required in {where}, optional here')
    return f' [{"; ".join(notes)}]' if notes else ''


def _param_doc(param: dict[str, Any], union: bool = False) -> str:
    description = rst_text(param['description']) or param['name']
    note = _version_note(param) if union else ''
    if param['dict_prefix'] is None:
        if param['python_name'] != param['name']:
            description += f' (sent as ``{param["name"]}``)'
        return f':param {param["python_name"]}: {description}{note}'
    if param.get('dict_quote'):
        quote = param['dict_quote']
        how = (
            f'each ``key: value`` is sent as ``{param["dict_prefix"]}{quote}<key>{quote}``'
            f' (``{quote}`` and ``\\`` in the key escaped with ``\\``)'
        )
    elif param['dict_prefix']:
        how = f'each ``key: value`` is sent as ``{param["dict_prefix"]}<key>``'
    else:
        how = 'each ``key: value`` is sent as is'
    return f':param {param["python_name"]}: A dict, {how}. {description}{note}'


def _signature_lines(endpoint: dict[str, Any], union: bool) -> list[str]:
    """Parameters: the first document's in their places, later ones keyword-only."""
    lines = []
    starred = False
    for param in endpoint['params']:
        name = param['python_name']
        if union and not starred and param['since'] != endpoint['since']:
            lines.append('        *,')
            starred = True
        if param['dict_prefix'] is not None:
            annotation = 'Optional[Dict[str, Any]] = None'
        elif param['required']:
            annotation = 'Any'
        else:
            annotation = 'Optional[Any] = None'
        noqa = '  # noqa: A002' if name in BUILTIN_NAMES else ''
        lines.append(f'        {name}: {annotation},{noqa}')
    return lines


def _method_doc(endpoint: dict[str, Any], union: bool) -> list[str]:
    query_class = endpoint['query_class']
    doc = [endpoint['docstring_title']]
    if endpoint['description']:
        doc += ['', rst_text(endpoint['description'])]
    if endpoint['notes']:
        doc += ['', 'Notes: ' + rst_text(endpoint['notes'])]
    if union:
        doc += ['', f'Documented since {endpoint["since"]} ({", ".join(endpoint["documents"])}).']
    doc.append('')
    doc += [_param_doc(param, union) for param in endpoint['params']]
    returns = f':returns: a lazy :class:`~ambra_sdk.service.query.{query_class}` for ``{endpoint["url"]}``'
    if endpoint['paginated_field']:
        returns += f' (rows in ``{endpoint["paginated_field"]}``)'
    doc.append(returns + '.')
    return doc


def method_lines(endpoint: dict[str, Any], union: bool = False) -> list[str]:
    """Source of one namespace method (``union``: version notes, later parameters keyword-only)."""
    query_class = endpoint['query_class']
    params = endpoint['params']
    lines = ['', f'    def {endpoint["method"]}(', '        self,']
    lines += _signature_lines(endpoint, union)
    lines.append(f'    ) -> {query_class}:')
    lines += docstring(_method_doc(endpoint, union), '        ')
    lines.append('        request_data: Dict[str, Any] = {')
    for param in params:
        if param['dict_prefix'] is None:
            lines.append(f'            {py_str(param["name"])}: {param["python_name"]},')
    lines.append('        }')
    for param in params:
        if param['dict_prefix'] is None:
            continue
        if param.get('dict_quote'):
            lines.append(
                f'        add_quoted(request_data, {py_str(param["dict_prefix"])}, {param["python_name"]},'
                f' {py_str(param["dict_quote"])})',
            )
        else:
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
    call.append('            surface=self._surface,')
    call.append('        )')
    return lines + call


def helper_names(params: list[dict[str, Any]]) -> list[str]:
    """The ``_build`` helpers the methods of these parameters call."""
    prefixed = any(p['dict_prefix'] is not None and not p.get('dict_quote') for p in params)
    quoted = any(p.get('dict_quote') for p in params)
    return (['add_prefixed'] if prefixed else []) + (['add_quoted'] if quoted else []) + ['build_query']


SURFACE_LINES = [
    '',
    "    #: Whose documented errors the queries map: ``'reference'`` (3.21.6) or ``'union'``.",
]


def render_namespace(namespace: str, endpoints: list[dict[str, Any]]) -> str:
    """``entrypoints/generated/<ns>.py``."""
    classes = sorted({endpoint['query_class'] for endpoint in endpoints})
    section = endpoints[0]['section']
    params = [param for endpoint in endpoints for param in endpoint['params']]
    typing_names = ['Any', 'Dict'] + (['Optional'] if any(not p['required'] for p in params) else [])
    helpers = helper_names(params)
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
        *SURFACE_LINES,
        "    _surface = 'reference'",
        '',
        '    def __init__(self, api: Any) -> None:',
        '        """Bind the namespace to an api.',
        '',
        '        :param api: the :class:`~ambra_sdk.api.Api` that sends the requests.',
        '        """',
        '        self._api = api',
    ]
    for endpoint in endpoints:
        lines += method_lines(endpoint)
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
        *lazy_attribute_lines('name in __all__', "f'{__name__}.{name.lower()}'"),
    ]
    return '\n'.join(lines) + '\n'
