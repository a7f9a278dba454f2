"""The ``ambra`` command group: global options, error handling, and the sub-commands."""

import logging
from typing import Any, Optional

import click

from ambra_sdk import __version__
from ambra_sdk.cli.arguments import TextGroup
from ambra_sdk.cli.context import CliContext
from ambra_sdk.cli.errors import guarded
from ambra_sdk.cli.exit_codes import EXIT_CODE_MEANINGS
from ambra_sdk.cli.output import DebugLogHandler, configure
from ambra_sdk.cli.quiet_libraries import quiet_libraries
from ambra_sdk.redact import install_dicom_redaction

__all__ = ['cli', 'main']

_EXIT_CODES_HELP = '\b\nExit codes:\n' + '\n'.join(
    '  {0:<4d} {1}'.format(int(code), meaning) for code, meaning in EXIT_CODE_MEANINGS
)
_CREDENTIALS_HELP = (
    '\b\nCredentials (first found wins): --url/--username, then $AMBRA_URL, $AMBRA_USERNAME,\n'
    '$AMBRA_SID or $AMBRA_PASSWORD, then the profile (ambra login) and its keyring entry,\n'
    'then ~/.netrc (mode 600), then a password prompt on a terminal. Secrets are never options.\n'
    'Uploads go to --namespace, else $AMBRA_NAMESPACE, else the profile\'s (ambra whoami shows it).'
)


class AmbraGroup(TextGroup):
    """The root group: every command runs inside :func:`~ambra_sdk.cli.errors.guarded`."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; failures become one stderr line and an exit code."""
        with guarded(bool(ctx.params.get('debug'))):
            return super().invoke(ctx)


@click.group(
    cls=AmbraGroup,
    context_settings={'help_option_names': ['-h', '--help'], 'max_content_width': 100},
    epilog=_CREDENTIALS_HELP + '\n\n' + _EXIT_CODES_HELP,
)
@click.option('--profile', '-p', metavar='NAME', help='saved profile to use (default: $AMBRA_PROFILE or "default")')
@click.option('--url', metavar='URL', help='service API URL, e.g. https://access.dicomgrid.com/api/v3')
@click.option('--username', '-u', metavar='USER', help='login (email)')
@click.option('--storage-base-url', metavar='TEMPLATE',
              help="storage URL template, default 'https://{engine_fqdn}/api/v3/storage'")
@click.option('--rate-limits/--no-rate-limits', default=None,
              help="the SDK's client-side rate limits (default: on, off when the server answers as the "
                   "emulator; turn off only for your own server)")
@click.option('--progress/--no-progress', default=None,
              help='progress bars on stderr (default: when stderr is a terminal)')
@click.option('--connect-timeout', type=click.FloatRange(0.1, 3600), default=None, metavar='SECONDS',
              help='seconds to wait for a connection (default 10); an unreachable server is reported then')
@click.option('--quiet', '-q', is_flag=True, help='no summaries or notes on stderr (data and errors still go out)')
@click.option('--debug', is_flag=True,
              help='SDK debug log (redacted), tracebacks and DICOM library warnings on stderr')
@click.version_option(__version__, '--version', prog_name='ambra')
@click.pass_context
def cli(
    ctx: click.Context, profile: Optional[str], url: Optional[str], username: Optional[str],
    storage_base_url: Optional[str], rate_limits: Optional[bool], progress: Optional[bool],
    connect_timeout: Optional[float], quiet: bool, debug: bool,
) -> None:
    """Command line of the Ambra Health (DICOM Grid) cloud, on ambra-sdk.

    \b
    Examples:
      ambra login --url https://access.dicomgrid.com/api/v3 --username me@example.com
      ambra study list --filter modality=equals:CT --fields uuid,patient_name --csv > ct.csv
      ambra study download 1.2.3.4 --namespace NS --to ./studies
      ambra call Study get uuid=UUID
      ambra whoami

    Shell completion (bash): eval "$(_AMBRA_COMPLETE=bash_source ambra)"
    (zsh: zsh_source, fish: fish_source).
    """
    configure(quiet=quiet)
    install_dicom_redaction()  # pydicom's warnings quote tag values: masked, with --debug too
    if debug:
        logging.basicConfig(handlers=[DebugLogHandler()], level=logging.DEBUG,
                            format='%(levelname)s %(name)s: %(message)s')
        logging.captureWarnings(True)  # DICOM library warnings go through the writer too
    else:
        quiet_libraries()
    if quiet and progress is None:
        progress = False
    state = CliContext(profile, url, username, storage_base_url, rate_limits, debug, progress)
    state.connect_timeout = connect_timeout
    ctx.obj = state
    ctx.call_on_close(state.close)


def _register() -> None:
    from ambra_sdk.cli.call import call
    from ambra_sdk.cli.emulator import emulator
    from ambra_sdk.cli.image import image
    from ambra_sdk.cli.login import login, logout, profiles
    from ambra_sdk.cli.study import study
    from ambra_sdk.cli.whoami import namespace, whoami

    for command in (login, logout, profiles, whoami, namespace, study, image, call, emulator):
        cli.add_command(command)


_register()


def main() -> None:
    """Entry point of the ``ambra`` console script and of ``python -m ambra_sdk``."""
    cli(prog_name='ambra')
