"""Multipart upload commands (prepared only) and FilePart, the body of one part."""

import io
import threading

import pytest
import requests

from ambra_sdk.storage.file_part import FilePart, split_file
from ambra_sdk.storage.request import StorageMethod

HOST = 'engine.example:8443'


def test_initiate_request(fake_storage):
    prepared = fake_storage.Image.multipart_initiate(HOST, 'ns-1', study_uid='1.2.3', only_prepare=True)
    assert prepared.method is StorageMethod.get
    assert prepared.url == 'https://engine.example:8443/api/v3/storage/multipart/initiate'
    assert prepared.params == {'namespace': 'ns-1', 'study_uid': '1.2.3'}
    assert prepared.data is None and prepared.files is None


def test_chunk_request_sends_the_part_as_raw_body(fake_storage, tmp_path):
    path = tmp_path / 'f.bin'
    path.write_bytes(bytes(range(100)))
    with open(path, 'rb') as source:
        part = FilePart(source, 10, 20)
        prepared = fake_storage.Image.multipart_chunk_upload(HOST, 'abc123', 2, part, only_prepare=True)
        assert prepared.method is StorageMethod.post
        assert prepared.url == 'https://engine.example:8443/api/v3/storage/multipart/abc123'
        assert prepared.params == {'part_number': 2}
        assert prepared.data is part
        body = requests.Request('POST', prepared.url, data=part).prepare()
        assert body.headers['Content-Length'] == '20'
        assert b''.join(body.body) == bytes(range(10, 30))


def test_complete_request(fake_storage):
    prepared = fake_storage.Image.multipart_complete(HOST, 'abc123', parts=3, x_ambrahealth_job_id='j1',
                                                     only_prepare=True)
    assert prepared.method is StorageMethod.post
    assert prepared.url == 'https://engine.example:8443/api/v3/storage/multipart/abc123/complete'
    assert prepared.params == {'parts': 3}
    assert prepared.headers == {'X-AmbraHealth-Job-Id': 'j1'}


@pytest.mark.parametrize('part_number', [0, -1, 10001, True, 1.0, '1', None])
def test_bad_part_number_is_refused_before_sending(fake_storage, part_number):
    with pytest.raises(ValueError, match='part_number must be an int from 1 to 10000'):
        fake_storage.Image.multipart_chunk_upload(HOST, 'abc', part_number, b'x', only_prepare=True)


@pytest.mark.parametrize('upload_uuid', ['', 'a/b', 'a?b', None, 5])
def test_bad_upload_uuid_is_refused(fake_storage, upload_uuid):
    with pytest.raises(ValueError, match='upload_uuid'):
        fake_storage.Image.multipart_complete(HOST, upload_uuid, only_prepare=True)


def test_bad_parts_count_is_refused(fake_storage):
    with pytest.raises(ValueError, match='parts must be an int'):
        fake_storage.Image.multipart_complete(HOST, 'abc', parts=0, only_prepare=True)


def test_file_part_reads_seeks_and_rewinds(tmp_path):
    path = tmp_path / 'f.bin'
    path.write_bytes(bytes(range(256)))
    with open(path, 'rb') as source:
        part = FilePart(source, 100, 50)
        assert len(part) == 50 and part.tell() == 0
        assert part.read(10) == bytes(range(100, 110))
        assert part.read() == bytes(range(110, 150))
        assert part.read(5) == b''
        assert part.seek(0) == 0
        buffer = bytearray(8)
        assert part.readinto(buffer) == 8 and bytes(buffer) == bytes(range(100, 108))
        assert part.seek(-2, io.SEEK_END) == 48 and part.read() == bytes([148, 149])
        with pytest.raises(ValueError, match='negative seek'):
            part.seek(-1)
        with pytest.raises(ValueError, match='whence'):
            part.seek(0, 7)
        assert 'offset=100' in repr(part) and '\\x' not in repr(part)


def test_file_part_without_a_descriptor_uses_the_lock():
    source = io.BytesIO(bytes(range(200)))
    lock = threading.Lock()
    first, second = FilePart(source, 0, 100, lock), FilePart(source, 100, 100, lock)
    assert second.read(3) == bytes([100, 101, 102])
    assert first.read(3) == bytes([0, 1, 2])
    assert list(first) == [bytes(range(3, 100))]


def test_split_file_covers_the_file_from_its_position(tmp_path):
    path = tmp_path / 'f.bin'
    path.write_bytes(bytes(range(250)))
    with open(path, 'rb') as source:
        source.seek(10)
        parts = split_file(source, 100)
        assert [(part.offset, len(part)) for part in parts] == [(10, 100), (110, 100), (210, 40)]
        assert b''.join(part.read() for part in parts) == bytes(range(10, 250))
        assert source.tell() == 10
    empty = io.BytesIO(b'')
    assert [len(part) for part in split_file(empty, 10)] == [0]
    with pytest.raises(ValueError, match='part_size must be a positive int'):
        split_file(empty, 0)


def test_file_part_refuses_negative_ranges():
    with pytest.raises(ValueError, match='offset and length'):
        FilePart(io.BytesIO(b''), -1, 3)
