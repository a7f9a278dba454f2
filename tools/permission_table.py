"""Generate the emulator's permission table from the vendor service document.

The document read is the newest one the SDK covers (``api_v55.html``, LBL0022 v55.0): its
"Permissions" table has every flag of v47 (same defaults) and the flags v55 added, and its
``Permission`` cells cover the 440 endpoints.

``python -m tools.permission_table [--check] [--api-html P]`` writes
``ambra_sdk/emulator/permission_table.py``: the role flags of the document's
"Permissions" section with the default values of its four roles (Admin, User,
PHR, Anonymous), and for every endpoint the text of its ``Permission`` row
with the flags it names, read as "any of these groups, each group all of its
flags". ``--check`` (also a test) exits 1 when the committed file is stale.

How a ``Permission`` cell becomes groups (the cells are prose, see
:data:`OVERRIDES` for the ones a rule cannot read):

* the text is cut at the first qualifier (``for the study``, ``if the ...``,
  ``. ``): what follows it names a second object or a condition;
* the rest is split on ``or`` and ``,`` into alternatives, each alternative
  on ``and`` into the flags it needs together;
* words that are neither a flag nor ``sysadmin``/``support`` are dropped, and
  so is an alternative left without any (``or the user can ... themselves``);
* a cell naming no flag at all (``You need to be a member of the account``)
  means membership alone: one empty group.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Optional

from tools.codegen.htmlscan import footer_text, scan_tables
from tools.codegen.parse_api import parse_api
from tools.codegen.textutil import to_text

ROOT = Path(__file__).resolve().parents[1]
#: ``../shared`` of the checkout (``../../shared`` from a worktree under ``wt/``).
DOCUMENT_FILE = 'api_v55.html'
DEFAULT_API_HTML = next(
    (
        p / 'shared' / 'apidocs' / DOCUMENT_FILE
        for p in ROOT.parents
        if (p / 'shared' / 'apidocs' / DOCUMENT_FILE).exists()
    ),
    ROOT.parent / 'shared' / 'apidocs' / DOCUMENT_FILE,
)
OUTPUT = Path('ambra_sdk') / 'emulator' / 'permission_table.py'

#: The document's default roles, in the column order of its flag table.
ROLES = ('Admin', 'User', 'PHR', 'Anonymous')
#: User attributes a permission cell may name besides the role flags.
USER_ATTRIBUTES = ('sysadmin', 'support')
#: Where a permission cell starts talking about a second object or a condition.
_QUALIFIERS = re.compile(
    r'\s+for the study\b|\s+for the destination\b|\s+for sid\b|\s+if\s|\.\s|\.$|\s+and the study\b|'
    r'\s+and you must\b|\s+or if\b'
)

#: Cells a rule cannot read: url -> (groups, reason). Reasons go into the generated file.
OVERRIDES: dict[str, tuple[tuple[tuple[str, ...], ...], str]] = {
    '/namespace/share/pricing': (
        (('account_edit',), ('account_view',)),
        'account_edit to set, account_view to get: the emulator asks account_view and lets the handler decide',
    ),
    '/link/add': (
        (('link_edit',), ('link_edit_upload',)),
        'link_edit for STUDY_VIEW/STUDY_LIST, link_edit_upload for STUDY_UPLOAD: one of the two, not both',
    ),
    '/link/pin': ((('link_view',),), '"link_view link_edit_pin": read as link_view (link_edit_pin is not a flag)'),
    '/study/set': (
        (('study_edit',), ('study_thin',)),
        'study_upload only counts with use_upload_permission on a study uploaded before: left out',
    ),
    '/account/set': (
        (('account_edit',),),
        'v55: "account_edit, sysadmin or support is required to set site_management_account_id":'
        ' account_edit (a sysadmin passes every check)',
    ),
    '/customfield/search': (
        ((),),
        'v55: membership; account_user_view or case_edit only for search_source=account_users and extended=1',
    ),
}


def parse_flags(source: str) -> dict[str, tuple[int, ...]]:
    """The flag table of the "Permissions" section: flag -> default values of :data:`ROLES`."""
    flags: dict[str, tuple[int, ...]] = {}
    for table in scan_tables(source):
        if table.section_anchor != 'permissions':
            continue
        for row in table.rows:
            cells = [to_text(cell.raw) for cell in row if cell.kind == 'td']
            if len(cells) < 1 + len(ROLES):
                continue
            name = cells[0].replace('\u21b3', '').strip()
            if not re.fullmatch(r'[a-z][a-z0-9_]*', name):
                continue
            values = tuple(_flag_value(v) for v in cells[1:1 + len(ROLES)])
            flags[name] = values
        break
    return flags


def _flag_value(text: str) -> int:
    return 1 if text.strip() == '1' else 0


def requirement(text: Optional[str], flags: set[str]) -> Optional[tuple[tuple[str, ...], ...]]:
    """Read a ``Permission`` cell as "any of these groups" (None: the cell names nothing)."""
    if not text or not text.strip():
        return None
    head = _QUALIFIERS.split(text.strip(), maxsplit=1)[0]
    known = flags | set(USER_ATTRIBUTES)
    groups: list[tuple[str, ...]] = []
    for alternative in re.split(r'\s*,\s*|\s+or\s+', head):
        group = []
        for part in re.split(r'\s+and\s+', alternative):
            words = [w for w in part.split() if w in known]
            group.extend(words[:1])
        if group:
            groups.append(tuple(group))
    if not groups:
        return ((),)
    return tuple(dict.fromkeys(groups))


def render(source: str) -> str:
    """The text of the generated module."""
    version = footer_text(source)
    flags = parse_flags(source)
    document = parse_api(source)
    lines = [
        f'# Generated by tools/permission_table.py from {version}. Do not edit.',
        '"""Role flags and the permission each call needs, as the vendor document names them.',
        '',
        '``FLAGS``: flag -> default value in the roles ``ROLES`` (the document\'s "Permissions" table).',
        '``CALLS``: url -> (the ``Permission`` cell, any-of groups of all-of flags).',
        '``NOT_PERMITTED_CALLS``: urls whose ``Errors`` list ``NOT_PERMITTED``.',
        '``OVERRIDDEN``: urls whose cell was read by hand, with the reason.',
        '"""',
        '',
        'from __future__ import annotations',
        '',
        f'DOCUMENT = {version!r}',
        f'ROLES = {ROLES!r}',
        '',
        'FLAGS: dict[str, tuple[int, ...]] = {',
    ]
    lines += [f'    {name!r}: {values!r},' for name, values in sorted(flags.items())]
    lines += ['}', '', 'CALLS: dict[str, tuple[str, tuple[tuple[str, ...], ...]]] = {']
    not_permitted = []
    flag_names = set(flags)
    for endpoint in sorted(document.endpoints, key=lambda e: e.url):
        if any(error.type == 'NOT_PERMITTED' for error in endpoint.errors):
            not_permitted.append(endpoint.url)
        text = endpoint.permission or ''
        groups = OVERRIDES[endpoint.url][0] if endpoint.url in OVERRIDES else requirement(text, flag_names)
        if groups is None:
            continue
        lines.append(f'    {endpoint.url!r}: ({text!r}, {groups!r}),')
    lines += ['}', '', 'NOT_PERMITTED_CALLS: frozenset[str] = frozenset({']
    lines += [f'    {url!r},' for url in not_permitted]
    lines += ['})', '', 'OVERRIDDEN: dict[str, str] = {']
    lines += [f'    {url!r}: {reason!r},' for url, (_, reason) in sorted(OVERRIDES.items())]
    lines += ['}', '']
    return '\n'.join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    """Write (or with ``--check`` compare) the generated table; return the exit status."""
    parser = argparse.ArgumentParser(prog='python -m tools.permission_table', description=__doc__)
    parser.add_argument('--api-html', type=Path, default=DEFAULT_API_HTML)
    parser.add_argument('--root', type=Path, default=ROOT)
    parser.add_argument('--check', action='store_true', help='exit 1 if the committed table is stale')
    args = parser.parse_args(argv)
    text = render(args.api_html.read_text(encoding='utf-8'))
    target = args.root / OUTPUT
    current = target.read_text(encoding='utf-8') if target.exists() else None
    if args.check:
        if current != text:
            print(f'stale: {OUTPUT}; run `python -m tools.permission_table`')
            return 1
        print(f'{OUTPUT} is up to date.')
        return 0
    if current != text:
        target.write_text(text, encoding='utf-8')
    print(f'{OUTPUT} written.')
    return 0


if __name__ == '__main__':  # pragma: no cover
    sys.exit(main())
