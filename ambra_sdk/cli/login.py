"""``ambra login``, ``ambra logout`` and ``ambra profiles``."""

import os
from typing import Any, Optional

import click

from ambra_sdk.cli.config import (
    DEFAULT_PROFILE,
    Profile,
    check_profile_name,
    delete_profile,
    list_profiles,
    load_profile,
    save_profile,
)
from ambra_sdk.cli.context import CliContext, pass_cli
from ambra_sdk.cli.credentials import (
    ENV_STORAGE,
    ENV_URL,
    ENV_USERNAME,
    KEYRING_SERVICE,
    Resolved,
    build_api,
    forget_secrets,
    keyring_backend,
    keyring_key,
    keyring_status,
    store_secret,
)
from ambra_sdk.cli.errors import CliError
from ambra_sdk.cli.exit_codes import ExitCode
from ambra_sdk.cli.output import format_options, message, warning, write_rows
from ambra_sdk.cli.streams import is_terminal, text_stream

__all__ = ['login', 'logout', 'profiles', 'read_secret']


def read_secret(label: str) -> str:
    """Read a secret from a hidden prompt (terminal) or the first line of stdin (pipe).

    :param label: ``password`` or ``sid``.
    :raises CliError: when it is empty.
    """
    stdin = text_stream('stdin')
    if is_terminal(stdin):
        value = click.prompt(label.capitalize(), hide_input=True, err=True)
    else:
        value = stdin.readline().rstrip('\r\n')
    if not value:
        raise CliError('empty {0}: type it at the prompt or pipe it on stdin'.format(label))
    return str(value)


def _ask(value: Optional[str], option: str, prompt: str) -> str:
    if value:
        return value
    if is_terminal(text_stream('stdin')) and is_terminal(text_stream('stderr')):
        return str(click.prompt(prompt, err=True))
    raise CliError('{0} is required (no saved value in the profile)'.format(option), ExitCode.NO_CREDENTIALS)


def _profile_name(*given: Optional[str]) -> str:
    """The first profile name given (an empty one is refused, never skipped), else ``default``."""
    for name in given:
        if name is not None:
            return check_profile_name(name)
    return DEFAULT_PROFILE


@click.command()
@click.option('--profile', '-p', 'profile_name', metavar='NAME',
              help='profile to create or update (default: the global --profile, else "default")')
@click.option('--url', metavar='URL', help='service API URL (kept in the profile)')
@click.option('--username', '-u', metavar='USER', help='login (kept in the profile)')
@click.option('--storage-base-url', metavar='TEMPLATE', help='storage URL template (kept in the profile)')
@click.option('--namespace', '-n', metavar='NS', help='namespace uploads use by default (kept in the profile)')
@click.option('--password', 'secret_kind', flag_value='password', default=True,
              help='read the password from a hidden prompt, or from stdin when piped (the default)')
@click.option('--sid', 'secret_kind', flag_value='sid', help='read a session id instead of a password')
@click.option('--verify/--no-verify', default=True, show_default=True,
              help='log in once to check the credentials before saving')
@pass_cli
def login(
    state: CliContext, profile_name: Optional[str], url: Optional[str], username: Optional[str],
    storage_base_url: Optional[str], namespace: Optional[str], secret_kind: str, verify: bool,
) -> None:
    """Save a profile (URL, user) and keep its password or sid in a keyring.

    The profile file holds no secret. Without a usable keyring (the keyring
    extra; headless servers often have no backend) the secret is not stored:
    give it later with $AMBRA_PASSWORD, $AMBRA_SID or ~/.netrc (mode 600).

    \b
    Examples:
      ambra login --profile prod --url https://access.dicomgrid.com/api/v3 -u me@example.com
      printf '%s\\n' "$PASSWORD" | ambra login --profile ci --url URL -u bot@example.com --password
    """
    name = _profile_name(profile_name, state.profile)
    saved = load_profile(name) or Profile(name)  # refuses a reserved or bad name before any prompt
    env = os.environ
    url = _ask(url or state.url or env.get(ENV_URL) or saved.url, '--url', 'Service API URL')
    storage_base_url = storage_base_url or state.storage_base_url or env.get(ENV_STORAGE) or saved.storage_base_url
    username = username or state.username or env.get(ENV_USERNAME) or saved.username
    if secret_kind == 'password':
        username = _ask(username, '--username', 'Username')
    secret = read_secret(secret_kind)
    resolved = Resolved(profile=name, url=url, username=username, storage_base_url=storage_base_url)
    if secret_kind == 'sid':
        resolved.sid = secret
    else:
        resolved.password = secret
    if verify:
        api = build_api(resolved, rate_limits=state.rate_limits)
        try:
            user = api.Session.user().get()
            username = username or user.get('email')
        finally:
            if secret_kind == 'password':
                api.logout()
    namespace = namespace or saved.namespace
    path = save_profile(Profile(name, url=url, username=username, storage_base_url=storage_base_url,
                                namespace=namespace))
    status = keyring_status()
    stored = store_secret(name, secret_kind, username if secret_kind == 'password' else None, secret)
    message('Profile {0!r} saved in {1} ({2} at {3}).'.format(name, str(path), username or 'sid', url))
    if stored and status.plaintext:
        warning('the {0} is kept in {1}'.format(secret_kind, status.description))
    elif stored:
        message('The {0} is kept in {1}.'.format(secret_kind, status.description))
    else:
        warning('the {0} was NOT stored: {1}. Give it with ${2} or ~/.netrc (mode 600).'.format(
            secret_kind, status.description if status.module is None else 'the keyring refused it',
            'AMBRA_SID' if secret_kind == 'sid' else 'AMBRA_PASSWORD'))


@click.command()
@click.option('--profile', '-p', 'profile_name', metavar='NAME', help='profile (default: the global --profile)')
@click.option('--delete', is_flag=True, help='also delete the profile from the profiles file')
@pass_cli
def logout(state: CliContext, profile_name: Optional[str], delete: bool) -> None:
    """Forget the profile's password and sid from the keyring (and with --delete, the profile)."""
    name = _profile_name(profile_name, state.profile)
    saved = load_profile(name)
    if saved is None:
        raise CliError('no profile named {0!r}'.format(name))
    removed = forget_secrets(name, saved.username)
    message('Removed {0} secret(s) of profile {1!r} from the keyring.'.format(removed, name))
    if delete:
        delete_profile(name)
        message('Deleted profile {0!r}.'.format(name))


@click.command()
@format_options()
def profiles(output_format: Optional[str]) -> None:
    """List the saved profiles (never their secrets)."""
    keyring = keyring_backend()
    rows = (
        {'name': profile.name, 'url': profile.url, 'username': profile.username,
         'storage_base_url': profile.storage_base_url, 'namespace': profile.namespace,
         'keyring': 'yes' if keyring is not None and _has_secret(keyring, profile) else 'no'}
        for profile in list_profiles()
    )
    write_rows(rows, output_format or 'table',
               fields=['name', 'url', 'username', 'storage_base_url', 'namespace', 'keyring'])


def _has_secret(keyring: Any, profile: Profile) -> bool:
    for key in (keyring_key(profile.name, 'password', profile.username), keyring_key(profile.name, 'sid', None)):
        try:
            if keyring.get_password(KEYRING_SERVICE, key):
                return True
        except Exception:  # noqa: BLE001, S112 - a broken keyring has nothing
            continue
    return False
