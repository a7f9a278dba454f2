"""THE writer of the command line: every byte ``ambra`` prints goes through this module.

* Rows (:class:`RowWriter`, :func:`write_rows`): an aligned table on a
  terminal, tab-separated values when piped, ``csv``, ``raw-csv`` or ``json``,
  one row at a time (no list of rows is ever built, so listing 100 000
  studies uses the memory of one page; an aligned table looks
  :data:`ALIGN_ROWS` rows ahead for its column widths).
* Objects: :func:`dump_json`, :func:`out_line` (fields of one line).
* Messages on stderr: :func:`message` (silenced by ``--quiet``),
  :func:`warning` and :func:`error_line` (always shown).

Safety (see ``docs/source/reliability.rst``, "The command line's output"):
every text that may come from a server or a file name is passed through
:func:`printable` before a terminal can see it (tables, TSV, messages,
summaries, ``study get``, CSV on a terminal): control characters (C0, DEL,
C1: escape sequences, new lines, tabs) become ``\\xNN``, so a value cannot
move the cursor, recolour or retitle the terminal, nor split a row. JSON is
written with ``ensure_ascii`` (control characters as ``\\uNNNN``). CSV cells
that a spreadsheet would run as a formula (a text whose first character is
``=``, ``+``, ``-``, ``@``, tab or carriage return) get a leading ``'``
(OWASP's "CSV injection" advice; numbers such as ``-1`` stay numbers);
``--raw-csv`` keeps cells as they are for programs.
"""

import csv
import functools
import json
import logging
from typing import IO, Any, Callable, Iterable, List, Mapping, Optional, Sequence

import click

from ambra_sdk.cli.streams import is_terminal, text_stream

__all__ = [
    'ALIGN_ROWS', 'FORMATS', 'DebugLogHandler', 'RowWriter', 'cell', 'chosen_format', 'configure', 'dump_json',
    'error_line',
    'format_options', 'format_parameters', 'json_line', 'message', 'neutralise_formula', 'out_line', 'plain',
    'printable', 'problem', 'warning', 'write_rows',
]

#: Row formats: ``table`` (aligned on a terminal, TSV when piped), ``csv`` (formula cells
#: neutralised), ``raw-csv`` (cells as they are) and ``json`` (an array written row by row).
FORMATS = ('table', 'csv', 'raw-csv', 'json')
#: Rows an aligned table reads ahead to size its columns (later rows keep those widths).
ALIGN_ROWS = 200
#: Widest column of an aligned table (longer cells push the next columns right).
MAX_ALIGN_WIDTH = 60

_SCALARS = frozenset({int, float, bool})
#: Control characters (C0, DEL, C1) shown as ``\\xNN``; the lone surrogates of bytes that were not
#: UTF-8 (Python's ``surrogateescape``: an argument, a file name) as the byte, ``\\xNN``, other lone
#: surrogates as ``\\uDXXX`` (a terminal never gets raw bytes, and writing never fails on them).
_CONTROL = {
    **{code: '\\u{0:04x}'.format(code) for code in range(0xD800, 0xE000)},
    **{code: '\\x{0:02x}'.format(code - 0xDC00) for code in range(0xDC80, 0xDD00)},
    **{code: '\\x{0:02x}'.format(code) for code in [*range(0x20), *range(0x7F, 0xA0)]},
}
#: First characters that make a spreadsheet cell a formula (OWASP).
FORMULA_STARTS = ('=', '+', '-', '@', '\t', '\r')


class _Settings:
    """Options of the current run that change what is written (set by :func:`configure`)."""

    quiet = False


_settings = _Settings()


def configure(quiet: bool = False) -> None:
    """Set the global output options of this run (``ambra --quiet``).

    :param quiet: silence :func:`message` (summaries, notes); data and errors still go out.
    """
    _settings.quiet = bool(quiet)


def printable(text: Any) -> str:
    """``text`` (made a ``str``) with control characters (escapes, tabs, new lines) shown as ``\\xNN``.

    Bytes that were not UTF-8 (lone surrogates of ``surrogateescape``) show as ``\\xNN`` too.
    """
    return str(text).translate(_CONTROL)


def neutralise_formula(text: str) -> str:
    """Prefix a cell that a spreadsheet would run as a formula with ``'`` (OWASP CSV injection).

    :param text: one CSV cell.
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def plain(value: Any) -> Any:
    """Return ``value`` as plain JSON types (Box and LazyBox become dicts and lists)."""
    if type(value) in _SCALARS or value is None or type(value) is str:
        return value
    if isinstance(value, (dict, Mapping)):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def _json_text(value: Any, indent: Optional[int] = 2) -> str:
    # ensure_ascii escapes C0 and everything above 0x7e except DEL: escape DEL too
    return json.dumps(plain(value), indent=indent, default=str).replace('\x7f', '\\u007f')


def dump_json(value: Any, stream: Optional[IO[str]] = None) -> None:
    """Write ``value`` as indented JSON (control characters escaped) and a new line to stdout."""
    _write(stream or text_stream('stdout'), _json_text(value) + '\n')


def json_line(value: Any) -> None:
    """Write ``value`` as one compact JSON line to stdout (``call --csv --json``)."""
    _write(text_stream('stdout'), _json_text(value, indent=None) + '\n')


def out_line(*fields: Any, sep: str = '\t') -> None:
    """Write one line of data to stdout: each field made printable, joined by ``sep``."""
    _write(text_stream('stdout'), sep.join(printable('' if field is None else field) for field in fields) + '\n')


def message(text: str) -> None:
    """Write a note or summary line to stderr (each line made printable); nothing with ``--quiet``."""
    if not _settings.quiet:
        _stderr(text)


def problem(text: str) -> None:
    """Write a line about something that failed (a row, a file) to stderr, even with ``--quiet``."""
    _stderr(text)


def warning(text: str) -> None:
    """Write ``ambra: warning: <text>`` to stderr, even with ``--quiet``."""
    _stderr('ambra: warning: ' + text)


def error_line(text: str) -> None:
    """Write ``ambra: error: <text>`` (one printable line) to stderr."""
    _stderr('ambra: error: ' + ' | '.join(part for part in text.splitlines() if part.strip()))


class DebugLogHandler(logging.Handler):
    """``ambra --debug``: log records (and Python warnings) on stderr through this writer.

    Log records quote servers and files (answers, DICOM values): each line is
    made printable like every other message, so a record cannot drive the terminal.
    """

    def emit(self, record: logging.LogRecord) -> None:
        """Write the formatted record to stderr, control characters escaped."""
        try:
            _stderr(self.format(record))
        except Exception:  # noqa: BLE001 - logging's contract: a failing handler reports, never raises
            self.handleError(record)


def _stderr(text: str) -> None:
    _write(text_stream('stderr'), '\n'.join(printable(line) for line in text.split('\n')) + '\n')


def _write(stream: IO[str], text: str) -> None:
    click.echo(text, file=stream, nl=False)


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
    :param output_format: one of :data:`FORMATS`.
    :param fields: the columns (None: the keys of the first row; with no row, no header).
    """

    def __init__(self, stream: IO[str], output_format: str, fields: Optional[Sequence[str]] = None) -> None:
        if output_format not in FORMATS:
            raise ValueError('unknown output format {0!r}'.format(output_format))
        self.stream = stream
        self.format = output_format
        self.fields: Optional[List[str]] = list(fields) if fields else None
        self.count = 0
        self.terminal = is_terminal(stream)
        self._csv: Any = None
        self._started = False
        self._pending: List[List[str]] = []
        self._widths: Optional[List[int]] = None

    def _start(self, row: Optional[Mapping[str, Any]]) -> None:
        self._started = True
        if self.fields is None and row is not None:
            self.fields = [str(key) for key in row]
        if self.format == 'json':
            if row is not None:
                self.stream.write('[\n')
            return
        if self.fields is None:
            return
        if self.format in ('csv', 'raw-csv'):
            self._csv = csv.writer(self.stream, lineterminator='\n')
        names = list(self.fields)
        self._line([neutralise_formula(name) for name in names] if self.format == 'csv' else names)

    def _cells(self, row: Mapping[str, Any]) -> List[str]:
        values = [row.get(name) for name in self.fields or []]
        if self.format == 'csv':  # numbers cannot be formulas: -1 stays a number
            return [neutralise_formula(value) if type(value) is str else cell(value) for value in values]
        return [cell(value) for value in values]

    def _line(self, cells: List[str]) -> None:
        if self.format == 'table':
            cells = [printable(value) for value in cells]
            if self.terminal and self._widths is None:
                self._pending.append(cells)
                return
            self._table_line(cells)
            return
        if self.terminal:
            cells = [printable(value) for value in cells]
        self._csv.writerow(cells)

    def _table_line(self, cells: List[str]) -> None:
        if self._widths is None:
            self.stream.write('\t'.join(cells) + '\n')
            return
        padded = [value.ljust(width) for value, width in zip(cells[:-1], self._widths)]
        self.stream.write('  '.join(padded + cells[-1:]).rstrip() + '\n')

    def _flush_pending(self) -> None:
        if self._widths is not None or not self._pending:
            return
        columns = len(self._pending[0])
        self._widths = [min(MAX_ALIGN_WIDTH, max(len(line[index]) for line in self._pending))
                        for index in range(columns)]
        pending, self._pending = self._pending, []
        for cells in pending:
            self._table_line(cells)

    def write(self, row: Mapping[str, Any]) -> None:
        """Write one row."""
        if not self._started:
            self._start(row)
        if self.format == 'json':
            fields = self.fields or []
            item = plain(row) if not self.fields else {name: plain(row.get(name)) for name in fields}
            prefix = ',\n' if self.count else ''
            self.stream.write(prefix + _json_text(item, indent=None))
        else:
            self._line(self._cells(row))
            if len(self._pending) > ALIGN_ROWS:
                self._flush_pending()
        self.count += 1

    def close(self) -> None:
        """Finish the output: the closing bracket of JSON, the header of an empty result."""
        if not self._started:
            self._start(None)
        if self.format == 'json':
            self.stream.write('\n]\n' if self.count else '[]\n')
        self._flush_pending()
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


_FORMAT_HELP = {
    'csv': "CSV with a header row (cells starting with = + - @ get a leading ')",
    'raw-csv': 'CSV with every cell exactly as the server sent it (for programs, not spreadsheets)',
    'json': 'JSON',
}
_META_KEY = 'ambra.output_format'


def _remember_format(ctx: click.Context, param: click.Parameter, value: Any) -> None:
    if not value:
        return
    name = str(param.name).replace('_', '-')
    chosen = ctx.meta.get(_META_KEY)
    if chosen is not None and chosen != name and {chosen, name} != {'csv', 'raw-csv'}:
        raise click.UsageError('--{0} and --{1} are mutually exclusive'.format(chosen, name), ctx)
    ctx.meta[_META_KEY] = 'raw-csv' if 'raw-csv' in (chosen, name) else name


def _format_names(rows: bool) -> Sequence[str]:
    return ('csv', 'raw-csv', 'json') if rows else ('json',)


def format_parameters(rows: bool = True) -> List[click.Option]:
    """The mutually exclusive ``--csv``/``--raw-csv``/``--json`` options (read them with :func:`chosen_format`).

    :param rows: the command writes rows (offer the CSV flags); else only ``--json``.
    """
    return [click.Option(['--' + name, name.replace('-', '_')], is_flag=True, expose_value=False,
                         callback=_remember_format, help=_FORMAT_HELP[name]) for name in _format_names(rows)]


def chosen_format() -> Optional[str]:
    """The output flag given to the current command: None, ``'csv'``, ``'raw-csv'`` or ``'json'``."""
    return click.get_current_context().meta.get(_META_KEY)


def format_options(rows: bool = True) -> Callable[[Any], Any]:
    """Decorator adding :func:`format_parameters`; the command receives ``output_format`` (:func:`chosen_format`).

    :param rows: the command writes rows (offer the CSV flags); else only ``--json``.
    """

    def decorate(function: Any) -> Any:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            kwargs['output_format'] = chosen_format()
            return function(*args, **kwargs)

        for name in reversed(_format_names(rows)):
            wrapper = click.option('--' + name, name.replace('-', '_'), is_flag=True, expose_value=False,
                                   callback=_remember_format, help=_FORMAT_HELP[name])(wrapper)
        return wrapper

    return decorate
