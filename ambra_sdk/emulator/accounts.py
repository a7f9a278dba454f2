"""User helpers shared by routes: password hashing and login lookup."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING, Any, Optional

from .context import DEFAULT_PASSWORD
from .origin import is_loopback

if TYPE_CHECKING:  # pragma: no cover
    from .state import State

__all__ = [
    'hash_password', 'check_password', 'password_accepted', 'find_user_by_login', 'public_user',
    'PRIVATE_USER_FIELDS', 'add_default_roles',
]

#: User fields that are never returned by the API.
PRIVATE_USER_FIELDS = frozenset({'password_hash', 'password_salt', 'password_history'})


def hash_password(password: str) -> dict[str, str]:
    """Return the stored form of a password (salted SHA-256; it is a test server)."""
    salt = secrets.token_hex(8)
    digest = hashlib.sha256((salt + password).encode()).hexdigest()
    return {'password_salt': salt, 'password_hash': digest}


def check_password(user: dict[str, Any], password: str) -> bool:
    """True when ``password`` matches the user's stored password."""
    salt = user.get('password_salt')
    stored = user.get('password_hash')
    if not salt or not stored:
        return False
    digest = hashlib.sha256((salt + password).encode()).hexdigest()
    return hmac.compare_digest(digest, stored)


def password_accepted(user: dict[str, Any], password: str, remote_addr: Optional[str]) -> bool:
    """The login check: ``password`` is the user's, and the published default password comes from loopback.

    :param remote_addr: the client's address (the default password from any other address fails).
    """
    if password == DEFAULT_PASSWORD and not is_loopback(remote_addr):
        return False
    return check_password(user, password)


def find_user_by_login(state: State, login: str) -> Optional[dict[str, Any]]:
    """Find a user by email (case-insensitive) or by ``account_login``."""
    wanted = login.strip().lower()
    for user in state.list_objects('user'):
        if str(user.get('email', '')).lower() == wanted:
            return user
        if user.get('account_login') and str(user['account_login']).lower() == wanted:
            return user
    return None


def public_user(user: dict[str, Any]) -> dict[str, Any]:
    """Return a user without its private fields."""
    return {k: v for k, v in user.items() if k not in PRIVATE_USER_FIELDS}


def add_default_roles(
    state: State, account_id: str, admin_uuid: Optional[str] = None, user_uuid: Optional[str] = None
) -> tuple[str, str]:
    """Create an account's default roles and return their uuids ``(administrator, user)``.

    ``Administrator`` holds every flag of the vendor document; ``User`` the
    document's User column (:mod:`ambra_sdk.emulator.permission_table`).
    """
    from .permissions import ADMIN_PERMISSIONS, USER_PERMISSIONS

    admin = state.add_object(
        'role',
        {'name': 'Administrator', 'account_id': account_id, 'description': 'All permissions',
         'permissions': dict(ADMIN_PERMISSIONS), 'type': 'ACCOUNT'},
        uuid=admin_uuid,
    )
    user = state.add_object(
        'role',
        {'name': 'User', 'account_id': account_id, 'description': 'Default user permissions',
         'permissions': dict(USER_PERMISSIONS), 'type': 'ACCOUNT'},
        uuid=user_uuid,
    )
    return str(admin['uuid']), str(user['uuid'])
