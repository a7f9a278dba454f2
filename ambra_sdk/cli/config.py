"""Profiles: the URL and user of each server, in an INI file of the user's config folder.

The file holds no secret: only ``url``, ``username``, ``storage_base_url``
and the default upload ``namespace`` per profile. Passwords and sids live in a keyring (see
:mod:`ambra_sdk.cli.credentials`). Profiles never inherit from one another:
the file is read without configparser's ``[DEFAULT]`` section (a
hand-written ``[DEFAULT]`` is an ordinary, unusable section), and a profile
name configparser treats specially (``DEFAULT``, any case but ``default``)
or that is not letters, digits, ``.``, ``-`` and ``_`` is refused. The folder is ``$AMBRA_CONFIG_DIR`` when
set, else click's per-user application folder (``~/.config/ambra`` on Linux,
honouring ``$XDG_CONFIG_HOME``).
"""

import configparser
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

import click

__all__ = [
    'CONFIG_DIR_ENV', 'DEFAULT_PROFILE', 'PROFILE_FIELDS', 'Profile', 'check_profile_name', 'config_path',
    'delete_profile',
    'list_profiles', 'load_profile', 'save_profile',
]

CONFIG_DIR_ENV = 'AMBRA_CONFIG_DIR'
DEFAULT_PROFILE = 'default'
#: The only keys written to the file (never a password or a sid).
PROFILE_FIELDS = ('url', 'username', 'storage_base_url', 'namespace')
#: What a profile name may be.
PROFILE_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$')
#: configparser's default section: read as a section of this name, which no profile can have, so that
#: nothing is inherited by every profile.
_NO_DEFAULT_SECTION = '\x00none'


def check_profile_name(name: str) -> str:
    """Return ``name`` when it can name a profile.

    :param name: the profile name.
    :raises ValueError: for ``DEFAULT`` (configparser's section inherited by every other) in any case
        but ``default``, and for a name that is not 1-64 letters, digits, ``.``, ``-`` or ``_``.
    """
    if name.upper() == 'DEFAULT' and name != DEFAULT_PROFILE:
        raise ValueError('profile name {0!r} is reserved (INI files treat [DEFAULT] as settings of every '
                         'profile); choose another name'.format(name))
    if not PROFILE_NAME_RE.match(name):
        raise ValueError('bad profile name {0!r}: use 1-64 letters, digits, ".", "-" or "_"'.format(name))
    return name


@dataclass
class Profile:
    """One saved server: its name, service URL, user, storage URL template and default upload namespace."""

    name: str
    url: Optional[str] = None
    username: Optional[str] = None
    storage_base_url: Optional[str] = None
    namespace: Optional[str] = None


def config_path() -> Path:
    """Return the path of the profiles file (it may not exist yet)."""
    folder = os.environ.get(CONFIG_DIR_ENV) or click.get_app_dir('ambra')
    return Path(folder) / 'config.ini'


def _read() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, default_section=_NO_DEFAULT_SECTION)
    path = config_path()
    if path.exists():
        try:
            parser.read(path, encoding='utf-8')
        except configparser.Error as error:
            raise ValueError('the profiles file {0} is not valid INI ({1}); fix or delete it'.format(
                path, type(error).__name__)) from None
    return parser


def load_profile(name: str) -> Optional[Profile]:
    """Return the saved profile ``name``, or None.

    :param name: profile name.
    :raises ValueError: a name no profile can have (see :func:`check_profile_name`).
    """
    check_profile_name(name)
    parser = _read()
    if not parser.has_section(name):
        return None
    section = parser[name]
    return Profile(name, **{field: section.get(field) or None for field in PROFILE_FIELDS})


def list_profiles() -> List[Profile]:
    """Return every saved profile, in file order."""
    parser = _read()
    return [Profile(name, **{f: parser[name].get(f) or None for f in PROFILE_FIELDS}) for name in parser.sections()
            if _usable(name)]


def _usable(name: str) -> bool:
    try:
        check_profile_name(name)
    except ValueError:
        return False
    return True


def _write(parser: configparser.ConfigParser) -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + '.tmp')
    descriptor = os.open(str(temporary), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, 'w', encoding='utf-8') as stream:
        parser.write(stream)
    os.replace(str(temporary), str(path))


def save_profile(profile: Profile) -> Path:
    """Write (or replace) a profile; return the file's path.

    :param profile: the profile; ``None`` fields are left out.
    :raises ValueError: a name no profile can have (see :func:`check_profile_name`).
    """
    check_profile_name(profile.name)
    parser = _read()
    parser[profile.name] = {
        field: getattr(profile, field) for field in PROFILE_FIELDS if getattr(profile, field) is not None
    }
    _write(parser)
    return config_path()


def delete_profile(name: str) -> bool:
    """Remove a profile; return whether it existed.

    :param name: profile name.
    """
    check_profile_name(name)
    parser = _read()
    if not parser.remove_section(name):
        return False
    _write(parser)
    return True
