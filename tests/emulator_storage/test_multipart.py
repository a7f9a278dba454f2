"""The vendor's multipart upload wire format, answered by the emulator over real HTTP (plain requests)."""

from __future__ import annotations

import hashlib
import os
import time
import zlib
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import requests

from ambra_sdk.emulator.storage import multipart_assembly, multipart_store
from tests.helpers.dicoms import dicom_bytes

from .conftest import assert_storage_error


def start(storage, sid: Optional[str] = '') -> str:
    response = storage.get('/multipart/initiate', sid=sid)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {'upload_uuid'}
    return response.json()['upload_uuid']


def chunk_headers(body: bytes, number: int) -> Dict[str, str]:
    return {'X-AmbraHealth-part-checksum': str(zlib.crc32(body)), 'X-File-Size': str(len(body)),
            'X-File-Name': '{0:05d}'.format(number)}


def send_chunk(storage, upload_uuid: str, number: int, body: bytes, headers: Optional[Dict[str, str]] = None,
               sid: Optional[str] = '') -> requests.Response:
    return storage.post(f'/multipart/{upload_uuid}', data=body, headers=headers or chunk_headers(body, number),
                        sid=sid)


def complete(storage, upload_uuid: str, total: int, namespace: Optional[str] = None, sid: Optional[str] = '',
             **params: Any) -> requests.Response:
    query = {'namespace': namespace or storage.namespace, 'endpoint': 'image', 'tags': '',
             'render_wrapped_pdf': '', **params}
    return storage.post(f'/multipart/{upload_uuid}/complete', params=query, sid=sid,
                        headers={'X-File-Size': str(total), 'X-File-Name': 'name'})


def split(data: bytes, size: int) -> List[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


def upload_folder(storage, upload_uuid: str) -> Path:
    return storage.state.files_dir / 'storage-tmp' / 'multipart' / upload_uuid


def wait_stored(storage, upload_uuid: str, timeout: float = 10.0) -> Dict[str, Any]:
    """The outcome the background store records (polled)."""
    result = upload_folder(storage, upload_uuid) / multipart_store.RESULT_FILE
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        outcome = multipart_store.read_json(result)
        if outcome is not None:
            return outcome
        time.sleep(0.01)
    raise AssertionError('the upload was not stored in time')


def upload_chunks(storage, data: bytes, size: int, order=None) -> str:
    upload_uuid = start(storage)
    chunks = list(enumerate(split(data, size)))
    for number, body in (order(chunks) if order else chunks):
        response = send_chunk(storage, upload_uuid, number, body)
        assert response.status_code == 200, response.text
        assert response.json() == {'upload_uuid': upload_uuid, 'chunk': '{0:05d}'.format(number), 'size': len(body)}
    return upload_uuid


def test_chunks_out_of_order_are_joined_in_number_order_asynchronously(storage):
    data = dicom_bytes()
    upload_uuid = upload_chunks(storage, data, 1000, order=lambda chunks: list(reversed(chunks)))
    response = complete(storage, upload_uuid, len(data))
    assert response.status_code == 202, response.text
    assert response.json() == {'upload_uuid': upload_uuid}  # no image uid: completion is asynchronous
    outcome = wait_stored(storage, upload_uuid)
    assert outcome['status'] == 'STORED'
    stored = storage.get('/study/{0}/{1}/image/{2}/version/{3}'.format(
        storage.namespace, outcome['study_uid'], outcome['image_uid'], outcome['image_version']))
    assert hashlib.sha256(stored.content).hexdigest() == hashlib.sha256(data).hexdigest()
    folder = upload_folder(storage, upload_uuid)
    assert not [name for name in os.listdir(folder) if name.startswith('chunk-')]  # chunks removed


def test_study_uid_files_the_image_into_that_study(storage):
    data = dicom_bytes()
    upload_uuid = upload_chunks(storage, data, 4096)
    assert complete(storage, upload_uuid, len(data), study_uid='1.2.3.999').status_code == 202
    outcome = wait_stored(storage, upload_uuid)
    assert outcome['study_uid'] == '1.2.3.999'
    assert storage.get(f'/study/{storage.namespace}/1.2.3.999/count').json()['images'] == 1


def test_a_chunk_sent_again_replaces_it(storage):
    data = dicom_bytes()
    chunks = split(data, 2048)
    upload_uuid = start(storage)
    send_chunk(storage, upload_uuid, 0, b'garbage')
    for number, body in enumerate(chunks):
        assert send_chunk(storage, upload_uuid, number, body).status_code == 200
    assert complete(storage, upload_uuid, len(data)).status_code == 202
    assert wait_stored(storage, upload_uuid)['status'] == 'STORED'


def test_repeated_complete_answers_again_and_stores_once(storage):
    data = dicom_bytes()
    upload_uuid = upload_chunks(storage, data, 4096)
    assert complete(storage, upload_uuid, len(data)).status_code == 202
    assert complete(storage, upload_uuid, len(data)).status_code == 202
    outcome = wait_stored(storage, upload_uuid)
    rows = storage.state.list_images(storage.namespace, outcome['study_uid'])
    assert len(list(rows)) == 1
    late = send_chunk(storage, upload_uuid, 0, b'late')
    assert_storage_error(late, 404, 'NOT_FOUND')


@pytest.mark.parametrize('header, value', [
    ('X-AmbraHealth-part-checksum', None), ('X-AmbraHealth-part-checksum', '-1'),
    ('X-AmbraHealth-part-checksum', 'abc'), ('X-File-Size', None), ('X-File-Size', '1.5'),
    ('X-File-Name', None), ('X-File-Name', '1'), ('X-File-Name', '000001'), ('X-File-Name', 'name'),
])
def test_bad_chunk_headers_are_refused(storage, header, value):
    upload_uuid = start(storage)
    headers = chunk_headers(b'abc', 0)
    if value is None:
        del headers[header]
    else:
        headers[header] = value
    body = assert_storage_error(send_chunk(storage, upload_uuid, 0, b'abc', headers), 412, 'VALIDATION_ERROR')
    assert body['exception_data']['field'] == header
    assert not [name for name in os.listdir(upload_folder(storage, upload_uuid)) if name.startswith('chunk')]


def test_a_chunk_whose_crc32_differs_is_not_kept(storage):
    upload_uuid = start(storage)
    headers = chunk_headers(b'abcdef', 0)
    response = send_chunk(storage, upload_uuid, 0, b'abcdeF', headers)
    body = assert_storage_error(response, 412, 'VALIDATION_ERROR')
    assert body['exception_data'] == {'field': 'X-AmbraHealth-part-checksum', 'reason': 'Chunk checksum mismatch',
                                      'expected': zlib.crc32(b'abcdef'), 'received': zlib.crc32(b'abcdeF')}
    assert os.listdir(upload_folder(storage, upload_uuid)) == [multipart_store.META_FILE]


def test_a_chunk_whose_size_differs_is_not_kept(storage):
    upload_uuid = start(storage)
    headers = chunk_headers(b'abcdef', 0)
    headers['X-File-Size'] = '7'
    body = assert_storage_error(send_chunk(storage, upload_uuid, 0, b'abcdef', headers), 412, 'VALIDATION_ERROR')
    assert body['exception_data'] == {'field': 'X-File-Size', 'expected': 7, 'received': 6,
                                      'reason': 'Chunk has 6 bytes, X-File-Size says 7'}


def test_a_chunk_corrupted_on_the_wire_is_refused(storage, emulator):
    upload_uuid = start(storage)
    emulator.faults.add('/storage/multipart/*', method='POST', corrupt_body=True, times=1)
    try:
        body = assert_storage_error(send_chunk(storage, upload_uuid, 0, b'abcdef'), 412, 'VALIDATION_ERROR')
    finally:
        emulator.faults.clear()
    assert body['exception_data']['field'] == 'X-AmbraHealth-part-checksum'
    assert send_chunk(storage, upload_uuid, 0, b'abcdef').status_code == 200  # sent again: accepted


def test_missing_chunks_and_wrong_total(storage):
    data = dicom_bytes()
    chunks = split(data, 1000)
    upload_uuid = start(storage)
    body = assert_storage_error(complete(storage, upload_uuid, len(data)), 412, 'VALIDATION_ERROR')
    assert body['exception_data']['missing_chunks'] == [0]
    for number, chunk in enumerate(chunks):
        if number != 1:
            send_chunk(storage, upload_uuid, number, chunk)
    body = assert_storage_error(complete(storage, upload_uuid, len(data)), 412, 'VALIDATION_ERROR')
    assert body['exception_data']['missing_chunks'] == [1]
    send_chunk(storage, upload_uuid, 1, chunks[1])
    body = assert_storage_error(complete(storage, upload_uuid, len(data) + 1), 412, 'VALIDATION_ERROR')
    assert body['exception_data'] == {
        'field': 'X-File-Size', 'expected': len(data) + 1, 'received': len(data),
        'reason': f'Chunks hold {len(data)} bytes, X-File-Size says {len(data) + 1}',
    }
    assert complete(storage, upload_uuid, len(data)).status_code == 202


@pytest.mark.parametrize('params, field', [
    ({'namespace': ''}, 'namespace'), ({'endpoint': 'video'}, 'endpoint'),
])
def test_complete_validation(storage, params, field):
    upload_uuid = upload_chunks(storage, b'x' * 10, 5)
    query = {'namespace': storage.namespace, 'endpoint': 'image', **params}
    response = storage.post(f'/multipart/{upload_uuid}/complete', params=query,
                            headers={'X-File-Size': '10', 'X-File-Name': 'name'})
    assert assert_storage_error(response, 412, 'VALIDATION_ERROR')['exception_data']['field'] == field


def test_complete_without_x_file_size(storage):
    upload_uuid = upload_chunks(storage, b'x' * 10, 5)
    response = storage.post(f'/multipart/{upload_uuid}/complete', params={'namespace': storage.namespace})
    assert assert_storage_error(response, 412, 'VALIDATION_ERROR')['exception_data']['field'] == 'X-File-Size'


def test_complete_into_an_unknown_namespace_is_denied(storage):
    upload_uuid = upload_chunks(storage, b'x' * 10, 5)
    assert_storage_error(complete(storage, upload_uuid, 10, namespace='no-such-namespace'), 403, 'ACCESS_DENIED')


def test_not_dicom_fails_in_the_background_and_stores_nothing(storage):
    upload_uuid = upload_chunks(storage, b'not a dicom file at all' * 10, 64)
    assert complete(storage, upload_uuid, 230).status_code == 202
    outcome = wait_stored(storage, upload_uuid)
    assert outcome['status'] == 'FAILED'
    assert outcome['readable_status'] in ('ERROR_ON_READING_DICOM_TAGS', 'MISSING_REQUIRED_DICOM_TAG')


def test_wrap_endpoint_wraps_the_joined_bytes(storage):
    data = b'%PDF-1.4 not really' * 50
    upload_uuid = upload_chunks(storage, data, 256)
    assert complete(storage, upload_uuid, len(data), endpoint='wrap').status_code == 202
    outcome = wait_stored(storage, upload_uuid)
    assert outcome['status'] == 'STORED'


@pytest.mark.parametrize('upload_uuid', ['nope', '0' * 32, '00000000-0000-0000-0000-000000000000'])
def test_unknown_upload_uuid(storage, upload_uuid):
    assert_storage_error(send_chunk(storage, upload_uuid, 0, b'abc'), 404, 'NOT_FOUND')
    assert_storage_error(complete(storage, upload_uuid, 3), 404, 'NOT_FOUND')


@pytest.mark.parametrize('sid', [None, 'bad-sid'])
def test_bad_sid(storage, sid):
    response = storage.get('/multipart/initiate', sid=sid)
    assert_storage_error(response, 403, 'ACCESS_DENIED')


def test_another_users_sid_is_denied(storage):
    data = dicom_bytes()
    upload_uuid = start(storage)
    user = storage.emulator.add_user('other@example.com', 'Other-123')
    other_sid = storage.state.create_session(user['uuid'])
    assert_storage_error(send_chunk(storage, upload_uuid, 0, data, sid=other_sid), 403, 'ACCESS_DENIED')
    assert_storage_error(complete(storage, upload_uuid, len(data), sid=other_sid), 403, 'ACCESS_DENIED')
    assert send_chunk(storage, upload_uuid, 0, data).status_code == 200  # the owner can still finish it
    assert complete(storage, upload_uuid, len(data)).status_code == 202


def test_abandoned_uploads_expire(storage, monkeypatch):
    old = start(storage)
    send_chunk(storage, old, 0, b'abc')
    # the chunk is joined in the background (multipart_assembly): once its file exists the folder's
    # mtime stays put, so the backdating below is not undone by the joiner
    joined = upload_folder(storage, old) / multipart_assembly.JOINED_FILE
    deadline = time.monotonic() + 10
    while not joined.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    past = time.time() - multipart_store.EXPIRY_SECONDS - 10
    os.utime(upload_folder(storage, old), (past, past))
    fresh = start(storage)  # initiating sweeps the expired uploads
    assert not upload_folder(storage, old).exists()
    assert upload_folder(storage, fresh).exists()
    assert_storage_error(send_chunk(storage, old, 1, b'abc'), 404, 'NOT_FOUND')


def test_reset_removes_open_uploads(storage, emulator):
    upload_uuid = start(storage)
    send_chunk(storage, upload_uuid, 0, b'abc')
    emulator.reset()
    assert not upload_folder(storage, upload_uuid).exists()


def test_corrupt_body_rule_through_the_control_endpoint(storage, emulator):
    upload_uuid = start(storage)
    added = requests.post(f'http://{emulator.engine_fqdn}/_emulator/faults', timeout=30,
                          headers={'X-Ambra-Emulator-Token': emulator.control_token},
                          json={'path_pattern': '/storage/multipart/*', 'method': 'POST', 'corrupt_body': True})
    try:
        assert added.status_code == 200 and added.json()['corrupt_body'] is True and added.json()['status'] is None
        damaged = send_chunk(storage, upload_uuid, 0, b'abcdef')
    finally:
        emulator.faults.clear()
    assert assert_storage_error(damaged, 412, 'VALIDATION_ERROR')['exception_data']['field'] == (
        'X-AmbraHealth-part-checksum')


def test_a_big_chunked_upload_is_streamed_on_both_sides(storage, emulator, tmp_path):
    """40 MiB through Addon.Dicom.upload in 2 MiB chunks: client and emulator (one process) stay flat."""
    from .test_streaming import LIMIT, PeakRss, big_dicom

    if not Path('/proc/self/status').exists():
        pytest.skip('needs /proc (Linux)')
    source = tmp_path / 'big.dcm'
    size = big_dicom(source, 40)
    api = emulator.api(rate_limits=None)
    api.Addon.Dicom  # noqa: B018 (warm up the lazy namespaces outside the measure)
    with PeakRss() as rss, open(source, 'rb') as dicom_file:
        params = api.Addon.Dicom.upload(dicom_file=dicom_file, namespace_id=storage.namespace,
                                        engine_fqdn=emulator.engine_fqdn, wait=True, wait_timeout=120)
    assert rss.growth < LIMIT, f'RSS grew by {rss.growth / 2**20:.1f} MiB for a {size / 2**20:.0f} MiB upload'
    back = storage.get('/study/{0}/{1}/image/{2}/version/{3}'.format(
        storage.namespace, params.study_uid, params.image_uid, params.image_version), stream=True)
    digest = hashlib.sha256()
    for piece in back.iter_content(1 << 20):
        digest.update(piece)
    expected = hashlib.sha256()
    with open(source, 'rb') as src:
        for piece in iter(lambda: src.read(1 << 20), b''):
            expected.update(piece)
    assert digest.hexdigest() == expected.hexdigest()


def test_parallel_completes_store_one_image(storage):
    from concurrent.futures import ThreadPoolExecutor

    data = dicom_bytes()
    upload_uuid = upload_chunks(storage, data, 2000)
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: complete(storage, upload_uuid, len(data)), range(6)))
    assert {answer.status_code for answer in answers} == {202}
    outcome = wait_stored(storage, upload_uuid)
    assert len(list(storage.state.list_images(storage.namespace, outcome['study_uid']))) == 1


def test_chunks_racing_complete_never_corrupt(storage):
    from concurrent.futures import ThreadPoolExecutor

    data = dicom_bytes()
    pieces = split(data, 3000)
    upload_uuid = upload_chunks(storage, data, 3000)
    with ThreadPoolExecutor(8) as pool:
        resent = [pool.submit(send_chunk, storage, upload_uuid, 1, pieces[1]) for _ in range(16)]
        done = pool.submit(complete, storage, upload_uuid, len(data))
        statuses = {future.result().status_code for future in resent}
        answer = done.result()
    assert answer.status_code == 202, answer.text
    assert statuses <= {200, 404}
    outcome = wait_stored(storage, upload_uuid)
    stored = storage.get('/study/{0}/{1}/image/{2}/version/{3}'.format(
        storage.namespace, outcome['study_uid'], outcome['image_uid'], outcome['image_version']))
    assert stored.content == data
    assert sorted(os.listdir(upload_folder(storage, upload_uuid))) == ['complete.json', 'meta.json', 'result.json']
    assert len(multipart_store.LOCKS) == 0


def test_client_hanging_up_mid_chunk_leaves_no_chunk(storage):
    import socket

    upload_uuid = start(storage)
    host, port = storage.emulator.engine_fqdn.split(':')
    request = (
        f'POST /api/v3/storage/multipart/{upload_uuid}?sid={storage.sid} HTTP/1.1\r\n'
        f'Host: {host}\r\nContent-Length: 10000000\r\nX-File-Size: 10000000\r\n'
        f'X-File-Name: 00000\r\nX-AmbraHealth-part-checksum: 1\r\n\r\n'
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
    assert os.listdir(upload_folder(storage, upload_uuid)) == [multipart_store.META_FILE]


def _stored_bytes(storage, upload_uuid: str) -> bytes:
    outcome = wait_stored(storage, upload_uuid)
    assert outcome['status'] == 'STORED', outcome
    return storage.get('/study/{0}/{1}/image/{2}/version/{3}'.format(
        storage.namespace, outcome['study_uid'], outcome['image_uid'], outcome['image_version'])).content


def test_chunks_in_order_are_joined_as_they_arrive(storage, monkeypatch):
    """No second pass over the bytes after complete: the store takes the file joined while chunks arrived."""
    def no_join(*args: Any) -> None:
        raise AssertionError('the chunks were joined again after complete')

    monkeypatch.setattr(multipart_store, 'join_chunks', no_join)
    data = dicom_bytes()
    upload_uuid = upload_chunks(storage, data, 1000)
    assert complete(storage, upload_uuid, len(data)).status_code == 202
    assert _stored_bytes(storage, upload_uuid) == data
    outcome = wait_stored(storage, upload_uuid)
    assert outcome['image_version'] == hashlib.sha1(data).hexdigest()  # the version /image gives the same bytes
    assert sorted(os.listdir(upload_folder(storage, upload_uuid))) == ['complete.json', 'meta.json', 'result.json']


def test_a_joined_chunk_replaced_by_other_bytes_is_joined_again(storage, monkeypatch):
    def no_join(*args: Any) -> None:
        raise AssertionError('the chunks were joined again after complete')

    monkeypatch.setattr(multipart_store, 'join_chunks', no_join)
    data = dicom_bytes()
    chunks = split(data, 1500)
    upload_uuid = start(storage)
    for number, body in enumerate(chunks):
        assert send_chunk(storage, upload_uuid, number, b'x' * 700 if number == 2 else body).status_code == 200
    assert send_chunk(storage, upload_uuid, 2, chunks[2]).status_code == 200  # replaces a joined chunk
    assert complete(storage, upload_uuid, len(data)).status_code == 202
    assert _stored_bytes(storage, upload_uuid) == data


def test_without_the_joined_state_complete_joins_the_chunks(storage):
    """An emulator restarted mid-upload has no joined state: the store joins the chunk files after complete."""
    from ambra_sdk.emulator.storage import multipart_assembly

    data = dicom_bytes()
    upload_uuid = upload_chunks(storage, data, 1000, order=lambda chunks: chunks[1:] + chunks[:1])
    multipart_assembly.forget(upload_folder(storage, upload_uuid))
    assert complete(storage, upload_uuid, len(data)).status_code == 202
    assert _stored_bytes(storage, upload_uuid) == data
    assert sorted(os.listdir(upload_folder(storage, upload_uuid))) == ['complete.json', 'meta.json', 'result.json']


def _folder_files(storage, upload_uuid: str) -> List[str]:
    return sorted(os.listdir(upload_folder(storage, upload_uuid)))


def test_chunks_are_written_once_in_place_with_a_marker_each(storage, monkeypatch):
    """A chunk of the upload's stride goes straight to its place in the joined file: no chunk file, no copy."""
    def no_join(*args: Any) -> None:
        raise AssertionError('the chunks were joined again after complete')

    monkeypatch.setattr(multipart_store, 'join_chunks', no_join)
    data = dicom_bytes()
    upload_uuid = upload_chunks(storage, data, 1000, order=lambda chunks: chunks[2:] + chunks[:2])
    count = len(split(data, 1000))
    files = _folder_files(storage, upload_uuid)
    assert not [name for name in files if name.startswith('chunk-')]
    last = (count - 1) * 1000
    assert 'placed-00000-0-1000' in files and f'placed-{count - 1:05d}-{last}-{len(data) - last}' in files
    assert multipart_store.present_chunks(upload_folder(storage, upload_uuid)) == {
        number: len(body) for number, body in enumerate(split(data, 1000))}
    assert complete(storage, upload_uuid, len(data)).status_code == 202
    assert _stored_bytes(storage, upload_uuid) == data
    assert wait_stored(storage, upload_uuid)['image_version'] == hashlib.sha1(data).hexdigest()
    assert _folder_files(storage, upload_uuid) == ['complete.json', 'meta.json', 'result.json']


def test_chunks_hashed_from_the_joined_file_past_the_memory_budget(storage, monkeypatch):
    """Chunks ahead of a missing one are not all kept in memory: past the budget they are read back, once."""
    def no_join(*args: Any) -> None:
        raise AssertionError('the chunks were joined again after complete')

    monkeypatch.setattr(multipart_store, 'join_chunks', no_join)
    monkeypatch.setattr(multipart_assembly, 'BUFFER_BUDGET', 2500)
    data = dicom_bytes()
    upload_uuid = upload_chunks(storage, data, 1000, order=lambda chunks: chunks[1:] + chunks[:1])
    assert complete(storage, upload_uuid, len(data)).status_code == 202
    assert _stored_bytes(storage, upload_uuid) == data
    assert wait_stored(storage, upload_uuid)['image_version'] == hashlib.sha1(data).hexdigest()


def test_chunks_that_do_not_fit_the_stride_are_files_of_their_own(storage):
    """A chunk larger than the first one placed, or too far ahead, is stored as a file: complete joins them all."""
    data = dicom_bytes()
    pieces = split(data, 1000)
    upload_uuid = start(storage)
    assert send_chunk(storage, upload_uuid, 1, pieces[1][:500]).status_code == 200  # sets a stride of 500
    far = multipart_assembly.MAX_GAP_STRIDES + 5
    assert send_chunk(storage, upload_uuid, far, b'y' * 500).status_code == 200  # too far ahead: a file
    for number, body in enumerate(pieces):
        assert send_chunk(storage, upload_uuid, number, body).status_code == 200
    files = _folder_files(storage, upload_uuid)
    assert f'chunk-{far:05d}' in files and 'chunk-00000' in files and 'placed-00001-500-500' not in files
    assert complete(storage, upload_uuid, len(data) + 500).status_code == 412  # the far chunk leaves a gap
    store_uuid = start(storage)
    for number, body in enumerate(pieces):
        assert send_chunk(storage, store_uuid, number, body).status_code == 200
    assert send_chunk(storage, store_uuid, 0, pieces[0] + b'z').status_code == 200  # larger than the stride
    assert send_chunk(storage, store_uuid, 0, pieces[0]).status_code == 200  # back in place
    assert complete(storage, store_uuid, len(data)).status_code == 202
    assert _stored_bytes(storage, store_uuid) == data


def test_an_upload_without_its_state_keeps_chunk_files_and_joins_both_kinds(storage):
    """After a restart mid-upload (no in-memory state) chunks go to files; complete joins placed and file chunks."""
    data = dicom_bytes()
    pieces = split(data, 1000)
    upload_uuid = start(storage)
    half = len(pieces) // 2
    for number in range(half):
        assert send_chunk(storage, upload_uuid, number, pieces[number]).status_code == 200
    multipart_assembly.forget(upload_folder(storage, upload_uuid))
    for number in range(half, len(pieces)):
        assert send_chunk(storage, upload_uuid, number, pieces[number]).status_code == 200
    assert send_chunk(storage, upload_uuid, 0, pieces[0]).status_code == 200  # a placed chunk sent again: a file
    files = _folder_files(storage, upload_uuid)
    assert 'chunk-00000' in files and not [name for name in files if name.startswith('placed-00000-')]
    assert f'chunk-{half:05d}' in files and 'placed-00001-1000-1000' in files
    assert complete(storage, upload_uuid, len(data)).status_code == 202
    assert _stored_bytes(storage, upload_uuid) == data
    assert _folder_files(storage, upload_uuid) == ['complete.json', 'meta.json', 'result.json']


def test_a_chunk_whose_write_fails_midway_is_missing_not_corrupt(storage, monkeypatch):
    """A write that fails in the middle of a placed chunk's bytes drops that chunk: complete asks for it again."""
    data = dicom_bytes()
    pieces = split(data, 1000)
    upload_uuid = upload_chunks(storage, data, 1000)
    real_write = multipart_assembly._write_at

    def failing_write(path: Path, body: bytes, offset: int) -> None:
        real_write(path, body[:10], offset)
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(multipart_assembly, '_write_at', failing_write)
    assert send_chunk(storage, upload_uuid, 1, pieces[1]).status_code == 500
    monkeypatch.setattr(multipart_assembly, '_write_at', real_write)
    answer = complete(storage, upload_uuid, len(data))
    assert assert_storage_error(answer, 412, 'VALIDATION_ERROR')['exception_data']['missing_chunks'] == [1]
    assert send_chunk(storage, upload_uuid, 1, pieces[1]).status_code == 200
    assert complete(storage, upload_uuid, len(data)).status_code == 202
    assert _stored_bytes(storage, upload_uuid) == data
