"""Helpers of the storage tests (fakes for pure-function tests, the data spec)."""

import io
import json
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import requests

SPEC_PATH = Path(__file__).resolve().parents[3] / 'shared' / 'spec' / 'storage_endpoints.json'


def load_spec() -> List[Dict[str, Any]]:
    """The 35 methods of ``storage_endpoints.json`` ([] when shared/ is not there)."""
    if not SPEC_PATH.exists():
        return []
    return json.loads(SPEC_PATH.read_text(encoding='utf-8'))


def make_response(
    status: int,
    body: Any = b'',
    headers: Optional[Dict[str, str]] = None,
    url: str = 'https://engine/api/v3/storage/x',
) -> requests.Response:
    """A hand-built response (for pure-function tests)."""
    response = requests.Response()
    response.status_code = status
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode('utf-8')
        response.headers['Content-Type'] = 'application/json'
    elif isinstance(body, str):
        body = body.encode('utf-8')
    response.raw = io.BytesIO(body)
    response.headers.update(headers or {})
    response.url = url
    response.encoding = 'utf-8'
    return response


class FakeApi:
    """Records storage calls and answers from a queue (pure tests only).

    ``retry_with_new_sid`` behaves like the real one for AccessDenied: it
    counts a re-login and calls ``fn`` once more.
    """

    storage_base_url = 'https://{engine_fqdn}/api/v3/storage'

    def __init__(self, answers: Optional[List[Callable[[Dict[str, Any]], requests.Response]]] = None) -> None:
        self.calls: List[Dict[str, Any]] = []
        self.answers = list(answers or [])
        self.relogins = 0

    def _send(self, method: str, url: str, required_sid: bool, **kwargs: Any) -> requests.Response:
        body = kwargs.get('data')
        if hasattr(body, 'read'):
            body = body.read()
        files = kwargs.get('files')
        file_bodies = {}
        for name, spec in (files or {}).items():
            file_obj = spec[1] if isinstance(spec, tuple) else spec
            file_bodies[name] = file_obj.read() if hasattr(file_obj, 'read') else file_obj
        self.calls.append({
            'method': method, 'url': url, 'required_sid': required_sid, 'kwargs': kwargs,
            'body': body, 'files': file_bodies,
        })
        if self.answers:
            return self.answers.pop(0)(self.calls[-1])
        return make_response(200, {})

    def storage_get(self, url: str, required_sid: bool, **kwargs: Any) -> requests.Response:
        return self._send('GET', url, required_sid, **kwargs)

    def storage_post(self, url: str, required_sid: bool, **kwargs: Any) -> requests.Response:
        return self._send('POST', url, required_sid, **kwargs)

    def storage_delete(self, url: str, required_sid: bool, **kwargs: Any) -> requests.Response:
        return self._send('DELETE', url, required_sid, **kwargs)

    def retry_with_new_sid(self, fn):
        from ambra_sdk.exceptions.storage import AccessDenied

        try:
            return fn()
        except AccessDenied:
            self.relogins += 1
            return fn()


def error_body(readable_status: str, code: int = 7, message: str = 'boom') -> Dict[str, Any]:
    return {
        'kind': {'code': code, 'readable_status': readable_status},
        'message': message,
        'exception_data': {'study_uid': 'bad'},
        'created': '2021-08-11T00:00:00Z',
        'extended': None,
    }
