"""Fault injection: statuses, Retry-After, delays, dropped/truncated answers, expired sids."""

from __future__ import annotations

import time

import pytest
import requests


def test_status_with_retry_after_fires_once(client):
    client.emulator.faults.add('/study/list', status=503, retry_after=7)
    response = client.post('/study/list')
    assert response.status_code == 503
    assert response.headers['Retry-After'] == '7'
    assert client.post('/study/list').status_code == 200
    assert len(client.emulator.faults) == 0


def test_default_status_is_503_and_times(client):
    client.emulator.faults.add('/session/*', times=2)
    assert client.post('/session/user').status_code == 503
    assert client.post('/session/user').status_code == 503
    assert client.post('/session/user').status_code == 200


def test_forever_until_clear(client):
    client.emulator.faults.add('/study/*', status=500, times=None)
    for _ in range(3):
        assert client.post('/study/list').status_code == 500
    client.emulator.faults.clear()
    assert client.post('/study/list').status_code == 200


def test_412_fault_has_vendor_shape(client):
    client.emulator.faults.add('/study/list', status=412, error_type='LOCKOUT')
    body = client.error('/study/list')
    assert body == {'status': 'ERROR', 'error_type': 'LOCKOUT'}


def test_pattern_matches_full_path_and_method(client):
    client.emulator.faults.add('/api/v3/study/count', status=502, method='POST')
    assert client.post('/study/list').status_code == 200
    assert client.post('/study/count').status_code == 502


def test_delay_really_sleeps_and_then_answers(client):
    client.emulator.faults.add('/session/user', delay=0.5)
    start = time.monotonic()
    response = client.post('/session/user')
    assert time.monotonic() - start >= 0.45
    assert response.status_code == 200
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.emulator.faults.add('/session/user', delay=1.0)
        client.post('/session/user', timeout=0.2)


def test_drop_connection_closes_socket(client):
    client.emulator.faults.add('/study/list', drop_connection=True)
    with pytest.raises(requests.exceptions.ConnectionError):
        client.post('/study/list')
    assert client.post('/study/list').status_code == 200
    entry = [e for e in client.emulator.requests_log if e.path == '/study/list'][0]
    assert entry.status is None


def test_truncated_body(client):
    client.add_study(study_uid='1.2')
    client.emulator.faults.add('/study/list', truncate_body=True)
    try:
        response = client.post('/study/list')
    except requests.exceptions.RequestException:
        pass  # urllib3 2 enforces Content-Length
    else:  # urllib3 1.26 returns the short body
        assert len(response.content) < int(response.headers['Content-Length'])
    assert client.post('/study/list').status_code == 200


def test_expire_sid(client):
    client.emulator.faults.add('/study/list', expire_sid=True)
    assert client.post('/study/list').status_code == 401
    assert client.post('/session/user').status_code == 401


def test_faults_apply_to_storage_paths(client):
    client.emulator.faults.add('/storage/*', status=503, retry_after=1)
    response = requests.get(f'http://{client.emulator.engine_fqdn}/api/v3/storage/anything')
    assert response.status_code == 503


def test_bad_times():
    from ambra_sdk.emulator.faults import FaultInjector

    with pytest.raises(ValueError):
        FaultInjector().add('/x', times=0)


# ------------------------------------------------------------- HTTP control API


def control(client):
    return f'http://{client.emulator.engine_fqdn}/_emulator'


def ctl(client):
    """A requests session sending the control token (see tests/emulator/test_control.py)."""
    session = requests.Session()
    session.headers.update(client.emulator.control_headers())
    return session


def test_control_info(client):
    info = ctl(client).get(control(client) + '/info').json()
    assert info['url'] == client.emulator.url
    assert info['username'] == client.emulator.username
    assert 'password' not in info
    assert info['storage_base_url'] == f'http://{client.emulator.engine_fqdn}/api/v3/storage'


def test_control_faults_json_and_form(client):
    added = ctl(client).post(control(client) + '/faults', json={'path_pattern': '/study/list', 'status': 503, 'retry_after': 3})
    assert added.status_code == 200 and added.json()['status'] == 503
    assert len(ctl(client).get(control(client) + '/faults').json()) == 1
    response = client.post('/study/list')
    assert response.status_code == 503 and response.headers['Retry-After'] == '3'
    ctl(client).post(control(client) + '/faults', data={'path_pattern': '/session/user', 'expire_sid': 'true'})
    assert client.post('/session/user').status_code == 401
    ctl(client).post(control(client) + '/faults', data={'path_pattern': '/x', 'times': 'none'})
    assert ctl(client).delete(control(client) + '/faults').json() == {'status': 'OK'}
    assert ctl(client).get(control(client) + '/faults').json() == []
    bad = ctl(client).post(control(client) + '/faults', json={'path_pattern': '/x', 'bogus': 1})
    assert bad.status_code == 400
    assert ctl(client).post(control(client) + '/faults', json={'status': 503}).status_code == 400


def test_control_requests_and_reset(client):
    client.add_study(study_uid='7.7')
    log = ctl(client).get(control(client) + '/requests').json()
    assert any(e['path'] == '/study/add' and e['form']['sid'] == '***' for e in log)
    assert ctl(client).delete(control(client) + '/requests').json() == {'status': 'OK'}
    assert ctl(client).get(control(client) + '/requests').json() == []
    assert ctl(client).post(control(client) + '/reset').json() == {'status': 'OK'}
    assert client.post('/study/list').status_code == 401
    assert client.ok('/study/list', sid=client.login())['studies'] == []
    assert ctl(client).get(control(client) + '/nope').status_code == 404


def test_control_expire_sessions(client):
    ctl(client).post(control(client) + '/sessions/expire')
    assert client.post('/session/user').status_code == 401
