"""Turning small HTML fragments into plain text and entry lines."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BR = re.compile(r'<br\s*/?>', re.IGNORECASE)
_COMMENT_DIV = re.compile(r'<div\s+class="comment">.*?</div>', re.IGNORECASE | re.DOTALL)
_STRAY_ANCHOR = re.compile(r'<a\s+name="[^"]*"\s*>\s*</a>', re.IGNORECASE)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ('li', 'p', 'ul', 'ol', 'pre'):
            self.parts.append(' ')

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def to_text(fragment: str) -> str:
    """Strip tags, decode entities and collapse white space."""
    extractor = _TextExtractor()
    extractor.feed(fragment)
    extractor.close()
    text = ''.join(extractor.parts).replace('\u00a0', ' ')
    return ' '.join(text.split())


def clean_cell(raw: str) -> str:
    """Remove ``<div class="comment">`` separators and stray ``<a name>`` anchors."""
    return _STRAY_ANCHOR.sub('', _COMMENT_DIV.sub('\n', raw))


def entries(raw: str, starts_entry: re.Pattern[str]) -> list[str]:
    """Split a cell into entries.

    Lines are cut at ``<br>`` and at newlines; a line that does not match
    ``starts_entry`` continues the previous entry.  Text before the first
    entry is dropped.
    """
    result: list[str] = []
    for chunk in _BR.split(clean_cell(raw)):
        for line in chunk.split('\n'):
            if not line.strip():
                continue
            if starts_entry.match(line):
                result.append(line.strip())
            elif result:
                result[-1] += ' ' + line.strip()
    return result
