"""Small helpers to emit Python source text."""

from __future__ import annotations

import builtins
import re
import textwrap

#: Names that ruff's A00x rules treat as shadowing a builtin.
BUILTIN_NAMES = frozenset(dir(builtins))


def py_str(value: str) -> str:
    """A single-quoted Python string literal for ``value``."""
    return repr(value)


_TRAILING_UNDERSCORES = re.compile(r'(?<=\w)(_+)(?=\W|$)')


def rst_text(text: str) -> str:
    """Escape vendor text for reStructuredText (``name_`` is a link reference there)."""
    return _TRAILING_UNDERSCORES.sub(lambda match: '\\_' * len(match.group(1)), text)


def docstring(lines: list[str], indent: str, width: int = 110) -> list[str]:
    """A triple-quoted docstring; each entry of ``lines`` is a wrapped paragraph.

    An empty entry gives an empty line.  Backslashes and triple quotes are escaped.
    """
    out: list[str] = []
    for index, paragraph in enumerate(lines):
        text = paragraph.replace('\\', '\\\\').replace('"""', '\\"\\"\\"')
        if not text:
            out.append('')
            continue
        hanging = '    ' if text.startswith(':') else ''
        wrapped = textwrap.wrap(
            text,
            width=width - len(indent),
            subsequent_indent=hanging,
            break_long_words=False,
            break_on_hyphens=False,
        ) or ['']
        if index == 0:
            wrapped[0] = '"""' + wrapped[0]
        out.extend(wrapped)
    if len(out) == 1:
        return [indent + out[0] + '"""']
    out.append('"""')
    return [indent + line if line else '' for line in out]


def lazy_attribute_lines(condition: str, module_expression: str, cache: bool = True) -> list[str]:
    """``__getattr__`` and ``__dir__`` of a module whose attributes load on first access (PEP 562).

    :param condition: Python test on ``name``, e.g. ``name in __all__``.
    :param module_expression: Python expression of the module to import the attribute from.
    :param cache: keep the attribute in the module's globals once loaded (False: the module's
        body stays what it defines, the lookup is repeated).
    """
    keep = ['        globals()[name] = value'] if cache else []
    return [
        'def __getattr__(name: str) -> Any:',
        f'    if {condition}:',
        f'        value = getattr(importlib.import_module({module_expression}), name)',
        *keep,
        '        return value',
        "    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')",
        '',
        '',
        'def __dir__() -> list:',
        '    return sorted(set(globals()) | set(__all__))',
    ]
