"""JSON decoding with bounds on size and nesting: a clear ``ValueError``, never a ``RecursionError``.

``json.loads`` of ``[[[[...]]]]`` nested some thousands deep raises
``RecursionError`` (or exhausts the C stack on some builds), and a huge text
costs memory before anything checks it. :func:`loads_bounded` measures the
text and its nesting (outside strings) first, in one linear pass, then decodes.
"""

import json
import re
from typing import Any, Union

__all__ = ['MAX_JSON_DEPTH', 'JsonTooDeepError', 'JsonTooLargeError', 'loads_bounded', 'nesting_depth']

#: Deepest nesting accepted (service answers nest about 6 deep; Python's decoder recurses per level).
MAX_JSON_DEPTH = 64

_SPECIAL_RE = re.compile(r'[\[\]{}"\\]')


class JsonTooLargeError(ValueError):
    """The JSON text is longer than allowed."""


class JsonTooDeepError(ValueError):
    """The JSON text nests arrays and objects deeper than allowed."""


def nesting_depth(text: str) -> int:
    """Return how deep arrays and objects nest in ``text`` (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = False
    escaped_at = -1
    for match in _SPECIAL_RE.finditer(text):
        char, at = match.group(), match.start()
        if in_string:
            if char == '\\' and escaped_at != at:
                escaped_at = at + 1  # the next character is escaped
            elif char == '"' and escaped_at != at:
                in_string = False
        elif char == '"':
            in_string = True
        elif char in '[{':
            depth += 1
            deepest = max(deepest, depth)
        elif char in ']}':
            depth -= 1
    return deepest


def loads_bounded(text: Union[str, bytes], max_bytes: int, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Decode JSON after checking its size and nesting.

    :param text: the JSON text.
    :param max_bytes: longest text accepted (characters of a ``str``, bytes of ``bytes``).
    :param max_depth: deepest nesting accepted.
    :raises JsonTooLargeError: the text is longer than ``max_bytes``.
    :raises JsonTooDeepError: it nests deeper than ``max_depth``.
    :raises ValueError: it is not JSON.
    """
    if len(text) > max_bytes:
        raise JsonTooLargeError('JSON text of {0} bytes, more than the {1} allowed'.format(len(text), max_bytes))
    decoded = text.decode('utf-8') if isinstance(text, bytes) else text
    depth = nesting_depth(decoded)
    if depth > max_depth:
        raise JsonTooDeepError('JSON nested {0} deep, more than the {1} allowed'.format(depth, max_depth))
    return json.loads(decoded)
