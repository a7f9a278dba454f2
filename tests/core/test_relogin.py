"""Re-login after an expired sid: once for any number of threads, service and storage."""

import threading

import pytest
import requests

from ambra_sdk.exceptions.base import MissingCredentials


def _expire(emulator, sid):
    """Invalidate a sid on the server, as an expiry would."""
    response = requests.post(emulator.url + '/session/logout', data={'sid': sid}, timeout=10)
    assert response.status_code == 200


def _logins(emulator):
    return [entry for entry in emulator.requests_log if entry.path == '/session/login']


def test_sixteen_threads_share_one_relogin(emulator):
    emulator.reset()
    api = emulator.api(rate_limits=None)
    first_sid = api.sid
    _expire(emulator, first_sid)
    emulator.requests_log.clear()

    results, errors = [], []
    barrier = threading.Barrier(16)

    def call():
        barrier.wait()
        try:
            results.append(api.Session.user().get().email)
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=call) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(results) == 16
    assert len(_logins(emulator)) == 1
    assert api.sid != first_sid


def test_storage_call_relogs_in(emulator):
    emulator.reset()
    api = emulator.api(rate_limits=None)
    namespace_id = api.Session.user().get().namespace_id
    _expire(emulator, api.sid)
    emulator.requests_log.clear()
    count_url = api.storage_base_url.format(engine_fqdn=emulator.engine_fqdn) + '/study/{0}/1.2.3/count'.format(
        namespace_id,
    )

    def fetch():
        from ambra_sdk.storage.response import check_errors

        return check_errors(api.storage_get(count_url, True, params={}))

    with pytest.raises(Exception) as info:  # noqa: B017 - the study does not exist: a 404 after re-login
        api.retry_with_new_sid(fetch)
    assert getattr(info.value, 'code', None) == 404, info.value
    assert len(_logins(emulator)) == 1


def test_sid_only_api_names_missing_credentials(emulator):
    emulator.reset()
    api = emulator.api(rate_limits=None)
    sid = api.sid
    from ambra_sdk.api import Api

    sid_only = Api.with_sid(emulator.url, sid, rate_limits=None, storage_base_url=emulator.storage_base_url)
    _expire(emulator, sid)
    with pytest.raises(MissingCredentials, match='with_creds'):
        sid_only.Session.user().get()


def test_logout_twice(emulator):
    emulator.reset()
    api = emulator.api(rate_limits=None)
    api.Session.user().get()
    api.logout()
    api.logout()
    assert api._sid is None
    # the Api logs in again on next use
    assert api.Session.user().get().email == emulator.username
