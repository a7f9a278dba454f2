"""THE JSON decoder of everything the SDK reads from a server: bounded in size and depth.

Storage and service answers, bundle answers and websocket messages are all
decoded by :func:`bounded_json_loads`; each caller maps its
:class:`UnreadableJson` to its own error (``UnexpectedStorageResponse``,
``ServiceResponseError``, a dropped websocket message). A text nested deeper
than ``max_depth`` is refused *before* it is decoded, so neither the decoder
nor anything that later walks the result (boxes, ``repr``, ``json.dumps``)
can raise :class:`RecursionError`.

The depth scan costs about a fifth of ``json.loads`` on a large page and
nothing on small answers (a text with fewer opening brackets than
``max_depth`` cannot be too deep).
"""

import json
import re
from itertools import accumulate
from typing import Any, Optional, Union

from ambra_sdk.exceptions.base import AmbraException

#: Deepest nesting accepted (the vendor's answers nest a few levels).
MAX_JSON_DEPTH = 100
#: Largest text accepted by default (as ``api.max_body_bytes``).
MAX_JSON_BYTES = 128 * 1024 * 1024

_ESCAPED = re.compile(rb'\\.', re.DOTALL)
_STRUCTURE = b'"[]{}'
_NOT_STRUCTURE = bytes(byte for byte in range(256) if byte not in _STRUCTURE)
_STEP = [0] * 256
for _opening in b'[{':
    _STEP[_opening] = 1
for _closing in b']}':
    _STEP[_closing] = -1


class UnreadableJson(AmbraException, ValueError):  # noqa: N818
    """A text is not JSON, or is larger or deeper than allowed.

    The message says why (never quoting the text).
    """


class JsonTooLarge(UnreadableJson):  # noqa: N818
    """The text is longer than ``max_bytes``."""


class JsonTooDeep(UnreadableJson):  # noqa: N818
    """The text nests arrays/objects deeper than ``max_depth``."""


def json_depth(data: bytes) -> int:
    """Return how deep the arrays and objects of a UTF-8 JSON text nest (0: a scalar).

    Brackets inside strings do not count. The text need not be valid JSON.

    :param data: UTF-8 bytes.
    """
    if b'\\"' in data:  # escaped quotes (and so every escape) go first
        data = _ESCAPED.sub(b'', data)
    structure = data.translate(None, _NOT_STRUCTURE).replace(b'""', b'')  # keeps each bracket's quote parity
    if b'"' in structure:
        structure = b''.join(structure.split(b'"')[::2])  # even pieces are outside strings
    return max(accumulate(map(_STEP.__getitem__, structure)), default=0)


def _utf8(text: Union[str, bytes, bytearray]) -> bytes:
    """The UTF-8 form of a text (``bytes`` may be UTF-16/32, as :func:`json.loads` accepts)."""
    if isinstance(text, str):
        return text.encode('utf-8', 'surrogatepass')
    data = bytes(text)
    encoding = json.detect_encoding(data)
    if encoding not in ('utf-8', 'utf-8-sig'):
        data = data.decode(encoding).encode('utf-8', 'surrogatepass')
    return data


def bounded_json_loads(
    text: Union[str, bytes, bytearray],
    max_bytes: Optional[int] = MAX_JSON_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
) -> Any:
    """Decode a JSON text that came from outside, within limits.

    :param text: the text (``bytes`` in UTF-8, -16 or -32, as :func:`json.loads` takes them).
    :param max_bytes: longest text accepted, in bytes (UTF-8); None when the reader
        already bounded it (HTTP bodies are read within ``api.max_body_bytes``).
    :param max_depth: deepest nesting of arrays and objects accepted.
    :return: the decoded value.
    :raises JsonTooLarge: the text is longer than ``max_bytes``.
    :raises JsonTooDeep: it nests deeper than ``max_depth``.
    :raises UnreadableJson: it is not JSON (bad syntax, bad encoding).
    """
    limit = len(text) if max_bytes is None else max_bytes
    if len(text) > limit:  # a str has at least as many UTF-8 bytes as characters
        raise JsonTooLarge('JSON larger than {0} bytes'.format(max_bytes))
    try:
        data = _utf8(text)
    except ValueError as error:  # UnicodeDecodeError: names one byte, never the text
        reason = str(error)
    else:
        reason = ''
    if reason:
        raise UnreadableJson('not JSON ({0})'.format(reason))
    if len(data) > limit and max_bytes is not None:
        raise JsonTooLarge('JSON larger than {0} bytes'.format(max_bytes))
    if data.count(b'[') + data.count(b'{') > max_depth and json_depth(data) > max_depth:
        raise JsonTooDeep('JSON nested deeper than {0} levels'.format(max_depth))
    try:
        return json.loads(text if isinstance(text, str) else data)
    except (ValueError, RecursionError) as error:  # JSONDecodeError names a position, never the text
        reason = str(error) if isinstance(error, ValueError) else 'nested too deeply'
    raise UnreadableJson('not JSON ({0})'.format(reason))  # outside the except block: nothing chained


__all__ = ['bounded_json_loads', 'json_depth', 'UnreadableJson', 'JsonTooLarge', 'JsonTooDeep',
           'MAX_JSON_DEPTH', 'MAX_JSON_BYTES']
