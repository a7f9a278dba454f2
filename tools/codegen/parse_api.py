"""Parse ``api.html`` (LBL0022) into :class:`Endpoint` records.

Rules follow service_spec §2.2/§2.7 and the irregularities listed in
``shared/apidocs/README.md`` §3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tools.codegen import naming
from tools.codegen.htmlscan import Table, footer_text, scan_tables
from tools.codegen.overrides import ALL_PARAMS_OPTIONAL
from tools.codegen.textutil import entries, to_text

_PARAM_START = re.compile(r'\s*(\*+\s*)?<i>')
_PARAM_LINE = re.compile(r'\s*(?P<stars>\*+)?\s*<i>(?P<name>.*?)</i>\s*(?:&bull;|\u2022)?(?P<desc>.*)$', re.DOTALL)
_ERROR_START = re.compile(r'\s*(\[\d+\]|[A-Z][A-Z0-9_]*)(\s*\([A-Z0-9_]+\))?\s*(&bull;|\u2022)')
_ERROR_LINE = re.compile(
    r'\s*(?P<type>\[\d+\]|[A-Z][A-Z0-9_]*)(?:\s*\((?P<sub>[A-Z0-9_]+)\))?\s*(?:&bull;|\u2022)(?P<desc>.*)$',
    re.DOTALL,
)
_RETURN_START = re.compile(r'\s*(\*+\s*<i>|<i>)')
_TEMPLATE = re.compile(r'^(?P<prefix>[a-z_]+[-_])\{[^}]*\}$')
#: ``customfield-'{CUSTOMFIELD_NAME}'`` (v55): the key is sent quoted, ``'`` and ``\`` escaped.
_QUOTED_TEMPLATE = re.compile(r"^(?P<prefix>[a-z_]+[-_])(?P<quote>')\{[^}]*\}'$")
_OPTIONAL = re.compile(r'\(optional', re.IGNORECASE)
_SID_AUTH_OPTIONAL = 'optional if basic authentication or an oauth token is used'


@dataclass
class Param:
    """An SDK parameter of an endpoint (one Python argument)."""

    name: str
    python_name: str
    required: bool
    description: str
    dict_prefix: str | None = None
    #: The quote around each dict key on the wire (``'``), None when keys are sent as given.
    dict_quote: str | None = None
    #: Sub-fields documented with a leading ``*`` (JSON array items).
    fields: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Error:
    """A documented error of an endpoint."""

    type: str
    subtype: str | None
    description: str


@dataclass
class ReturnField:
    """A documented response field."""

    name: str
    depth: int
    description: str


@dataclass
class Endpoint:
    """One endpoint table of api.html."""

    url: str
    anchor: str
    section: str
    section_title: str
    description: str = ''
    sid: str = 'none'
    filterable: bool = False
    sortable: bool = False
    paginated: bool = False
    params: list[Param] = field(default_factory=list)
    alternatives: list[list[list[str]]] = field(default_factory=list)
    errors: list[Error] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)
    returns: list[ReturnField] = field(default_factory=list)
    notes: str = ''
    permission: str | None = None
    raw_param_count: int = 0
    #: True when the errors come from the Notes cell (/session/permissions).
    errors_in_notes: bool = False

    @property
    def namespace(self) -> str:
        """Namespace class name (first URL segment capitalised)."""
        return naming.namespace_of(self.url)

    @property
    def method(self) -> str:
        """Python method name."""
        return naming.method_of(self.url)


@dataclass
class ApiDocument:
    """The whole parsed service document."""

    version: str
    endpoints: list[Endpoint]
    extra_tables: int


def _row_map(table: Table) -> dict[str, str]:
    result: dict[str, str] = {}
    for row in table.rows:
        if len(row) >= 2 and row[0].kind == 'th':
            result[to_text(row[0].raw)] = row[1].raw
        elif len(row) == 1 and row[0].kind == 'th':
            result[to_text(row[0].raw)] = ''
    return result


def _sid_mode(description: str) -> str:
    lowered = description.lower()
    if _SID_AUTH_OPTIONAL in lowered:
        return 'required'
    if _OPTIONAL.search(description):
        return 'optional'
    return 'required'


def _parse_params(endpoint: Endpoint, raw: str) -> None:
    seen: dict[str, Param] = {}
    last_top: Param | None = None
    for line in entries(raw, _PARAM_START):
        match = _PARAM_LINE.match(line)
        if match is None:  # pragma: no cover - every entry starts with <i>
            continue
        endpoint.raw_param_count += 1
        name = to_text(match.group('name'))
        description = to_text(match.group('desc'))
        if match.group('stars'):
            if last_top is not None:
                last_top.fields.append({'name': name, 'description': description})
            continue
        if name == 'filter.*':
            endpoint.filterable = True
            continue
        if name == 'page.*':
            endpoint.paginated = True
            continue
        if name == 'sort_by':
            endpoint.sortable = True
            continue
        if name == 'sid':
            endpoint.sid = _sid_mode(description)
            continue
        if name.startswith('(') and '||' in name:
            groups = [
                [part.strip() for part in alt.split('&&') if part.strip()]
                for alt in name.strip('()').split('||')
            ]
            endpoint.alternatives.append(groups)
            for group in groups:
                for member in group:
                    if member == 'sid':
                        endpoint.sid = 'alternative'
                        continue
                    if member not in seen:
                        param = Param(member, naming.python_name(member), False, description)
                        seen[member] = param
                        endpoint.params.append(param)
                        last_top = param
            continue
        template = _TEMPLATE.match(name)
        quoted = _QUOTED_TEMPLATE.match(name)
        if quoted is not None:
            prefix = quoted.group('prefix')
            param = Param(
                name, prefix.replace('-', '_') + 'quoted_param', False, description,
                dict_prefix=prefix, dict_quote=quoted.group('quote'),
            )
        elif template is not None:
            prefix = template.group('prefix')
            param = Param(name, prefix.replace('-', '_') + 'param', False, description, dict_prefix=prefix)
        elif name.endswith('**'):
            base = name[:-2]
            param = Param(name, base, False, description, dict_prefix='')
        else:
            required = not _OPTIONAL.search(description)
            param = Param(name, naming.python_name(name), required, description)
        if name in seen:
            # Duplicate line: keep the first position, a later non-optional mention wins.
            seen[name].required = seen[name].required or param.required
            last_top = seen[name]
            continue
        seen[name] = param
        endpoint.params.append(param)
        last_top = param


def _parse_errors(endpoint: Endpoint, raw: str) -> None:
    for line in entries(raw, _ERROR_START):
        match = _ERROR_LINE.match(line)
        if match is None:  # pragma: no cover
            continue
        error_type = match.group('type')
        description = to_text(match.group('desc'))
        if error_type.startswith('['):
            endpoint.http_errors.append(error_type.strip('[]'))
            continue
        endpoint.errors.append(Error(error_type, match.group('sub'), description))


def _parse_returns(endpoint: Endpoint, raw: str) -> None:
    for line in entries(raw, _RETURN_START):
        match = _PARAM_LINE.match(line)
        if match is None:  # pragma: no cover
            continue
        stars = (match.group('stars') or '').strip()
        endpoint.returns.append(
            ReturnField(to_text(match.group('name')), len(stars), to_text(match.group('desc'))),
        )


def _endpoint(table: Table) -> Endpoint | None:
    rows = _row_map(table)
    if 'URL' not in rows:
        return None
    url = to_text(rows['URL'])
    endpoint = Endpoint(
        url=url,
        anchor=table.anchor,
        section=table.section_anchor,
        section_title=table.section_title,
        description=to_text(rows.get('Description', '')),
        notes=to_text(rows.get('Notes', '')),
    )
    if 'Permission' in rows:
        endpoint.permission = to_text(rows['Permission'])
    _parse_params(endpoint, rows.get('Parameters', ''))
    if url in ALL_PARAMS_OPTIONAL:
        for param in endpoint.params:
            param.required = False
    _parse_errors(endpoint, rows.get('Errors', ''))
    if not endpoint.errors and 'Notes' in rows:
        # /session/permissions documents its errors in the Notes cell.
        _parse_errors(endpoint, rows['Notes'])
        endpoint.errors_in_notes = bool(endpoint.errors)
    _parse_returns(endpoint, rows.get('Returns', ''))
    return endpoint


def parse_api(source: str) -> ApiDocument:
    """Parse the service API document."""
    endpoints: list[Endpoint] = []
    extra = 0
    for table in scan_tables(source):
        if 'bordered-table' not in table.attrs.get('class', ''):
            continue
        endpoint = _endpoint(table)
        if endpoint is None:
            extra += 1
        else:
            endpoints.append(endpoint)
    return ApiDocument(version=footer_text(source), endpoints=endpoints, extra_tables=extra)
