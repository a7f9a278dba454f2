"""Tolerant scanning of the vendor HTML tables with :mod:`html.parser`.

The vendor pages never close ``<li>``/``<p>`` and sometimes leave a ``<td>``
open, so cells are sliced from the raw source: a cell starts after its
``<td>``/``<th>`` start tag and ends at ``</td>``/``</th>``, or implicitly at the
next cell, ``</tr>``, ``<tr>`` or ``</table>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Cell:
    """One table cell: ``kind`` is ``'th'`` or ``'td'``, ``raw`` the inner HTML."""

    kind: str
    raw: str


@dataclass
class Table:
    """A top-level table with its context in the page."""

    attrs: dict[str, str]
    rows: list[list[Cell]] = field(default_factory=list)
    #: ``<a name>`` of the nearest preceding h3 section.
    section_anchor: str = ''
    #: Text of the nearest preceding h3.
    section_title: str = ''
    #: The last ``<a name>`` seen before the table started.
    anchor: str = ''


class _TableScanner(HTMLParser):
    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self._source = source
        self._line_starts = [0]
        for index, char in enumerate(source):
            if char == '\n':
                self._line_starts.append(index + 1)
        self.tables: list[Table] = []
        self._depth = 0
        self._table: Table | None = None
        self._cell_kind: str | None = None
        self._cell_start = 0
        self._last_anchor = ''
        self._section_anchor = ''
        self._section_title = ''
        self._in_h3 = False
        self._h3_text: list[str] = []

    def _offset(self) -> int:
        line, col = self.getpos()
        return self._line_starts[line - 1] + col

    def _close_cell(self, end: int) -> None:
        if self._table is not None and self._cell_kind is not None:
            if not self._table.rows:
                self._table.rows.append([])
            raw = self._source[self._cell_start:end]
            self._table.rows[-1].append(Cell(self._cell_kind, raw))
        self._cell_kind = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or '' for k, v in attrs}
        if tag == 'a' and 'name' in attr:
            self._last_anchor = attr['name']
        if tag == 'h3':
            self._in_h3 = True
            self._h3_text = []
            self._section_anchor = self._last_anchor
        if tag == 'table':
            self._depth += 1
            if self._depth == 1:
                self._table = Table(
                    attrs=attr,
                    section_anchor=self._section_anchor,
                    section_title=self._section_title,
                    anchor=self._last_anchor,
                )
            return
        if self._table is None or self._depth != 1:
            return
        start = self._offset()
        if tag == 'tr':
            self._close_cell(start)
            self._table.rows.append([])
        elif tag in ('td', 'th'):
            self._close_cell(start)
            text = self.get_starttag_text() or ''
            self._cell_kind = tag
            self._cell_start = start + len(text)

    def handle_endtag(self, tag: str) -> None:
        if tag == 'h3' and self._in_h3:
            self._in_h3 = False
            self._section_title = ' '.join(''.join(self._h3_text).split())
        if self._table is None:
            return
        if tag == 'table':
            if self._depth == 1:
                self._close_cell(self._offset())
                self.tables.append(self._table)
                self._table = None
            self._depth = max(0, self._depth - 1)
            return
        if self._depth != 1:
            return
        if tag in ('td', 'th', 'tr'):
            self._close_cell(self._offset())

    def handle_data(self, data: str) -> None:
        if self._in_h3:
            self._h3_text.append(data)


def scan_tables(source: str) -> list[Table]:
    """Return every top-level table of ``source`` in document order."""
    scanner = _TableScanner(source)
    scanner.feed(source)
    scanner.close()
    return scanner.tables


def footer_text(source: str) -> str:
    """Return the text of the ``<footer>`` element (the document version)."""
    start = source.find('<footer>')
    end = source.find('</footer>', start)
    if start < 0 or end < 0:
        return ''
    return ' '.join(source[start + len('<footer>'):end].split())
