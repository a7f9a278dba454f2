"""Issue 14, point 6: a compressed answer cannot expand without bound (memory or disk)."""

import gzip
import os

import pytest

from ambra_sdk.api.transport import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_DOWNLOAD_EXPANSION
from ambra_sdk.exceptions.base import ResponseTooLarge
from tests.hardening.conftest import make_api
from tests.hardening.servers import Reply, gzip_reply

MIB = 1024 * 1024
#: A valid JSON object of 32 MiB, about 32 KiB once gzipped.
JSON_BOMB = gzip.compress(b'{"a": "' + b'A' * (32 * MIB) + b'"}', compresslevel=9)
ZIP_BOMB = gzip.compress(b'\0' * (32 * MIB), compresslevel=9)


def test_defaults_are_documented_values():
    assert DEFAULT_MAX_BODY_BYTES == 128 * MIB
    assert DEFAULT_MAX_DOWNLOAD_EXPANSION == 100


def test_service_answer_past_the_limit_fails(script_server):
    server = script_server(gzip_reply(JSON_BOMB))
    api = make_api(server)
    api.max_body_bytes = 4 * MIB
    with pytest.raises(ResponseTooLarge, match='max_body_bytes'):
        api.Session.user().get()
    assert len(server.requests) == 1, 'a too large answer is not fetched again'


def test_storage_json_past_the_limit_fails(script_server):
    server = script_server(gzip_reply(JSON_BOMB))
    api = make_api(server)
    api.max_body_bytes = 4 * MIB
    with pytest.raises(ResponseTooLarge):
        api.Storage.Study.schema(server.engine_fqdn, 'ns', '1.2.3')


def test_the_limit_is_settable(script_server):
    server = script_server(gzip_reply(JSON_BOMB))
    api = make_api(server)
    api.max_body_bytes = 64 * MIB
    schema = api.Storage.Study.schema(server.engine_fqdn, 'ns', '1.2.3')
    assert len(schema.a) == 32 * MIB
    with pytest.raises(ValueError, match='max_body_bytes'):
        api.max_body_bytes = 0


@pytest.mark.parametrize('chunked_length', [False, True], ids=['declared-length', 'length-as-received'])
def test_download_that_expands_past_the_limit_fails_and_leaves_no_file(script_server, tmp_path, chunked_length):
    server = script_server(gzip_reply(ZIP_BOMB, 'application/zip'))
    api = make_api(server)
    target = tmp_path / 'study.zip'
    if chunked_length:  # no usable Content-Length: the limit follows the bytes received
        server.script = lambda method, target: Reply(200, ZIP_BOMB, (
            ('Content-Type', 'application/zip'), ('Content-Encoding', 'gzip'),
        ), with_length=False)
    with pytest.raises(ResponseTooLarge, match='max_download_expansion'):
        api.Storage.Study.download(server.engine_fqdn, 'ns', '1.2.3', 'dicom', to_path=str(target))
    assert os.listdir(tmp_path) == []


def test_ordinary_compressed_download_is_saved(script_server, tmp_path):
    payload = os.urandom(256 * 1024) + b'x' * (512 * 1024)  # about 3:1
    server = script_server(gzip_reply(gzip.compress(payload), 'application/zip'))
    api = make_api(server)
    target = tmp_path / 'study.zip'
    api.Storage.Study.download(server.engine_fqdn, 'ns', '1.2.3', 'dicom', to_path=str(target))
    assert target.read_bytes() == payload


def test_download_expansion_is_settable(script_server, tmp_path):
    server = script_server(gzip_reply(ZIP_BOMB, 'application/zip'))
    api = make_api(server)
    api.max_download_expansion = 2000
    target = tmp_path / 'study.zip'
    api.Storage.Study.download(server.engine_fqdn, 'ns', '1.2.3', 'dicom', to_path=str(target))
    assert target.stat().st_size == 32 * MIB


def test_streamed_error_body_is_bounded(script_server, tmp_path):
    bomb = gzip_reply(ZIP_BOMB)
    server = script_server(Reply(404, bomb.body, bomb.headers))
    api = make_api(server)
    api.max_body_bytes = 4 * MIB
    with pytest.raises(ResponseTooLarge):  # the error mapper reads the body: bounded
        api.Storage.Study.download(server.engine_fqdn, 'ns', '1.2.3', 'dicom', to_path=str(tmp_path / 'x.zip'))
    assert os.listdir(tmp_path) == []
