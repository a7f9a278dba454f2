"""Fixtures of the service emulator tests: a clean emulator and a plain-requests client."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
import requests

pytest.importorskip('werkzeug')


class ServiceClient:
    """Plain ``requests`` client for ``POST /api/v3/<endpoint>`` with a valid sid."""

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator
        self.url = emulator.url
        self.session = requests.Session()
        self.sid = self.login()

    def login(self) -> str:
        """Log in as the seeded admin and return the sid."""
        response = self.session.post(
            self.url + '/session/login',
            data={'login': self.emulator.username, 'password': self.emulator.password},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return str(response.json()['sid'])

    def post(self, endpoint: str, data: Any = None, sid: Any = '', **kwargs: Any) -> requests.Response:
        """POST a form; ``sid=''`` sends the valid sid, ``None`` sends none."""
        form = dict(data or {})
        if sid is not None:
            form['sid'] = sid or self.sid
        kwargs.setdefault('timeout', 30)
        return self.session.post(self.url + endpoint, data=form, **kwargs)

    def ok(self, endpoint: str, data: Any = None, **kwargs: Any) -> dict[str, Any]:
        """POST and assert a 200 OK answer; return its JSON."""
        response = self.post(endpoint, data, **kwargs)
        assert response.status_code == 200, (endpoint, response.status_code, response.text)
        body = response.json()
        assert body['status'] == 'OK'
        return dict(body)

    def error(self, endpoint: str, data: Any = None, **kwargs: Any) -> dict[str, Any]:
        """POST and assert a vendor 412 error; return its JSON."""
        response = self.post(endpoint, data, **kwargs)
        assert response.status_code == 412, (endpoint, response.status_code, response.text)
        assert response.headers['Content-Type'].startswith('application/json')
        body = response.json()
        assert body['status'] == 'ERROR'
        return dict(body)

    def add_study(self, **fields: Any) -> str:
        """Add a study in the seeded namespace; return its uuid."""
        namespace = self.emulator.namespace_id
        data = {'storage_namespace': namespace, 'phi_namespace': namespace}
        data.update(fields)
        return str(self.ok('/study/add', data)['uuid'])


@pytest.fixture
def client(emulator: Any) -> Iterator[ServiceClient]:
    """A fresh emulator state and a logged-in plain-requests client."""
    emulator.reset()
    service = ServiceClient(emulator)
    yield service
    service.session.close()
    emulator.faults.clear()
