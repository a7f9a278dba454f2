"""A keyring backend for the tests: entries in a JSON file named by ``$AMBRA_TEST_KEYRING_FILE``.

A test double of the system keyring (which a test must never touch); it
works in the test process (``keyring.set_keyring``) and in subprocesses
(``PYTHON_KEYRING_BACKEND=tests.cli.fake_keyring.FileKeyring``).
"""

import json
import os
from pathlib import Path
from typing import Dict, Optional

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class FileKeyring(KeyringBackend):
    """Keyring entries in one JSON file (tests only)."""

    priority = 10  # type: ignore[assignment]

    @staticmethod
    def _path() -> Path:
        return Path(os.environ['AMBRA_TEST_KEYRING_FILE'])

    def _load(self) -> Dict[str, str]:
        path = self._path()
        return json.loads(path.read_text()) if path.exists() else {}

    def _save(self, entries: Dict[str, str]) -> None:
        self._path().write_text(json.dumps(entries))

    def get_password(self, service: str, username: str) -> Optional[str]:
        """Return the entry or None."""
        return self._load().get('{0}/{1}'.format(service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        """Store an entry."""
        entries = self._load()
        entries['{0}/{1}'.format(service, username)] = password
        self._save(entries)

    def delete_password(self, service: str, username: str) -> None:
        """Delete an entry."""
        entries = self._load()
        if entries.pop('{0}/{1}'.format(service, username), None) is None:
            raise PasswordDeleteError(username)
        self._save(entries)


class PlaintextKeyring(FileKeyring):
    """The same file, named like keyrings.alt's unencrypted backend (the command line must say "plaintext")."""
