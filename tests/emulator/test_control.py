"""The control API ``/_emulator/*``: a token made at start, the emulator's own Host, no passwords."""

from __future__ import annotations

import requests

from ambra_sdk.emulator import Emulator
from ambra_sdk.emulator.control import TOKEN_HEADER, allowed_hosts


def _root(emu) -> str:
    return f'http://{emu.engine_fqdn}/_emulator'


def test_token_is_made_at_start_and_differs_between_emulators(emulator):
    token = emulator.control_token
    assert token and len(token) >= 32
    with Emulator() as other:
        assert other.control_token and other.control_token != token
    assert emulator.control_headers() == {TOKEN_HEADER: token}


def test_calls_without_the_token_are_refused(client):
    emu = client.emulator
    for method, path in (('GET', '/info'), ('POST', '/reset'), ('GET', '/requests'), ('POST', '/faults')):
        response = requests.request(method, _root(emu) + path, json={'path_pattern': '*'}, timeout=10)
        assert response.status_code == 401, (method, path)
        assert emu.password not in response.text
    wrong = requests.get(_root(emu) + '/info', headers={TOKEN_HEADER: 'x' + emu.control_token}, timeout=10)
    assert wrong.status_code == 401
    assert emu.faults.list() == []


def test_a_cross_origin_form_post_cannot_wipe_the_state(client):
    uuid = client.add_study(study_uid='1.9')
    response = requests.post(
        _root(client.emulator) + '/reset',
        data={'anything': '1'},
        headers={'Origin': 'https://attacker.example', 'Content-Type': 'application/x-www-form-urlencoded'},
        timeout=10,
    )
    assert response.status_code == 401
    assert client.ok('/study/get', {'uuid': uuid})['uuid'] == uuid


def test_a_foreign_host_is_refused_even_with_the_token(client):
    emu = client.emulator
    headers = {**emu.control_headers(), 'Host': 'attacker.example'}
    response = requests.get(_root(emu) + '/info', headers=headers, timeout=10)
    assert response.status_code == 403
    assert emu.username not in response.text
    port = emu.engine_fqdn.rsplit(':', 1)[1]
    rebinding = {**emu.control_headers(), 'Host': f'attacker.example:{port}'}
    assert requests.post(_root(emu) + '/reset', headers=rebinding, timeout=10).status_code == 403


def test_own_and_loopback_hosts_with_the_token_are_served(client):
    emu = client.emulator
    port = emu.engine_fqdn.rsplit(':', 1)[1]
    for host in (emu.engine_fqdn, f'localhost:{port}', f'LOCALHOST:{port}'):
        response = requests.get(_root(emu) + '/info', headers={**emu.control_headers(), 'Host': host}, timeout=10)
        assert response.status_code == 200, host


def test_info_never_returns_a_password(client):
    emu = client.emulator
    info = requests.get(_root(emu) + '/info', headers=emu.control_headers(), timeout=10).json()
    assert info == {
        'url': emu.url,
        'engine_fqdn': emu.engine_fqdn,
        'storage_base_url': f'http://{emu.engine_fqdn}/api/v3/storage',
        'username': emu.username,
    }
    assert emu.password not in str(info)


def test_the_request_log_masks_passwords(client):
    emu = client.emulator
    log = requests.get(_root(emu) + '/requests', headers=emu.control_headers(), timeout=10)
    assert '/session/login' in log.text
    assert emu.password not in log.text


def test_no_control_turns_it_off():
    with Emulator(control=False) as emu:
        assert emu.control_token is None and emu.control_headers() == {}
        response = requests.get(_root(emu) + '/info', headers={TOKEN_HEADER: 'anything'}, timeout=10)
        assert response.status_code == 404
        emu.faults.add('/session/user', status=503)  # the Python API keeps working
        assert requests.post(emu.url + '/session/user', timeout=10).status_code == 503
        emu.reset()
        api = emu.api(rate_limits=None)
        assert api.Session.user().get().email == emu.username
        api.logout()


def test_allowed_hosts():
    assert allowed_hosts('127.0.0.1:8080') == {'127.0.0.1:8080', 'localhost:8080', '[::1]:8080'}
    assert 'myhost:8080' in allowed_hosts('myhost:8080')
    assert allowed_hosts('0.0.0.0:8080') == {'0.0.0.0:8080', '127.0.0.1:8080', 'localhost:8080', '[::1]:8080'}


def test_wildcard_bind_accepts_ip_addresses_not_names():
    with Emulator(host='0.0.0.0', password='a-Passw0rd-of-my-own') as emu:  # noqa: S104 - the case under test
        port = emu.engine_fqdn.rsplit(':', 1)[1]
        url = f'http://127.0.0.1:{port}/_emulator/info'
        for host, status in ((f'127.0.0.1:{port}', 200), (f'10.1.2.3:{port}', 200), (f'evil.example:{port}', 403),
                             ('127.0.0.1:1', 403)):
            response = requests.get(url, headers={**emu.control_headers(), 'Host': host}, timeout=10)
            assert response.status_code == status, host
