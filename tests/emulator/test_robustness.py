"""Concurrency (no lost writes) and malformed requests (no crash)."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import requests

THREADS = 16
PER_THREAD = 10


def test_16_threads_add_studies_without_lost_writes(client):
    namespace = client.emulator.namespace_id
    sid = client.sid

    def work(thread: int) -> list[str]:
        session = requests.Session()
        uuids = []
        for number in range(PER_THREAD):
            response = session.post(
                client.url + '/study/add',
                data={
                    'sid': sid,
                    'study_uid': f'1.2.{thread}.{number}',
                    'storage_namespace': namespace,
                    'phi_namespace': namespace,
                },
                timeout=60,
            )
            assert response.status_code == 200, response.text
            uuids.append(response.json()['uuid'])
        return uuids

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(work, range(THREADS)))
    added = {u for chunk in results for u in chunk}
    assert len(added) == THREADS * PER_THREAD
    listed = client.ok('/study/list', {'page.rows': '5000'})['studies']
    assert {s['uuid'] for s in listed} == added
    assert client.ok('/study/count')['count'] == THREADS * PER_THREAD


def test_concurrent_updates_of_one_object_are_atomic(client):
    state = client.emulator.state
    obj = state.add_object('counter', {'n': 0})
    barrier = threading.Barrier(THREADS)

    def bump() -> None:
        barrier.wait()
        for _ in range(20):
            with state.transaction():
                current = state.get_object('counter', obj['uuid'])
                assert current is not None
                state.update_object('counter', obj['uuid'], {'n': current['n'] + 1})

    threads = [threading.Thread(target=bump) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = state.get_object('counter', obj['uuid'])
    assert final is not None and final['n'] == THREADS * 20


def raw_request(client, payload: bytes) -> bytes:
    host, port = client.emulator.engine_fqdn.split(':')
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(payload)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b''.join(chunks)


def test_malformed_bodies_do_not_crash(client):
    url = client.url + '/session/user'
    headers_multipart = {'Content-Type': 'multipart/form-data; boundary=zzz'}
    cases = [
        (b'\xff\xfe\x00garbage=%%%&&&==', {'Content-Type': 'application/x-www-form-urlencoded'}),
        (b'--zzz\r\nContent-Disposition: form-data; name="sid"\r\n\r\nabc', headers_multipart),
        (b'not multipart at all', {'Content-Type': 'multipart/form-data'}),
        (b'{"sid": "x"', {'Content-Type': 'application/json'}),
        (b'\x00' * 1000, {'Content-Type': 'application/octet-stream'}),
        (b'sid=' + b'a' * 100000, {'Content-Type': 'application/x-www-form-urlencoded'}),
    ]
    for body, headers in cases:
        response = requests.post(url, data=body, headers=headers, timeout=30)
        assert response.status_code in (400, 401, 412), (body[:20], response.status_code)
    assert client.ok('/session/user')['email'] == client.emulator.username


def test_malformed_form_values_give_vendor_errors(client):
    uuid = client.add_study(study_uid='1.1')
    # INVALID_INTEGER is documented for neither call: the malformed value is ignored (issue 22 point 5)
    client.ok('/study/set', {'uuid': uuid, 'image_count': 'ten'})
    assert client.ok('/study/get', {'uuid': uuid})['image_count'] == 0
    assert client.ok('/study/list', {'page.number': '1.5'})['page']['number'] == 1
    assert client.error('/role/add', {'account_id': client.emulator.account_id, 'name': 'r', 'permissions': '{'})[
        'error_type'
    ] == ['INVALID_JSON', 'permissions']


def test_repeated_keys_and_multipart_forms(client):
    response = client.session.post(client.url + '/session/user', data=[('sid', client.sid), ('sid', 'other')])
    assert response.status_code == 200
    files = {'sid': (None, client.sid), 'fields._top': (None, '["email"]')}
    response = client.session.post(client.url + '/session/user', files=files)
    assert response.status_code == 200
    assert response.json() == {'status': 'OK', 'email': client.emulator.username}


def test_broken_http_does_not_kill_the_server(client):
    raw_request(client, b'GARBAGE\r\n\r\n')
    raw_request(client, b'POST /api/v3/session/user HTTP/1.1\r\nHost: %s\r\nContent-Length: 5\r\n\r\nsid='
                % client.emulator.engine_fqdn.encode())
    assert client.ok('/session/user')['email'] == client.emulator.username


def test_big_form_fields_are_accepted(client):
    big = 'x' * 2_000_000
    assert client.ok('/session/user', {'padding': big})['email'] == client.emulator.username
