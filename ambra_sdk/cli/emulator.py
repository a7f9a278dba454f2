"""``ambra emulator``: the offline emulator, with the options of ``python -m ambra_sdk.emulator``.

The arguments are handed unchanged to :func:`ambra_sdk.emulator.cli.main`,
so every option that command has (now or later) works here too.
"""

from typing import Sequence

import click

__all__ = ['emulator']


@click.command(
    context_settings={'ignore_unknown_options': True, 'allow_extra_args': True, 'help_option_names': []},
    add_help_option=False,
)
@click.argument('args', nargs=-1, type=click.UNPROCESSED)
def emulator(args: Sequence[str]) -> None:
    """Start the offline emulator (options: ambra emulator --help; needs the emulator extra)."""
    try:
        from ambra_sdk.emulator.cli import main as emulator_main
    except ImportError as error:
        from ambra_sdk.cli.errors import CliError
        from ambra_sdk.extras import missing_extra_message

        raise CliError(missing_extra_message('emulator', 'the emulator', error.name)) from None
    if {'-h', '--help'} & set(args):
        from ambra_sdk.cli.output import out_line

        out_line('ambra emulator takes the options of python -m ambra_sdk.emulator:')
    raise SystemExit(emulator_main(list(args)))
