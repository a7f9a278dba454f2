"""``http.client``'s response header parse, without the ``email`` parser for plain headers.

``http.client.HTTPResponse.begin`` reads the header lines and hands them to
``email.parser.Parser`` (a feed parser: line splitting, a regular
expression per line, a generator per message, the policy's hooks), about a
sixth of the client's CPU for a small upload answer. For the headers every
HTTP server sends (``Name: value`` lines, CRLF or LF, no folded line, no
``multipart``/``message`` content type) the parse's outcome is simple: a
message whose ``_headers`` are the ``(name, value)`` pairs, the value's
leading blanks removed, an empty payload and no defect. :func:`parse_headers`
builds that :class:`http.client.HTTPMessage` directly and gives any other
head to ``email``'s parser unchanged, so the message is the same object
``http.client`` would have made (``tests/core/test_head_parse.py`` compares
them, attribute by attribute, on ordinary and odd heads).

:func:`begin` is ``http.client.HTTPResponse.begin`` itself (the running
Python's code, status line, ``100 Continue``, length and chunking rules)
with this parse in place of the module's; the SDK's connections use it
(:class:`~ambra_sdk.api.body_guard.DeadlineHTTPResponse`).
"""

import email.parser
import http.client
import re
import types
from typing import Any, List, Optional, Tuple, Type

__all__ = ['begin', 'parse_headers']

#: A head of plain lines: names of printable ASCII but ``:`` (``email.feedparser.headerRE``), values
#: of printable ASCII and tabs (no character any Python's line splitting breaks at), CRLF or LF.
_PLAIN_HEAD = re.compile(r'(?:[\041-\071\073-\176]+:[\t\x20-\x7e]*\r?\n)*\r?\n\Z')
_STRUCTURED = ('multipart', 'message')


def _plain_pairs(head: str) -> Optional[List[Tuple[str, str]]]:
    """The ``(name, value)`` pairs of a plain head, or None when the feed parser must decide."""
    if not _PLAIN_HEAD.match(head):
        return None  # folded lines, "From ", no colon, odd bytes, no end: defects or a body
    pairs = []
    for line in head.split('\n')[:-2]:
        name, _, value = line.partition(':')
        value = value.lstrip(' \t')
        if value.endswith('\r'):
            value = value[:-1]
        if name.lower() == 'content-type' and value.strip().lower().startswith(_STRUCTURED):
            return None  # the parser reads a multipart or message body (here empty) its own way
        pairs.append((name, value))
    return pairs


def parse_headers(fp: Any, _class: Type[http.client.HTTPMessage] = http.client.HTTPMessage) -> Any:
    """``http.client.parse_headers``: read the header lines of ``fp`` and return the message.

    :param fp: the response's buffered reader, after the status line.
    :param _class: the message class (``http.client.HTTPMessage``).
    :raises http.client.LineTooLong: a header line is too long.
    :raises http.client.HTTPException: too many headers.
    """
    lines = http.client._read_headers(fp)  # type: ignore[attr-defined]  # its limits, its errors
    head = b''.join(lines).decode('iso-8859-1')
    pairs = _plain_pairs(head)
    if pairs is None:
        return email.parser.Parser(_class=_class).parsestr(head)
    message = _class()
    message._headers = pairs  # type: ignore[attr-defined]  # what Message.set_raw appends to
    message._payload = ''  # type: ignore[attr-defined]  # the (empty) rest after the blank line
    return message


def _with_parse(function: Any) -> Any:
    """``function`` (of :mod:`http.client`) reading its globals from a copy with :func:`parse_headers`."""
    namespace = dict(vars(http.client))
    namespace['parse_headers'] = parse_headers
    copy = types.FunctionType(
        function.__code__, namespace, function.__name__, function.__defaults__, function.__closure__,
    )
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__qualname__ = function.__qualname__
    copy.__doc__ = function.__doc__
    return copy


#: ``http.client.HTTPResponse.begin`` with :func:`parse_headers`.
begin = _with_parse(http.client.HTTPResponse.begin)
