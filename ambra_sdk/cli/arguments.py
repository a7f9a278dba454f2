"""Command-line arguments that are not UTF-8 text: refused by name before a command runs.

Python hands ``ambra`` an argument that is not UTF-8 (``ambra study get $'\\xff'``) with each
bad byte as a lone surrogate (``surrogateescape``); sent to a server it would fail deep in the
encoding of the request with a message naming neither the argument nor the fix. Every command
that takes the CLI state (:func:`ambra_sdk.cli.context.pass_cli`) calls
:func:`check_text_arguments` first: the first value of an option or argument (of the command
and of its parent groups) that holds such a byte stops the run with exit code 2, naming the
option or argument and showing the value with the bad bytes as ``\\xNN`` (the writer's escaping,
:func:`ambra_sdk.cli.output.printable`; never the raw bytes). File and folder names
(``click.Path``/``click.File`` parameters) may be any bytes and pass unchanged.
"""

import re
from typing import Any, Iterator, Optional

import click

from ambra_sdk.cli.errors import CliError
from ambra_sdk.cli.output import printable
from ambra_sdk.redact import MASK, is_secret_key

__all__ = ['TextGroup', 'check_text_arguments', 'not_utf8']

_UNDECODABLE = re.compile('[\udc80-\udcff]')
_KEY = re.compile(r'^([^=:]+)(:?=)')


def not_utf8(value: str) -> bool:
    """Tell whether a command-line value held bytes that are not UTF-8 (Python's ``surrogateescape``)."""
    return _UNDECODABLE.search(value) is not None


class TextGroup(click.Group):
    """A command group whose sub-command names must be UTF-8 text.

    click before 8.2 reads a name starting with a byte that is not UTF-8 as an option
    (``split_opt``), parses the group's arguments again and, with none left, shows the
    group's help and exits 0. Such a name is refused as click 8.2+ refuses any unknown
    one: ``No such command '\\xff'.``, exit code 2 (the bytes shown as ``\\xNN``).
    """

    def resolve_command(self, ctx: click.Context, args: Any) -> Any:
        """Refuse a name that is not UTF-8, then resolve as click does."""
        if args and isinstance(args[0], str) and not_utf8(args[0]):
            ctx.fail('No such command {0!r}.'.format(args[0]))
        return super().resolve_command(ctx, args)


def check_text_arguments(ctx: Optional[click.Context]) -> None:
    """Refuse the first option or argument value of ``ctx`` and its parents that is not UTF-8 text.

    :param ctx: the context of the command about to run.
    :raises CliError: naming the option (``--filter``) or argument (``STUDY``), exit code 2.
    """
    while ctx is not None:
        for param in ctx.command.params:
            if isinstance(param.type, (click.Path, click.File)):
                continue
            for text in _texts(ctx.params.get(param.name or '')):
                if not_utf8(text):
                    raise CliError('{0} is not UTF-8 text; write it in UTF-8 (bytes that are not, and '
                                   'control characters, are shown as \\xNN)'.format(_named(param, text)))
        ctx = ctx.parent


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _texts(item)


def _named(param: click.Parameter, text: str) -> str:
    """``option --filter 'value'``, ``argument STUDY 'value'``, or ``argument 'KEY=value'`` (``[KEY=VALUE]...``)."""
    if isinstance(param, click.Option):
        return 'option {0} {1}'.format(max(param.opts, key=len), _shown(text))
    name = param.human_readable_name
    if not name.isidentifier() or not name.isupper():
        return 'argument {0}'.format(_shown(text))
    return 'argument {0} {1}'.format(name, _shown(text))


def _shown(text: str) -> str:
    """The value quoted with its bad bytes as ``\\xNN``; a ``KEY=VALUE`` whose key may be a secret shows ``KEY=***``."""
    match = _KEY.match(text)
    if match is not None and is_secret_key(match.group(1)):
        text = match.group(1) + match.group(2) + MASK
    return "'{0}'".format(printable(text))
