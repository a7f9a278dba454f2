"""Transfers: broken downloads leave nothing behind and restart cleanly; retried uploads send the whole file."""

import os
from typing import Any, Iterator, List

import pytest
import requests

from ambra_sdk.api import Api
from ambra_sdk.exceptions.base import AmbraException
from tests.reliability.servers import Answer, ScriptedServer

BODY = bytes(range(256)) * 64  # 16 KiB
SID = 'sid-transfers-0123456789'


def _api(server: Any) -> Api:
    api = Api.with_sid(server.url, SID, rate_limits=None, timeout=(2, 2),
                       storage_base_url='http://{engine_fqdn}/api/v3/storage')
    api.storage_retry_params.update(backoff_factor=0.01)
    return api


def _download(api: Api, server: Any, **kwargs: Any) -> Any:
    return api.Storage.Study.download(server.engine_fqdn, 'ns', '1.2.3', bundle='dicom', **kwargs)


@pytest.fixture
def folder(tmp_path: Any) -> Iterator[Any]:
    path = tmp_path / 'downloads'
    path.mkdir()
    yield path


BROKEN = [
    pytest.param(Answer(BODY, send=len(BODY) // 2), id='truncated'),
    pytest.param(Answer(BODY, send=len(BODY) // 2, length=-1), id='chunked-cut'),
    pytest.param(Answer(BODY, send=len(BODY), length=len(BODY) * 2), id='wrong-length'),
    pytest.param(Answer(BODY, send=0), id='dropped-after-headers'),
]


@pytest.mark.parametrize('broken', BROKEN)
def test_broken_download_raises_and_leaves_nothing(folder, broken):
    target = folder / 'study.zip'
    target.write_bytes(b'previous version')
    with ScriptedServer([broken, Answer(BODY)]) as server:
        api = _api(server)
        with pytest.raises((AmbraException, requests.RequestException)):
            _download(api, server, to_path=str(target))
        assert target.read_bytes() == b'previous version', 'destination touched by a failed download'
        assert sorted(os.listdir(folder)) == ['study.zip'], 'temporary file left behind'
        # the caller's retry restarts from zero and replaces the file atomically
        _download(api, server, to_path=str(target))
        assert target.read_bytes() == BODY
        assert sorted(os.listdir(folder)) == ['study.zip']
        assert len(server.requests) == 2


def test_connection_dropped_before_the_answer_is_retried_by_the_sdk(folder):
    """A GET whose connection drops before any byte is an idempotent read: sent again."""
    target = folder / 'study.zip'
    with ScriptedServer([Answer(b'', drop=True), Answer(BODY)]) as server:
        _download(_api(server), server, to_path=str(target))
        assert target.read_bytes() == BODY
        assert len(server.requests) == 2


def test_broken_download_into_an_open_file_raises(folder):
    """With ``to_file`` the caller owns the file: the error says how much arrived."""
    errors = (AmbraException, requests.RequestException)
    with ScriptedServer([Answer(BODY, send=1000)]) as server, open(folder / 'out.bin', 'wb') as handle, \
            pytest.raises(errors) as info:
        _download(_api(server), server, to_file=handle)
    assert getattr(info.value, 'expected', len(BODY)) == len(BODY)


def test_streamed_response_without_helper_reports_truncation():
    with ScriptedServer([Answer(BODY, send=100)]) as server:
        response = _download(_api(server), server)
        with pytest.raises(requests.RequestException):
            response.content  # noqa: B018


# ---------------------------------------------------------------- uploads on the emulator
def _image_count(api: Any, emulator: Any, namespace_id: str, study_uid: str) -> int:
    return int(api.Storage.Study.count(emulator.engine_fqdn, namespace_id, study_uid).images)


def _posts(emulator: Any) -> List[Any]:
    return [entry for entry in emulator.requests_log if entry.method == 'POST' and entry.path.endswith('/image')]


def test_upload_refused_with_retry_after_is_resent_whole(rapi, fresh, namespace_id, make_dicoms):
    (path,) = make_dicoms(1)
    fresh.faults.add('*/image', status=503, retry_after=0, method='POST')
    with open(path, 'rb') as handle:
        result = rapi.Storage.Image.upload(fresh.engine_fqdn, namespace_id, handle)
    assert [entry.status for entry in _posts(fresh)] == [503, 200]
    assert _image_count(rapi, fresh, namespace_id, result.study_uid) == 1


def test_upload_after_expired_sid_is_resent_whole(rapi, fresh, namespace_id, make_dicoms):
    (path,) = make_dicoms(1)
    fresh.faults.add('*/image', expire_sid=True, method='POST')
    with open(path, 'rb') as handle:
        result = rapi.Storage.Image.upload(fresh.engine_fqdn, namespace_id, handle)
    assert len(_posts(fresh)) == 2
    assert _image_count(rapi, fresh, namespace_id, result.study_uid) == 1


@pytest.mark.parametrize('fault', [{'drop_connection': True}, {'status': 503}], ids=['dropped', '503'])
def test_upload_is_not_resent_by_the_sdk_but_a_caller_retry_works(rapi, fresh, namespace_id, make_dicoms, fault):
    """The SDK cannot know whether a dropped upload was stored: it raises; the caller's retry sends it all."""
    (path,) = make_dicoms(1)
    fresh.faults.add('*/image', method='POST', **fault)
    with pytest.raises((AmbraException, requests.RequestException)):
        rapi.Storage.Image.upload(fresh.engine_fqdn, namespace_id, str(path))
    assert len(_posts(fresh)) == 1
    result = rapi.Storage.Image.upload(fresh.engine_fqdn, namespace_id, str(path))
    assert _image_count(rapi, fresh, namespace_id, result.study_uid) == 1


def test_caller_retry_with_the_same_open_file(rapi, fresh, namespace_id, make_dicoms):
    """Retrying with the *same* open file after a failure: the caller must rewind it (documented)."""
    (path,) = make_dicoms(1)
    fresh.faults.add('*/image', method='POST', drop_connection=True)
    with open(path, 'rb') as handle:
        with pytest.raises(requests.RequestException):
            rapi.Storage.Image.upload(fresh.engine_fqdn, namespace_id, handle)
        handle.seek(0)
        result = rapi.Storage.Image.upload(fresh.engine_fqdn, namespace_id, handle)
    assert _image_count(rapi, fresh, namespace_id, result.study_uid) == 1
