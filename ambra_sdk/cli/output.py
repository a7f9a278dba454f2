"""Writers of rows and objects: a plain table, CSV or JSON, one row at a time.

Rows are written as they come (no list of rows is ever built), so listing
100 000 studies uses the memory of one page. Nested values (lists, dicts)
are written as compact JSON in CSV and table cells.
"""

import csv
import json
from typing import IO, Any, Iterable, List, Mapping, Optional, Sequence

import click

from ambra_sdk.cli.streams import text_stream

__all__ = ['FORMATS', 'RowWriter', 'cell', 'dump_json', 'plain', 'printable', 'write_rows']

FORMATS = ('table', 'csv', 'json')


_SCALARS = frozenset({int, float, bool})
#: Control characters (C0, DEL, C1) shown as ``\\xNN`` on a terminal: a server's text cannot move
#: the cursor, recolour or retitle the user's terminal, nor split a table row.
_CONTROL = {code: '\\x{0:02x}'.format(code) for code in [*range(0x20), *range(0x7F, 0xA0)]}


def printable(text: str) -> str:
    """``text`` with control characters (escape sequences, tabs, new lines) escaped as ``\\xNN``."""
    return text.translate(_CONTROL)


def plain(value: Any) -> Any:
    """Return ``value`` as plain JSON types (Box and LazyBox become dicts and lists)."""
    if type(value) in _SCALARS or value is None or type(value) is str:
        return value
    if isinstance(value, (dict, Mapping)):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def dump_json(value: Any, stream: Optional[IO[str]] = None) -> None:
    """Write ``value`` as indented JSON and a new line to ``stream`` (stdout by default)."""
    click.echo(json.dumps(plain(value), indent=2, sort_keys=False, default=str), file=stream)


def cell(value: Any) -> str:
    """One CSV or table cell: '' for None, compact JSON for lists and dicts, else ``str``."""
    kind = type(value)
    if kind is str:
        return str(value)
    if value is None:
        return ''
    if kind in _SCALARS:
        return str(value)
    if kind is dict or kind is list:  # decoded JSON: dump as it is
        return _compact(value)
    if isinstance(value, (tuple, Mapping, list)):
        return _compact(plain(value))
    return str(value)


_compact = json.JSONEncoder(separators=(',', ':'), default=str).encode


class RowWriter:
    """Write rows to a stream in one of :data:`FORMATS`.

    :param stream: a text stream.
    :param output_format: ``table`` (tab-separated with a header), ``csv`` or ``json``
        (a JSON array written row by row).
    :param fields: the columns (None: the keys of the first row).
    """

    def __init__(self, stream: IO[str], output_format: str, fields: Optional[Sequence[str]] = None) -> None:
        if output_format not in FORMATS:
            raise ValueError('unknown output format {0!r}'.format(output_format))
        self.stream = stream
        self.format = output_format
        self.fields: Optional[List[str]] = list(fields) if fields else None
        self.count = 0
        self._csv: Any = None

    def _start(self, row: Mapping[str, Any]) -> None:
        if self.fields is None:
            self.fields = [str(key) for key in row]
        if self.format == 'csv':
            self._csv = csv.writer(self.stream, lineterminator='\n')
            self._csv.writerow(self.fields)
        elif self.format == 'table':
            self.stream.write('\t'.join(printable(name) for name in self.fields) + '\n')
        else:
            self.stream.write('[\n')

    def write(self, row: Mapping[str, Any]) -> None:
        """Write one row."""
        if self.count == 0:
            self._start(row)
        fields = self.fields or []
        if self.format == 'json':
            item = plain(row) if not self.fields else {name: plain(row.get(name)) for name in fields}
            prefix = ',\n' if self.count else ''
            self.stream.write(prefix + json.dumps(item, default=str))
        elif self.format == 'csv':
            self._csv.writerow([cell(row.get(name)) for name in fields])
        else:
            self.stream.write('\t'.join(printable(cell(row.get(name))) for name in fields) + '\n')
        self.count += 1

    def close(self) -> None:
        """Finish the output (the closing bracket of JSON; a header when there was no row)."""
        if self.format == 'json':
            self.stream.write('\n]\n' if self.count else '[]\n')
        elif self.count == 0 and self.fields:
            if self.format == 'csv':
                csv.writer(self.stream, lineterminator='\n').writerow(self.fields)
            else:
                self.stream.write('\t'.join(self.fields) + '\n')
        self.stream.flush()


def write_rows(
    rows: Iterable[Mapping[str, Any]], output_format: str, fields: Optional[Sequence[str]] = None,
    stream: Optional[IO[str]] = None,
) -> int:
    """Write every row; return how many.

    :param rows: an iterable of mappings (consumed lazily).
    :param output_format: one of :data:`FORMATS`.
    :param fields: the columns (None: the first row's keys).
    :param stream: where to write (stdout by default).
    """
    writer = RowWriter(stream or text_stream('stdout'), output_format, fields)
    for row in rows:
        writer.write(row)
    writer.close()
    return writer.count
