"""Parse ``dictionary.html`` (the v3 data dictionary, 137 objects)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tools.codegen.htmlscan import scan_tables
from tools.codegen.textutil import to_text

_TITLE = re.compile(r'^(?P<name>\S+) - table name (?P<table>\S+)$')


@dataclass
class Column:
    """One field row: name, dictionary type and comment."""

    name: str
    type: str
    comment: str


@dataclass
class DictObject:
    """One dictionary object (a database table)."""

    name: str
    table: str
    columns: list[Column] = field(default_factory=list)


def parse_dictionary(source: str) -> list[DictObject]:
    """Return the objects in document order."""
    objects: list[DictObject] = []
    for table in scan_tables(source):
        title = _TITLE.match(table.section_title)
        if title is None:
            continue
        if title.group('name') != table.anchor:
            raise ValueError(f'anchor {table.anchor!r} does not match title {table.section_title!r}')
        obj = DictObject(title.group('name'), title.group('table'))
        for row in table.rows:
            if len(row) == 3 and all(cell.kind == 'td' for cell in row):
                name, kind, comment = (to_text(cell.raw) for cell in row)
                obj.columns.append(Column(name, kind, comment))
        objects.append(obj)
    return objects
