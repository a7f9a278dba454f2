"""Sessions: one re-login for many threads (storage too), denials are not expiries, logout is idempotent."""

import threading
from typing import Any, List

import pytest
import requests

from ambra_sdk.api import Api
from ambra_sdk.exceptions.storage import AccessDenied


def _expire(emulator: Any, sid: str) -> None:
    response = requests.post(emulator.url + '/session/logout', data={'sid': sid}, timeout=10)
    assert response.status_code == 200


def _logins(emulator: Any) -> List[Any]:
    return [entry for entry in emulator.requests_log if entry.path == '/session/login']


def _in_threads(count: int, call: Any) -> 'tuple[list, list]':
    results: List[Any] = []
    errors: List[BaseException] = []
    barrier = threading.Barrier(count)

    def run() -> None:
        barrier.wait()
        try:
            results.append(call())
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results, errors


def test_sixteen_storage_threads_share_one_relogin(rapi, fresh, namespace_id, make_dicoms):
    (path,) = make_dicoms(1)
    study_uid = rapi.Storage.Image.upload(fresh.engine_fqdn, namespace_id, str(path)).study_uid
    stale = rapi.sid
    _expire(fresh, stale)
    fresh.requests_log.clear()

    results, errors = _in_threads(16, lambda: rapi.Storage.Study.schema(fresh.engine_fqdn, namespace_id, study_uid))
    assert errors == []
    assert len(results) == 16
    assert len(_logins(fresh)) == 1
    assert rapi.sid != stale


def test_sixteen_mixed_threads_share_one_relogin(rapi, fresh, namespace_id, make_dicoms):
    """Service and storage calls racing on the same expired sid: still one login."""
    (path,) = make_dicoms(1)
    study_uid = rapi.Storage.Image.upload(fresh.engine_fqdn, namespace_id, str(path)).study_uid
    _expire(fresh, rapi.sid)
    fresh.requests_log.clear()
    counter = iter(range(1000))
    lock = threading.Lock()

    def call() -> Any:
        with lock:
            number = next(counter)
        if number % 2:
            return rapi.Storage.Study.count(fresh.engine_fqdn, namespace_id, study_uid)
        return rapi.Session.user().get()

    results, errors = _in_threads(16, call)
    assert errors == []
    assert len(results) == 16
    assert len(_logins(fresh)) == 1


def test_permission_denial_is_not_an_expired_session(rapi, fresh, make_dicoms):
    """Storage ACCESS_DENIED with a sid the service accepts is raised at once, without re-login."""
    (path,) = make_dicoms(1)
    sid = rapi.sid
    with pytest.raises(AccessDenied):
        rapi.Storage.Image.upload(fresh.engine_fqdn, 'not-a-namespace-of-this-user', str(path))
    assert _logins(fresh) == []
    uploads = [entry for entry in fresh.requests_log if entry.method == 'POST' and entry.path.startswith('/storage/')]
    assert len(uploads) == 1
    assert rapi.sid == sid


def test_expired_sid_on_storage_is_replaced_once(rapi, fresh, namespace_id, make_dicoms):
    """The emulator's expire_sid fault: the storage call logs in again and succeeds."""
    (path,) = make_dicoms(1)
    study_uid = rapi.Storage.Image.upload(fresh.engine_fqdn, namespace_id, str(path)).study_uid
    fresh.requests_log.clear()
    fresh.faults.add('*/schema', expire_sid=True)
    assert rapi.Storage.Study.schema(fresh.engine_fqdn, namespace_id, study_uid) is not None
    assert len(_logins(fresh)) == 1


def test_logout_is_idempotent(rapi, fresh):
    rapi.Session.user().get()
    rapi.logout()
    rapi.logout()
    logouts = [entry for entry in fresh.requests_log if entry.path == '/session/logout']
    assert len(logouts) == 1
    assert rapi.Session.user().get().email == fresh.username  # logs in again on next use


def test_logout_after_server_side_expiry_does_not_raise(rapi, fresh):
    _expire(fresh, rapi.sid)
    rapi.logout()
    rapi.logout()
    assert rapi._sid is None


def test_logout_without_sid_sends_nothing(fresh):
    api = fresh.api(rate_limits=None)
    fresh.requests_log.clear()
    api.logout()
    api.logout()
    assert list(fresh.requests_log) == []


def test_logout_with_unreachable_server_does_not_raise():
    api = Api.with_sid('http://127.0.0.1:9/api/v3', 'sid-unreachable-logout-1', rate_limits=None, timeout=(1, 1))
    api.service_retry_params.update(connect=0, total=0)
    api.logout()
    api.logout()
    assert api._sid is None
