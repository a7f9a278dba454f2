"""Where the command line finds the URL, the user and the secret, and how it builds the Api.

Order (the first one that has a value wins, field by field):

* URL: ``--url``, ``$AMBRA_URL``, the profile;
* upload namespace (when ``--namespace`` is not given): ``$AMBRA_NAMESPACE``, the profile;
* username: ``--username``, ``$AMBRA_USERNAME``, the profile, the ``login`` of ``~/.netrc``;
* secret: ``$AMBRA_SID``, ``$AMBRA_PASSWORD``, the keyring entry of the profile,
  the ``password`` of the ``~/.netrc`` entry of the URL's host, and last, when
  stdin is a terminal, a hidden prompt.

Secrets are never read from the command line and never written to a file
by this module; the keyring is optional (the ``keyring`` extra). A keyring
backend that keeps secrets in a plain file is named so (:func:`keyring_status`),
never "the system keyring"; a keyring without a usable backend is named as such.
A ``~/.netrc`` that other users can read or that another user owns is refused,
as Python's :mod:`netrc` module refuses its default file.
"""

import netrc
import os
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple
from urllib.parse import urlparse

import click

from ambra_sdk.cli.config import DEFAULT_PROFILE, Profile, check_profile_name, load_profile
from ambra_sdk.cli.errors import CliError
from ambra_sdk.cli.exit_codes import ExitCode

__all__ = [
    'KEYRING_SERVICE', 'NO_KEYRING_ENV', 'KeyringStatus', 'Resolved', 'build_api', 'forget_secrets',
    'keyring_backend', 'keyring_key', 'keyring_status', 'netrc_entry', 'resolve', 'store_secret',
]

KEYRING_SERVICE = 'ambra-sdk'
NO_KEYRING_ENV = 'AMBRA_NO_KEYRING'
ENV_URL = 'AMBRA_URL'
ENV_USERNAME = 'AMBRA_USERNAME'
ENV_PASSWORD = 'AMBRA_PASSWORD'  # noqa: S105 (a variable name, not a password)
ENV_SID = 'AMBRA_SID'
ENV_STORAGE = 'AMBRA_STORAGE_BASE_URL'
ENV_NAMESPACE = 'AMBRA_NAMESPACE'


@dataclass
class Resolved:
    """The connection settings of one command, and where each came from (never the secret itself)."""

    profile: str
    url: Optional[str] = None
    username: Optional[str] = None
    password: Optional[str] = field(default=None, repr=False)
    sid: Optional[str] = field(default=None, repr=False)
    storage_base_url: Optional[str] = None
    #: the namespace uploads use when no ``--namespace`` is given.
    namespace: Optional[str] = None
    sources: Dict[str, str] = field(default_factory=dict)


@dataclass
class KeyringStatus:
    """What keyring this run can use: the module (None: none usable) and a description for people."""

    module: Any
    description: str
    plaintext: bool = False


def _backend_name(backend: Any) -> str:
    return '{0}.{1}'.format(type(backend).__module__, type(backend).__name__)


def _is_plaintext(backend: Any) -> bool:
    """Whether a keyring backend keeps secrets unencrypted in a file (keyrings.alt's PlaintextKeyring...)."""
    for part in [backend, *(getattr(backend, 'backends', None) or ())]:
        name = type(part).__name__.lower()
        if 'plaintext' in name or 'uncrypted' in name:
            return True
    return False


def keyring_status() -> KeyringStatus:
    """Describe the keyring this run would use (never its content)."""
    if os.environ.get(NO_KEYRING_ENV):
        return KeyringStatus(None, 'keyring turned off by ${0}'.format(NO_KEYRING_ENV))
    try:
        import keyring  # noqa: WPS433 (optional dependency)
    except ImportError:
        from ambra_sdk.extras import install_command

        return KeyringStatus(None, 'keyring is not installed ({0})'.format(install_command('keyring')))
    try:
        backend = keyring.get_keyring()
    except Exception as error:  # noqa: BLE001 - a broken keyring configuration means no keyring
        return KeyringStatus(None, 'keyring is installed but its configuration is broken ({0})'.format(
            type(error).__name__))
    module = type(backend).__module__
    if module.endswith(('backends.fail', 'backends.null')) or getattr(backend, 'priority', 1) <= 0:
        return KeyringStatus(None, 'keyring is installed but has no usable backend ({0}): install one '
                                   '(e.g. SecretStorage with a running Secret Service on Linux) or set '
                                   'PYTHON_KEYRING_BACKEND'.format(_backend_name(backend)))
    if _is_plaintext(backend):
        return KeyringStatus(keyring, 'a PLAINTEXT file keyring ({0}): anyone who can read your files can '
                                      'read the secret'.format(_backend_name(backend)), plaintext=True)
    return KeyringStatus(keyring, 'the keyring backend {0}'.format(_backend_name(backend)))


def keyring_backend() -> Any:
    """Return the ``keyring`` module when a usable backend exists, else None (see :func:`keyring_status`)."""
    return keyring_status().module


def keyring_key(profile: str, kind: str, username: Optional[str]) -> str:
    return '{0}|{1}|{2}'.format(profile, kind, username or '')


def _keyring_get(profile: str, kind: str, username: Optional[str]) -> Optional[str]:
    keyring = keyring_backend()
    if keyring is None:
        return None
    try:
        value = keyring.get_password(KEYRING_SERVICE, keyring_key(profile, kind, username))
    except Exception:  # noqa: BLE001 - a locked or broken keyring is "no secret there"
        return None
    return value or None


def store_secret(profile: str, kind: str, username: Optional[str], secret: str) -> bool:
    """Keep a password or sid in the keyring; return False when no keyring is usable.

    :param profile: profile name.
    :param kind: ``'password'`` or ``'sid'``.
    :param username: the user (part of the key of a password).
    :param secret: the value.
    """
    keyring = keyring_backend()
    if keyring is None:
        return False
    try:
        keyring.set_password(KEYRING_SERVICE, keyring_key(profile, kind, username), secret)
    except Exception:  # noqa: BLE001 - report "not stored", never the value
        return False
    return True


def forget_secrets(profile: str, username: Optional[str]) -> int:
    """Delete the profile's password and sid from the keyring; return how many were there."""
    keyring = keyring_backend()
    if keyring is None:
        return 0
    removed = 0
    for kind in ('password', 'sid'):
        try:
            keyring.delete_password(KEYRING_SERVICE, keyring_key(profile, kind, username))
        except Exception:  # noqa: BLE001, S112 - absent entry
            continue
        removed += 1
    return removed


def netrc_entry(url: Optional[str]) -> Optional[Tuple[Optional[str], Optional[str]]]:
    """Return ``(login, password)`` of the ``~/.netrc`` (or ``$NETRC``) entry of the URL's host.

    :param url: the service URL.
    """
    host = urlparse(url or '').hostname
    if not host:
        return None
    path = os.environ.get('NETRC') or os.path.join(os.path.expanduser('~'), '.netrc')
    if not os.path.isfile(path):
        return None
    _check_netrc_mode(path)
    try:
        entry = netrc.netrc(path).authenticators(host)
    except (netrc.NetrcParseError, OSError) as error:
        raise CliError('cannot read {0}: {1}'.format(path, type(error).__name__), ExitCode.NO_CREDENTIALS) from None
    if entry is None:
        return None
    login, _account, password = entry
    return login or None, password or None


def _check_netrc_mode(path: str) -> None:
    """Refuse a netrc file another user owns or may read or write (what Python's netrc checks for ~/.netrc)."""
    if os.name != 'posix':
        return
    status = os.stat(path)
    if status.st_uid != os.getuid():
        raise CliError('{0} belongs to another user: passwords are not read from it'.format(path),
                       ExitCode.NO_CREDENTIALS)
    if status.st_mode & 0o077:
        raise CliError('{0} is open to other users (mode {1:04o}): passwords are not read from it; run '
                       'chmod 600 {0}'.format(path, status.st_mode & 0o7777), ExitCode.NO_CREDENTIALS)


def _first(*candidates: Tuple[Optional[str], str]) -> Tuple[Optional[str], str]:
    for value, source in candidates:
        if value:
            return value, source
    return None, ''


def resolve(
    profile_name: Optional[str], url: Optional[str], username: Optional[str], storage_base_url: Optional[str],
    *, need_secret: bool = True, prompt: bool = True,
) -> Resolved:
    """Gather the settings of one command (see the module docstring for the order).

    :param profile_name: ``--profile`` (None: ``$AMBRA_PROFILE`` or ``default``).
    :param url: ``--url``.
    :param username: ``--username``.
    :param storage_base_url: ``--storage-base-url``.
    :param need_secret: look for a password or sid.
    :param prompt: ask for the password on a terminal when nothing else has it.
    :raises CliError: (exit 3) when the URL or every secret is missing.
    """
    if profile_name is not None:
        check_profile_name(profile_name)  # '' too: never fall back to another profile silently
    explicit_profile = profile_name or os.environ.get('AMBRA_PROFILE')
    name = explicit_profile or DEFAULT_PROFILE
    profile = load_profile(name)
    if profile is None:
        if explicit_profile:
            raise CliError('no profile named {0!r}; create it with "ambra login --profile {0}"'.format(name),
                           ExitCode.NO_CREDENTIALS)
        profile = Profile(name)
    resolved = Resolved(profile=name)
    env = os.environ
    resolved.url, resolved.sources['url'] = _first(
        (url, '--url'), (env.get(ENV_URL), '$' + ENV_URL), (profile.url, 'profile ' + name))
    resolved.storage_base_url, resolved.sources['storage_base_url'] = _first(
        (storage_base_url, '--storage-base-url'), (env.get(ENV_STORAGE), '$' + ENV_STORAGE),
        (profile.storage_base_url, 'profile ' + name))
    resolved.namespace, resolved.sources['namespace'] = _first(
        (env.get(ENV_NAMESPACE), '$' + ENV_NAMESPACE), (profile.namespace, 'profile ' + name))
    resolved.username, resolved.sources['username'] = _first(
        (username, '--username'), (env.get(ENV_USERNAME), '$' + ENV_USERNAME),
        (profile.username, 'profile ' + name))
    if not resolved.url:
        raise CliError('no server URL: pass --url, set AMBRA_URL or run "ambra login"', ExitCode.NO_CREDENTIALS)
    if need_secret:
        _resolve_secret(resolved, prompt)
    return resolved


def _resolve_secret(resolved: Resolved, prompt: bool) -> None:
    env = os.environ
    if env.get(ENV_SID):
        resolved.sid, resolved.sources['secret'] = env[ENV_SID], '$' + ENV_SID
        return
    if env.get(ENV_PASSWORD):
        resolved.password, resolved.sources['secret'] = env[ENV_PASSWORD], '$' + ENV_PASSWORD
    if resolved.password is None and resolved.username:
        resolved.password = _keyring_get(resolved.profile, 'password', resolved.username)
        if resolved.password is not None:
            resolved.sources['secret'] = 'keyring'
    if resolved.password is None:
        sid = _keyring_get(resolved.profile, 'sid', None)
        if sid:
            resolved.sid, resolved.sources['secret'] = sid, 'keyring (sid)'
            return
    if resolved.password is None:
        entry = netrc_entry(resolved.url)
        if entry is not None and (resolved.username is None or entry[0] in (None, resolved.username)):
            resolved.username = resolved.username or entry[0]
            resolved.password, resolved.sources['secret'] = entry[1], '~/.netrc'
    if resolved.password is None and prompt and resolved.username and _interactive():
        resolved.password = click.prompt('Password for {0}'.format(resolved.username), hide_input=True,
                                         err=True)
        resolved.sources['secret'] = 'prompt'
    if resolved.password is None:
        status = keyring_status()
        unusable = '' if status.module is not None or 'not installed' in status.description else \
            ' ({0})'.format(status.description)
        raise CliError('no password or sid for {0}: run "ambra login", or set AMBRA_PASSWORD or AMBRA_SID, '
                       'or add the host to ~/.netrc{1}'.format(resolved.username or 'this server', unusable),
                       ExitCode.NO_CREDENTIALS)
    if not resolved.username:
        raise CliError('no username: pass --username, set AMBRA_USERNAME or run "ambra login"',
                       ExitCode.NO_CREDENTIALS)


def _interactive() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


#: The storage template when the service URL is plain ``http://`` and none was given: storage on the
#: same scheme (an emulator or a test server), not the SDK's ``https://`` default, which would fail every
#: upload and download with a TLS error.
PLAIN_HTTP_STORAGE = 'http://{engine_fqdn}/api/v3/storage'


def storage_template(resolved: Resolved) -> Optional[str]:
    """The storage URL template for ``resolved``: the one given, else ``http://`` storage for an ``http://`` URL.

    :param resolved: see :func:`resolve`.
    :return: a template, or None for the SDK's default (``https://{engine_fqdn}/api/v3/storage``).
    """
    if resolved.storage_base_url:
        return resolved.storage_base_url
    if (resolved.url or '').lower().startswith('http://'):
        return PLAIN_HTTP_STORAGE
    return None


def build_api(
    resolved: Resolved, rate_limits: Optional[bool] = None, timeout: Optional[Tuple[float, float]] = None,
) -> Any:
    """Return an :class:`~ambra_sdk.api.Api` for the resolved settings.

    :param resolved: see :func:`resolve`.
    :param rate_limits: keep the SDK's default client-side rate limits (True), drop them
        (False), or keep them unless the server is the emulator (None, see
        :mod:`ambra_sdk.cli.rate_limits`).
    :param timeout: ``(connect, read)`` seconds (None: the SDK's default).
    """
    from ambra_sdk.api import Api
    from ambra_sdk.api.base_api import DEFAULT_RATE_LIMITS

    api_class = Api
    if rate_limits is None:
        from ambra_sdk.cli.rate_limits import EmulatorAwareApi

        api_class = EmulatorAwareApi
    limits = None if rate_limits is False else DEFAULT_RATE_LIMITS
    url = resolved.url or ''
    options: Dict[str, Any] = {'rate_limits': limits, 'storage_base_url': storage_template(resolved)}
    if timeout is not None:
        options['timeout'] = timeout
    if resolved.sid:
        return api_class.with_sid(url, resolved.sid, **options)
    return api_class.with_creds(url, resolved.username or '', resolved.password or '', **options)
