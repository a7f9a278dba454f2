"""Multipart upload (``/multipart/initiate``, ``/multipart/{uuid}``, ``/complete``) over real HTTP."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import requests

from ambra_sdk.emulator.storage import routes_multipart
from tests.helpers.dicoms import dicom_bytes

from .conftest import assert_storage_error
from .test_streaming import LIMIT, PeakRss, big_dicom


def initiate(storage, sid: Optional[str] = '', **params: Any) -> requests.Response:
    params.setdefault('namespace', storage.namespace)
    return storage.get('/multipart/initiate', params=params, sid=sid)


def start(storage, **params: Any) -> str:
    response = initiate(storage, **params)
    assert response.status_code == 200, response.text
    return response.json()['upload_uuid']


def send_part(storage, upload_uuid: str, number: Any, body: Any, sid: Optional[str] = '') -> requests.Response:
    params = {} if number is None else {'part_number': number}
    return storage.post(f'/multipart/{upload_uuid}', params=params, data=body, sid=sid)


def complete(storage, upload_uuid: str, parts: Optional[int] = None, sid: Optional[str] = '') -> requests.Response:
    params = {} if parts is None else {'parts': parts}
    return storage.post(f'/multipart/{upload_uuid}/complete', params=params, sid=sid)


def split(data: bytes, count: int) -> List[bytes]:
    step = -(-len(data) // count)
    return [data[i:i + step] for i in range(0, len(data), step)]


def upload_folder(storage, upload_uuid: str) -> Path:
    return storage.state.files_dir / 'storage-tmp' / 'multipart' / upload_uuid


def image_count(storage, up: Dict[str, Any]) -> int:
    return storage.get(storage.study(up) + '/count').json()['images']


def test_initiate_answer(storage):
    response = initiate(storage)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {'upload_uuid', 'namespace', 'study_uid'}
    assert len(body['upload_uuid']) == 32 and int(body['upload_uuid'], 16) >= 0
    assert body['namespace'] == storage.namespace and body['study_uid'] is None
    assert initiate(storage, study_uid='1.2.3').json()['study_uid'] == '1.2.3'
    assert initiate(storage).json()['upload_uuid'] != body['upload_uuid']


def test_three_parts_out_of_order_roundtrip(storage):
    data = dicom_bytes()
    pieces = split(data, 3)
    upload_uuid = start(storage)
    for number in (2, 3, 1):
        response = send_part(storage, upload_uuid, number, pieces[number - 1])
        assert response.status_code == 200, response.text
        assert response.json() == {
            'upload_uuid': upload_uuid, 'part_number': number, 'size': len(pieces[number - 1]),
            'sha1': hashlib.sha1(pieces[number - 1]).hexdigest(),
        }
    response = complete(storage, upload_uuid, parts=3)
    assert response.status_code == 200, response.text
    up = response.json()
    assert set(up) == {'namespace', 'study_uid', 'series_uid', 'image_uid', 'image_version', 'attr'}
    assert up['image_version'] == hashlib.sha1(data).hexdigest()
    assert up['attr']['Modality'] == 'CT'
    back = storage.get(storage.image(up))
    assert back.status_code == 200
    assert back.content == data
    study = storage.state.get_study(storage_namespace=storage.namespace, study_uid=up['study_uid'])
    assert study is not None and study['image_count'] == 1
    assert not [p for p in upload_folder(storage, upload_uuid).iterdir() if p.name.startswith('part-')]
    assert len(routes_multipart._LOCKS) == 0


def test_same_answer_as_plain_upload(storage):
    data = dicom_bytes()
    upload_uuid = start(storage)
    for number, piece in enumerate(split(data, 2), 1):
        assert send_part(storage, upload_uuid, number, piece).status_code == 200
    multipart = complete(storage, upload_uuid).json()
    plain = storage.post(f'/namespace/{storage.namespace}/image', data=data)
    assert plain.status_code == 200
    assert multipart == plain.json()


def test_study_uid_from_initiate_files_into_that_study(storage):
    upload_uuid = start(storage, study_uid='1.2.3.4.5')
    assert send_part(storage, upload_uuid, 1, dicom_bytes()).status_code == 200
    up = complete(storage, upload_uuid).json()
    assert up['study_uid'] == '1.2.3.4.5'
    assert storage.get(f'/study/{storage.namespace}/1.2.3.4.5/count').json()['images'] == 1


def test_resent_part_replaces(storage):
    data = dicom_bytes()
    first, second = split(data, 2)
    upload_uuid = start(storage)
    assert send_part(storage, upload_uuid, 1, b'wrong bytes, sent first' * 1000).status_code == 200
    assert send_part(storage, upload_uuid, 2, second).status_code == 200
    again = send_part(storage, upload_uuid, 1, first)
    assert again.status_code == 200
    assert again.json()['size'] == len(first)
    up = complete(storage, upload_uuid).json()
    assert storage.get(storage.image(up)).content == data


def test_repeated_complete_is_idempotent(storage):
    data = dicom_bytes()
    upload_uuid = start(storage)
    for number, piece in enumerate(split(data, 3), 1):
        assert send_part(storage, upload_uuid, number, piece).status_code == 200
    first = complete(storage, upload_uuid)
    assert first.status_code == 200
    second = complete(storage, upload_uuid)
    third = complete(storage, upload_uuid, parts=3)
    assert second.status_code == third.status_code == 200
    assert second.json() == third.json() == first.json()
    up = first.json()
    schema = storage.get(storage.study(up) + '/schema').json()
    assert [len(s['images']) for s in schema['series']] == [1]
    assert image_count(storage, up) == 1
    # the upload is closed for parts
    late = send_part(storage, upload_uuid, 4, b'late')
    assert_storage_error(late, 404, 'NOT_FOUND')


def test_parallel_completes_store_one_image(storage):
    data = dicom_bytes()
    upload_uuid = start(storage)
    for number, piece in enumerate(split(data, 4), 1):
        assert send_part(storage, upload_uuid, number, piece).status_code == 200
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: requests.post(
            storage.url(f'/multipart/{upload_uuid}/complete'), params={'sid': storage.sid}, timeout=60,
        ), range(6)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1
    assert image_count(storage, answers[0].json()) == 1


def test_parts_racing_complete_never_corrupt(storage):
    data = dicom_bytes()
    pieces = split(data, 3)
    upload_uuid = start(storage)
    for number, piece in enumerate(pieces, 1):
        assert send_part(storage, upload_uuid, number, piece).status_code == 200

    def resend(_: int) -> int:
        return requests.post(storage.url(f'/multipart/{upload_uuid}'), data=pieces[1], timeout=60,
                             params={'sid': storage.sid, 'part_number': 2}).status_code

    with ThreadPoolExecutor(8) as pool:
        parts = [pool.submit(resend, i) for i in range(16)]
        done = pool.submit(complete, storage, upload_uuid, 3)
        statuses = {f.result() for f in parts}
        answer = done.result()
    assert answer.status_code == 200, answer.text
    assert statuses <= {200, 404}
    assert storage.get(storage.image(answer.json())).content == data
    leftovers = [p.name for p in upload_folder(storage, upload_uuid).iterdir()]
    assert sorted(leftovers) == ['meta.json', 'result.json']
    assert len(routes_multipart._LOCKS) == 0


def test_missing_parts(storage):
    upload_uuid = start(storage)
    body = assert_storage_error(complete(storage, upload_uuid), 412, 'VALIDATION_ERROR')
    assert body['exception_data'] == {'missing_parts': [1]}
    assert send_part(storage, upload_uuid, 1, b'a').status_code == 200
    assert send_part(storage, upload_uuid, 3, b'c').status_code == 200
    body = assert_storage_error(complete(storage, upload_uuid), 412, 'VALIDATION_ERROR')
    assert body['exception_data'] == {'missing_parts': [2]}
    body = assert_storage_error(complete(storage, upload_uuid, parts=5), 412, 'VALIDATION_ERROR')
    assert body['exception_data'] == {'missing_parts': [2, 4, 5]}
    assert storage.state.list_studies() == []


@pytest.mark.parametrize('number', [None, '', 'x', '0', '-1', '1.5', '10001', '99999999999999999999'])
def test_bad_part_number(storage, number):
    upload_uuid = start(storage)
    body = assert_storage_error(send_part(storage, upload_uuid, number, b'abc'), 412, 'VALIDATION_ERROR')
    assert body['exception_data']['field'] == 'part_number'
    assert not [p for p in upload_folder(storage, upload_uuid).iterdir() if p.name != 'meta.json']


def test_part_number_limits_accepted(storage):
    upload_uuid = start(storage)
    assert send_part(storage, upload_uuid, 10000, b'last').status_code == 200
    assert send_part(storage, upload_uuid, 1, b'first').status_code == 200


@pytest.mark.parametrize('parts', ['0', 'x', '10001'])
def test_bad_parts_on_complete(storage, parts):
    upload_uuid = start(storage)
    response = storage.post(f'/multipart/{upload_uuid}/complete', params={'parts': parts})
    body = assert_storage_error(response, 412, 'VALIDATION_ERROR')
    assert body['exception_data']['field'] == 'parts'


@pytest.mark.parametrize('upload_uuid', ['0' * 32, 'A' * 32, 'not-an-upload', '%2E%2E'])
def test_unknown_upload_uuid(storage, upload_uuid):
    start(storage)
    body = assert_storage_error(send_part(storage, upload_uuid, 1, b'abc'), 404, 'NOT_FOUND')
    assert 'upload_uuid' in body['exception_data']
    assert_storage_error(complete(storage, upload_uuid), 404, 'NOT_FOUND')


def test_initiate_validation(storage):
    body = assert_storage_error(
        storage.get('/multipart/initiate', params={}), 412, 'VALIDATION_ERROR')
    assert body['exception_data'] == {'field': 'namespace'}
    assert 'namespace' in body['message']
    multipart = initiate(storage, namespace='no-such-namespace')
    plain = storage.post('/namespace/no-such-namespace/image', data=dicom_bytes())
    assert multipart.status_code == plain.status_code == 403
    assert multipart.json()['kind'] == plain.json()['kind']
    assert multipart.json()['exception_data'] == plain.json()['exception_data']


@pytest.mark.parametrize('sid', [None, 'bad-sid'])
def test_bad_sid(storage, sid):
    upload_uuid = start(storage)
    assert_storage_error(initiate(storage, sid=sid), 403, 'ACCESS_DENIED')
    assert_storage_error(send_part(storage, upload_uuid, 1, b'abc', sid=sid), 403, 'ACCESS_DENIED')
    assert_storage_error(complete(storage, upload_uuid, sid=sid), 403, 'ACCESS_DENIED')
    assert not [p for p in upload_folder(storage, upload_uuid).iterdir() if p.name != 'meta.json']


def test_another_users_sid_is_denied(storage):
    upload_uuid = start(storage)
    user = storage.emulator.add_user('other@example.com', 'Other-123')
    other_sid = storage.state.create_session(user['uuid'])
    denied = send_part(storage, upload_uuid, 1, dicom_bytes(), sid=other_sid)
    assert_storage_error(denied, 403, 'ACCESS_DENIED')
    assert_storage_error(complete(storage, upload_uuid, sid=other_sid), 403, 'ACCESS_DENIED')
    # the owner can still finish it
    assert send_part(storage, upload_uuid, 1, dicom_bytes()).status_code == 200
    assert complete(storage, upload_uuid).status_code == 200


def test_not_dicom_concatenation(storage):
    garbage = b'garbage' * 1000
    plain = storage.post(f'/namespace/{storage.namespace}/image', data=garbage)
    assert plain.status_code >= 400
    upload_uuid = start(storage)
    for number, piece in enumerate(split(garbage, 3), 1):
        assert send_part(storage, upload_uuid, number, piece).status_code == 200
    response = complete(storage, upload_uuid)
    body = assert_storage_error(response, plain.status_code, plain.json()['kind']['readable_status'])
    assert body['message'] == plain.json()['message']
    assert storage.state.list_studies() == []
    assert not list((storage.state.files_dir / 'storage').iterdir())
    tmp_root = storage.state.files_dir / 'storage-tmp'
    assert [p.name for p in tmp_root.iterdir()] == ['multipart']  # no joined file left behind
    # the upload stays open: fix it by re-sending the parts, then complete
    data = dicom_bytes()
    for number, piece in enumerate(split(data, 3), 1):
        assert send_part(storage, upload_uuid, number, piece).status_code == 200
    up = complete(storage, upload_uuid).json()
    assert storage.get(storage.image(up)).content == data


@pytest.mark.skipif(not Path('/proc/self/status').exists(), reason='needs /proc (Linux)')
def test_large_upload_in_four_parts_is_streamed(storage, tmp_path):
    source = tmp_path / 'big.dcm'
    size = big_dicom(source, 40)
    step = -(-size // 4)
    paths = []
    with open(source, 'rb') as src:
        for number in range(1, 5):
            path = tmp_path / f'part{number}'
            left = step
            with open(path, 'wb') as out:
                while left:
                    chunk = src.read(min(left, 1 << 20))
                    if not chunk:
                        break
                    out.write(chunk)
                    left -= len(chunk)
            paths.append(path)
    upload_uuid = start(storage)
    with PeakRss() as rss:
        for number in (4, 2, 1, 3):
            with open(paths[number - 1], 'rb') as body:
                response = send_part(storage, upload_uuid, number, body)
            assert response.status_code == 200, response.text
            assert response.json()['size'] == paths[number - 1].stat().st_size
        answer = complete(storage, upload_uuid, parts=4)
    assert answer.status_code == 200, answer.text
    assert rss.growth < LIMIT, f'RSS grew by {rss.growth / 2**20:.1f} MiB for a {size / 2**20:.0f} MiB upload'
    up = answer.json()
    back = storage.get(storage.image(up), stream=True)
    assert int(back.headers['Content-Length']) == size
    digest = hashlib.sha1()
    for chunk in back.iter_content(1 << 20):
        digest.update(chunk)
    with open(source, 'rb') as src:
        expected = hashlib.sha1()
        for chunk in iter(lambda: src.read(1 << 20), b''):
            expected.update(chunk)
    assert digest.hexdigest() == expected.hexdigest() == up['image_version']


def test_client_hanging_up_mid_part_leaves_no_part(storage):
    upload_uuid = start(storage)
    host, port = storage.emulator.engine_fqdn.split(':')
    request = (
        f'POST /api/v3/storage/multipart/{upload_uuid}?sid={storage.sid}&part_number=1 HTTP/1.1\r\n'
        f'Host: {host}\r\nContent-Length: 10000000\r\n\r\n'
    ).encode('ascii') + b'\x00' * 100000
    with socket.create_connection((host, int(port))) as conn:
        conn.sendall(request)
    path = f'/storage/multipart/{upload_uuid}'
    deadline = time.time() + 10
    answered: list = []
    while time.time() < deadline:  # wait for the server to answer the broken request
        answered = [e for e in storage.emulator.requests_log if e.path == path and e.status is not None]
        if answered:
            break
        time.sleep(0.02)
    assert [e.status for e in answered] == [500]  # ERROR_DURING_UPLOAD_PROCESS
    assert [p.name for p in upload_folder(storage, upload_uuid).iterdir()] == ['meta.json']
    body = assert_storage_error(complete(storage, upload_uuid), 412, 'VALIDATION_ERROR')
    assert body['exception_data'] == {'missing_parts': [1]}


def test_reset_removes_open_uploads(storage):
    upload_uuid = start(storage)
    assert send_part(storage, upload_uuid, 1, b'abc').status_code == 200
    folder = upload_folder(storage, upload_uuid)
    assert folder.exists()
    storage.emulator.reset()
    assert not folder.exists()
    storage.sid = storage.emulator.login()
    assert_storage_error(send_part(storage, upload_uuid, 2, b'def'), 404, 'NOT_FOUND')
    assert_storage_error(complete(storage, upload_uuid), 404, 'NOT_FOUND')


def test_fault_rule_on_initiate(storage):
    emu = storage.emulator
    emu.faults.add('/storage/multipart/initiate', status=404, times=None)
    try:
        assert initiate(storage).status_code == 404
        assert initiate(storage).status_code == 404
    finally:
        emu.faults.clear()
    assert initiate(storage).status_code == 200
    emu.faults.add('/storage/multipart/*', status=503, times=1)
    try:
        assert initiate(storage).status_code == 503
        assert initiate(storage).status_code == 200
    finally:
        emu.faults.clear()


def test_parallel_parts_of_one_upload(storage):
    data = dicom_bytes()
    pieces = split(data, 8)
    upload_uuid = start(storage)
    barrier = threading.Barrier(len(pieces))

    def send(number: int) -> int:
        barrier.wait()
        return requests.post(storage.url(f'/multipart/{upload_uuid}'), data=pieces[number - 1], timeout=60,
                             params={'sid': storage.sid, 'part_number': number}).status_code

    with ThreadPoolExecutor(len(pieces)) as pool:
        assert set(pool.map(send, range(1, len(pieces) + 1))) == {200}
    up = complete(storage, upload_uuid).json()
    assert storage.get(storage.image(up)).content == data
