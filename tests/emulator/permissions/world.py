"""A small world for permission tests: the seeded account A, an outsider account B, users with chosen roles.

Everything goes over real sockets (plain ``requests`` against a running ``Emulator``).
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Optional

import requests

from ambra_sdk.emulator.permission_table import FLAGS
from ambra_sdk.exceptions.storage import AccessDenied

#: The one message of every storage ACCESS_DENIED answer (the kind's canned text).
ACCESS_DENIED_TEXT = AccessDenied.description

#: Password of every test user (two digits, two letters: the vendor rule).
PASSWORD = 'Perm-Test-42'
#: The four actors of the matrix; only the last two may succeed.
ACTORS = ('outsider', 'member_without', 'member_with', 'sysadmin')


class World:
    """Account A (seeded, its namespace holds the objects) and helpers to make actors."""

    def __init__(self, emulator: Any) -> None:
        emulator.reset()
        self.emulator = emulator
        self.url = emulator.url
        self.storage = f'http://{emulator.engine_fqdn}/api/v3/storage'
        self.session = requests.Session()
        self.account = emulator.account_id
        self.namespace = emulator.namespace_id
        self.admin_sid = self.login(emulator.username, emulator.password)
        self._users = 0

    # ------------------------------------------------------------ service

    def post(self, endpoint: str, data: Optional[dict[str, Any]] = None, sid: Optional[str] = None) -> requests.Response:
        """POST a service call as ``sid`` (default: the sysadmin)."""
        form = dict(data or {})
        form['sid'] = sid or self.admin_sid
        return self.session.post(self.url + endpoint, data=form, timeout=30)

    def ok(self, endpoint: str, data: Optional[dict[str, Any]] = None, sid: Optional[str] = None) -> dict[str, Any]:
        """A call that must answer OK; return its JSON."""
        response = self.post(endpoint, data, sid)
        assert response.status_code == 200, (endpoint, response.status_code, response.text)
        return dict(response.json())

    def login(self, login: str, password: str) -> str:
        """Log in; return the sid."""
        response = self.session.post(self.url + '/session/login', data={'login': login, 'password': password},
                                     timeout=30)
        assert response.status_code == 200, response.text
        return str(response.json()['sid'])

    # ------------------------------------------------------------ storage

    def storage_call(self, method: str, path: str, sid: Optional[str] = None, **kw: Any) -> requests.Response:
        """A storage call (``path`` after ``/api/v3/storage``) as ``sid`` (default: the sysadmin)."""
        params = dict(kw.pop('params', None) or {})
        params['sid'] = sid or self.admin_sid
        return self.session.request(method, self.storage + path, params=params, timeout=60, **kw)

    def upload(self, namespace: Optional[str] = None, name: str = 'CT_small.dcm') -> dict[str, Any]:
        """Upload a pydicom test file as the sysadmin; return the storage answer."""
        from tests.helpers.dicoms import pydicom_data_file

        with open(pydicom_data_file(name), 'rb') as body:
            response = self.storage_call('POST', f'/namespace/{namespace or self.namespace}/image', data=body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    # ------------------------------------------------------------- actors

    def role(self, permissions: dict[str, int], account: Optional[str] = None, name: str = '') -> str:
        """Add a role to an account (default A); return its uuid."""
        self._users += 1
        data = {'account_id': account or self.account, 'name': name or f'role{self._users}',
                'permissions': json.dumps(permissions)}
        return str(self.ok('/role/add', data)['uuid'])

    def user(self, role_id: Optional[str], account: Optional[str] = None) -> tuple[dict[str, Any], str]:
        """A new member of ``account`` (default A) with ``role_id``; return (user, sid)."""
        self._users += 1
        email = f'user{self._users}@example.com'
        user = self.emulator.add_user(email, PASSWORD, account_id=account or self.account)
        if role_id is not None:
            self.ok('/account/user/set', {'uuid': account or self.account, 'user_id': user['uuid'], 'role_id': role_id})
        return user, self.login(email, PASSWORD)

    def outsider(self) -> tuple[dict[str, Any], str]:
        """The Administrator of another account B: a member of no object of A."""
        other = self.ok('/account/add', {'name': f'Elsewhere {self._users}'})['uuid']
        roles = self.ok('/role/list', {'account_id': other})['roles']
        admin_role = next(r['uuid'] for r in roles if r['name'] == 'Administrator')
        return self.user(admin_role, account=other)

    def actor(self, kind: str, flags: Iterable[str], lacking: Iterable[str] = ()) -> str:
        """The sid of one actor of the matrix for a call needing ``flags`` (any of ``lacking`` would do too)."""
        needed = set(flags) | set(lacking)
        if kind == 'sysadmin':
            return self.admin_sid
        if kind == 'outsider':
            return self.outsider()[1]
        if kind == 'member_with':
            return self.user(self.role(dict.fromkeys(flags, 1)))[1]
        assert kind == 'member_without'
        return self.user(self.role({f: 0 if f in needed else 1 for f in FLAGS}))[1]

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()


def assert_not_permitted(response: requests.Response, *secrets: str) -> None:
    """The vendor refusal, and nothing else: no subtype, no data, none of ``secrets`` in the body."""
    assert response.status_code == 412, (response.status_code, response.text)
    assert response.json() == {'status': 'ERROR', 'error_type': 'NOT_PERMITTED'}
    for secret in secrets:
        assert secret not in response.text


def assert_permission_denied(response: requests.Response, *secrets: str) -> None:
    """The storage refusal: 403 ``ACCESS_DENIED`` with its canned text, naming nothing of the object."""
    assert response.status_code == 403, (response.status_code, response.text)
    body = response.json()
    assert body['kind']['readable_status'] == 'ACCESS_DENIED'
    assert body['message'] == ACCESS_DENIED_TEXT and body['exception_data'] == {}
    for secret in secrets:
        assert secret not in response.text
