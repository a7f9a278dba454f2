"""The three multipart methods against ``multipart_spec.md``: prepared requests and the bytes on the wire.

The wire is checked on a loopback server that records the raw request
(request line, headers, body). ``sid`` is the last query parameter, as for
every storage call (storage_spec §3: "sid is always added last"); the spec's
``?sid=...&namespace=...`` lists the same parameters.
"""

import io
import zlib

import pytest

from ambra_sdk.storage.file_part import FileChunk, chunk_size_for, iter_chunks, read_chunk
from ambra_sdk.storage.image_multipart import ChunkBytes
from ambra_sdk.storage.request import PreparedRequest, StorageMethod
from tests.helpers.servers import RecordingServer

HOST = 'engine.example:8443'
BASE = 'https://engine.example:8443/api/v3/storage'
UUID = '2b1f6a52-8d8e-4b1e-9d53-0f6c3a3a9b10'


def test_initiate_request(fake_storage):
    prepared = fake_storage.Image.multipart_initiate(HOST, only_prepare=True)
    assert type(prepared) is PreparedRequest
    assert prepared.method is StorageMethod.get
    assert prepared.url == BASE + '/multipart/initiate'
    assert prepared.params == {}
    assert prepared.headers is None and prepared.data is None and prepared.files is None


def test_chunk_request(fake_storage):
    body = bytes(range(256)) * 10
    prepared = fake_storage.Image.multipart_chunk_upload(HOST, UUID, body, 7, only_prepare=True)
    assert prepared.method is StorageMethod.post
    assert prepared.url == BASE + '/multipart/' + UUID
    assert prepared.params == {}
    assert prepared.headers == {
        'X-AmbraHealth-part-checksum': str(zlib.crc32(body)),
        'X-File-Size': '2560',
        'X-File-Name': '00007',
    }
    assert prepared.data == body and prepared.files is None


def test_chunk_checksum_is_unsigned_decimal(fake_storage):
    body = b'\x00'
    assert zlib.crc32(body) > 2 ** 31  # would be negative as a signed int
    prepared = fake_storage.Image.multipart_chunk_upload(HOST, UUID, bytearray(body), 0, only_prepare=True)
    assert prepared.headers['X-AmbraHealth-part-checksum'] == str(zlib.crc32(body))
    assert prepared.headers['X-File-Name'] == '00000'
    assert prepared.data == body and type(prepared.data) is bytes


def test_complete_request(fake_storage):
    prepared = fake_storage.Image.multipart_complete(HOST, 'ns-1', UUID, 123456, study_uid='1.2.3', only_prepare=True)
    assert prepared.method is StorageMethod.post
    assert prepared.url == BASE + '/multipart/' + UUID + '/complete'
    assert list(prepared.params.items()) == [
        ('namespace', 'ns-1'), ('endpoint', 'image'), ('study_uid', '1.2.3'), ('tags', ''),
        ('render_wrapped_pdf', ''),
    ]
    assert prepared.headers == {'X-File-Size': '123456', 'X-File-Name': 'name'}
    assert prepared.data is None and prepared.files is None


def test_complete_without_study_uid_and_with_wrap_options(fake_storage):
    prepared = fake_storage.Image.multipart_complete(
        HOST, 'ns-1', UUID, 10, endpoint='wrap', tags='{"PatientName": "X"}', render_wrapped_pdf=True,
        only_prepare=True,
    )
    assert prepared.params == {'namespace': 'ns-1', 'endpoint': 'wrap', 'tags': '{"PatientName": "X"}',
                               'render_wrapped_pdf': 1}


@pytest.mark.parametrize('chunk_number', [-1, 100000, True, 1.0, '1', None])
def test_bad_chunk_number_is_refused_before_sending(fake_storage, chunk_number):
    with pytest.raises(ValueError, match='chunk_number must be an int from 0 to 99999'):
        fake_storage.Image.multipart_chunk_upload(HOST, UUID, b'x', chunk_number, only_prepare=True)


@pytest.mark.parametrize('bytes_part', ['text', None, io.BytesIO(b'x'), 5])
def test_chunk_must_be_bytes(fake_storage, bytes_part):
    with pytest.raises(TypeError, match='bytes_part must be bytes'):
        fake_storage.Image.multipart_chunk_upload(HOST, UUID, bytes_part, 0, only_prepare=True)


@pytest.mark.parametrize('upload_uuid', ['', 'a/b', 'a?b', None, 5])
def test_bad_upload_uuid_is_refused(fake_storage, upload_uuid):
    with pytest.raises(ValueError, match='upload_uuid'):
        fake_storage.Image.multipart_complete(HOST, 'ns', upload_uuid, 1, only_prepare=True)
    with pytest.raises(ValueError, match='upload_uuid'):
        fake_storage.Image.multipart_chunk_upload(HOST, upload_uuid, b'x', 0, only_prepare=True)


@pytest.mark.parametrize('kwargs, message', [
    ({'file_size': -1}, 'file_size must be an int >= 0'),
    ({'file_size': '10'}, 'file_size must be an int >= 0'),
    ({'file_size': 1, 'endpoint': 'video'}, 'endpoint must be one of'),
    ({'file_size': 1, 'render_wrapped_pdf': 'yes'}, 'render_wrapped_pdf'),
])
def test_bad_complete_arguments(fake_storage, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fake_storage.Image.multipart_complete(HOST, 'ns', UUID, only_prepare=True, **kwargs)


def test_preparing_sends_nothing(fake_api, fake_storage):
    fake_storage.Image.multipart_initiate(HOST, only_prepare=True)
    fake_storage.Image.multipart_chunk_upload(HOST, UUID, b'x', 0, only_prepare=True)
    fake_storage.Image.multipart_complete(HOST, 'ns', UUID, 1, only_prepare=True)
    assert fake_api.calls == []


# ------------------------------------------------------------------ the wire, byte for byte


@pytest.fixture
def recorded():
    from ambra_sdk.api import Api

    with RecordingServer(body=b'{"upload_uuid": "' + UUID.encode() + b'"}') as server:
        api = Api.with_sid(server.url, 'SID123', storage_base_url='http://{engine_fqdn}/api/v3/storage',
                           rate_limits=None)
        yield server, api


def test_initiate_on_the_wire(recorded):
    server, api = recorded
    answer = api.Storage.Image.multipart_initiate(server.engine_fqdn)
    assert answer.upload_uuid == UUID
    line, headers, body = server.requests[-1]
    assert line == 'GET /api/v3/storage/multipart/initiate?sid=SID123 HTTP/1.1'
    assert body == b''
    assert 'content-type' not in headers
    raw = api.Storage.Image.multipart_initiate(server.engine_fqdn, use_box=False)
    assert raw.json() == {'upload_uuid': UUID}


def test_chunk_on_the_wire(recorded):
    server, api = recorded
    body = bytes(range(256)) * 4096 * 2  # 2 MiB, as the vendor's client sends
    api.Storage.Image.multipart_chunk_upload(server.engine_fqdn, UUID, body, 12)
    line, headers, sent = server.requests[-1]
    assert line == 'POST /api/v3/storage/multipart/{0}?sid=SID123 HTTP/1.1'.format(UUID)
    assert sent == body
    assert headers['x-ambrahealth-part-checksum'] == str(zlib.crc32(body))
    assert headers['x-file-size'] == str(2 * 1024 * 1024)
    assert headers['x-file-name'] == '00012'
    assert headers['content-length'] == str(len(body))
    assert 'content-type' not in headers  # raw bytes, no form


def test_complete_on_the_wire(recorded):
    server, api = recorded
    api.Storage.Image.multipart_complete(server.engine_fqdn, 'ns-1', UUID, 314572800, study_uid='1.2.3')
    line, headers, sent = server.requests[-1]
    assert line == (
        'POST /api/v3/storage/multipart/{0}/complete?namespace=ns-1&endpoint=image&study_uid=1.2.3'
        '&tags=&render_wrapped_pdf=&sid=SID123 HTTP/1.1'.format(UUID)
    )
    assert headers['x-file-size'] == '314572800'
    assert headers['x-file-name'] == 'name'
    assert sent == b''
    assert headers.get('content-length', '0') == '0'


# ------------------------------------------------------------------ reading a file as chunks


def test_iter_chunks_numbers_from_zero_with_crc32(tmp_path):
    path = tmp_path / 'f.bin'
    data = bytes(range(256)) * 1000
    path.write_bytes(data)
    with open(path, 'rb') as source:
        source.seek(100)
        chunks = list(iter_chunks(source, 100000))
    assert [chunk.number for chunk in chunks] == [0, 1, 2]
    assert b''.join(chunk.data for chunk in chunks) == data[100:]
    assert [len(chunk.data) for chunk in chunks] == [100000, 100000, 55900]
    for chunk in chunks:
        assert type(chunk.data) is bytes and chunk.crc32 == zlib.crc32(chunk.data)  # one read, no copy into a subclass
        assert 'size=' in repr(chunk) and '\\x' not in repr(chunk)


def test_a_chunk_brings_its_crc32_to_the_request(fake_storage, monkeypatch):
    chunk = read_chunk(io.BytesIO(b'abc' * 1000), 3, 10000)
    assert isinstance(chunk, FileChunk)
    prepared = fake_storage.Image.multipart_chunk_upload(HOST, UUID, chunk.data, chunk.number, only_prepare=True)
    assert prepared.headers['X-AmbraHealth-part-checksum'] == str(zlib.crc32(b'abc' * 1000))
    import ambra_sdk.storage.image_multipart as image_multipart

    def no_crc(*args):
        raise AssertionError('the chunk was hashed again')

    expected = str(zlib.crc32(b'abc' * 1000))
    monkeypatch.setattr(image_multipart.checksum, 'crc32', no_crc)
    prepared = fake_storage.Image._send_chunk(HOST, UUID, chunk.data, chunk.number, chunk.crc32, only_prepare=True)
    assert prepared.headers['X-AmbraHealth-part-checksum'] == expected
    assert prepared.data is chunk.data  # not copied
    chunk_bytes = ChunkBytes(chunk.data, chunk.crc32)  # a caller's own precomputed checksum is still honoured
    prepared = fake_storage.Image.multipart_chunk_upload(HOST, UUID, chunk_bytes, chunk.number, only_prepare=True)
    assert prepared.headers['X-AmbraHealth-part-checksum'] == str(chunk.crc32)


def test_iter_chunks_edges():
    assert list(iter_chunks(io.BytesIO(b''), 10)) == []
    with pytest.raises(ValueError, match='chunk_size must be a positive int'):
        list(iter_chunks(io.BytesIO(b''), 0))
    assert chunk_size_for(10, 4) == 4
    assert chunk_size_for(400000 * 1024, 2) == 4096  # at most 100000 chunk numbers
