"""Profiles: the URL and user of each server, in an INI file of the user's config folder.

The file holds no secret: only ``url``, ``username`` and ``storage_base_url``
per profile. Passwords and sids live in the system keyring (see
:mod:`ambra_sdk.cli.credentials`). The folder is ``$AMBRA_CONFIG_DIR`` when
set, else click's per-user application folder (``~/.config/ambra`` on Linux,
honouring ``$XDG_CONFIG_HOME``).
"""

import configparser
import os
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

import click

__all__ = [
    'CONFIG_DIR_ENV', 'DEFAULT_PROFILE', 'PROFILE_FIELDS', 'Profile', 'config_path', 'delete_profile',
    'list_profiles', 'load_profile', 'save_profile',
]

CONFIG_DIR_ENV = 'AMBRA_CONFIG_DIR'
DEFAULT_PROFILE = 'default'
#: The only keys written to the file (never a password or a sid).
PROFILE_FIELDS = ('url', 'username', 'storage_base_url')


@dataclass
class Profile:
    """One saved server: its name, service URL, user and storage URL template."""

    name: str
    url: Optional[str] = None
    username: Optional[str] = None
    storage_base_url: Optional[str] = None


def config_path() -> Path:
    """Return the path of the profiles file (it may not exist yet)."""
    folder = os.environ.get(CONFIG_DIR_ENV) or click.get_app_dir('ambra')
    return Path(folder) / 'config.ini'


def _read() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
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
    """
    parser = _read()
    if not parser.has_section(name):
        return None
    section = parser[name]
    return Profile(name, **{field: section.get(field) or None for field in PROFILE_FIELDS})


def list_profiles() -> List[Profile]:
    """Return every saved profile, in file order."""
    parser = _read()
    return [Profile(name, **{f: parser[name].get(f) or None for f in PROFILE_FIELDS}) for name in parser.sections()]


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
    :raises ValueError: for an empty name or one with ``[``, ``]`` or a new line.
    """
    if not profile.name or any(char in profile.name for char in '[]\n\r'):
        raise ValueError('bad profile name {0!r}: use letters, digits, "-" or "_"'.format(profile.name))
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
    parser = _read()
    if not parser.remove_section(name):
        return False
    _write(parser)
    return True
