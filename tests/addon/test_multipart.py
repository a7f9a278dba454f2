"""Big files go in chunks (the vendor's multipart upload) through the emulator, with faults and a fallback."""

from __future__ import annotations

import hashlib
import time

import pytest

from ambra_sdk.addon.multipart import (
    DEFAULT_MULTIPART_THRESHOLD,
    DEFAULT_PART_SIZE,
    DEFAULT_PART_WORKERS,
    MIN_PART_SIZE,
)
from tests.helpers.dicoms import write_big_dicom

from .conftest import logged

PART = MIN_PART_SIZE  # 64 KiB chunks keep the files small
INITIATE = '/storage/multipart/initiate'


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _download_sha256(api, namespace_id, params) -> str:
    response = api.Storage.Image.dicom_payload(
        api.Addon.Dicom.engine_fqdn(namespace_id), namespace_id, params.study_uid, params.image_uid,
        params.image_version,
    )
    return hashlib.sha256(response.content).hexdigest()


def _upload(api, namespace_id, path, **kwargs):
    with open(path, 'rb') as dicom_file:
        return api.Addon.Dicom.upload(dicom_file=dicom_file, namespace_id=namespace_id, part_size=PART, **kwargs)


def _chunk_posts(emulator):
    return [entry for entry in logged(emulator, 'POST', '/storage/multipart/') if 'complete' not in entry.path]


def test_defaults_are_the_vendors():
    assert DEFAULT_MULTIPART_THRESHOLD == 20 * 1024 * 1024
    assert DEFAULT_PART_SIZE == 2 * 1024 * 1024
    assert DEFAULT_PART_WORKERS == 1


def test_big_file_goes_in_chunks_and_the_stored_file_hashes_as_the_source(api, namespace_id, tmp_path, emulator):
    path = write_big_dicom(tmp_path / 'big.dcm', 5 * PART)
    emulator.requests_log.clear()
    params = _upload(api, namespace_id, path, multipart_threshold=PART, wait=True, wait_timeout=30)
    assert len(logged(emulator, 'GET', INITIATE)) == 1
    assert len(_chunk_posts(emulator)) == 6  # 5 chunks of pixels + the header spill over into a 6th
    assert len(logged(emulator, 'POST', '/complete')) == 1
    assert not logged(emulator, 'POST', '/namespace/{0}/image'.format(namespace_id))
    assert params.image_uid and params.image_version
    assert _download_sha256(api, namespace_id, params) == _sha256(path)


def test_without_wait_the_result_says_completion_is_asynchronous(api, namespace_id, tmp_path, emulator):
    from pydicom import dcmread

    path = write_big_dicom(tmp_path / 'big.dcm', 3 * PART)
    header = dcmread(str(path), stop_before_pixels=True)
    params = _upload(api, namespace_id, path, multipart_threshold=PART)
    assert params.image_uid == '' and params.image_version == ''
    assert params.study_uid == header.StudyInstanceUID and params.namespace == namespace_id
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the study shows the image shortly after
        if emulator.state.list_images(namespace_id, params.study_uid):
            break
        time.sleep(0.02)
    rows = list(emulator.state.list_images(namespace_id, params.study_uid))
    assert [row['image_uid'] if isinstance(row, dict) else row.image_uid for row in rows] == [header.SOPInstanceUID]


def test_study_uid_goes_to_complete(api, namespace_id, tmp_path, emulator):
    path = write_big_dicom(tmp_path / 'big.dcm', 3 * PART)
    emulator.requests_log.clear()
    params = _upload(api, namespace_id, path, multipart_threshold=PART, study_uid='1.2.826.0.1.99', wait=True,
                     wait_timeout=30)
    assert params.study_uid == '1.2.826.0.1.99'
    assert logged(emulator, 'POST', '/complete')[0].params['study_uid'] == '1.2.826.0.1.99'
    assert _download_sha256(api, namespace_id, params) == _sha256(path)


def test_a_chunk_corrupted_on_the_wire_is_detected_and_sent_again(fast_api, namespace_id, tmp_path, emulator):
    path = write_big_dicom(tmp_path / 'big.dcm', 4 * PART)
    emulator.faults.add('/storage/multipart/*', method='POST', corrupt_body=True, times=1)
    emulator.requests_log.clear()
    params = _upload(fast_api, namespace_id, path, multipart_threshold=PART, wait=True, wait_timeout=30)
    posts = _chunk_posts(emulator)
    assert [entry.status for entry in posts].count(412) == 1  # the damaged chunk was refused...
    assert len(posts) == 5 + 1  # ...and sent again, alone
    assert len(logged(emulator, 'GET', INITIATE)) == 1
    assert _download_sha256(fast_api, namespace_id, params) == _sha256(path)


def test_parallel_chunks_and_a_dropped_one_is_resent(fast_api, namespace_id, tmp_path, emulator):
    path = write_big_dicom(tmp_path / 'big.dcm', 9 * PART)
    emulator.faults.add('/storage/multipart/*', method='POST', drop_connection=True, times=2)
    emulator.requests_log.clear()
    params = _upload(fast_api, namespace_id, path, multipart_threshold=PART, part_workers=4, wait=True,
                     wait_timeout=30)
    assert len(logged(emulator, 'GET', INITIATE)) == 1
    assert _download_sha256(fast_api, namespace_id, params) == _sha256(path)


def test_threshold_is_strictly_larger_and_none_means_one_request(api, namespace_id, tmp_path, emulator):
    path = write_big_dicom(tmp_path / 'big.dcm', 3 * PART)
    size = path.stat().st_size
    emulator.requests_log.clear()
    _upload(api, namespace_id, path, multipart_threshold=None)
    _upload(api, namespace_id, path, multipart_threshold=size)  # not larger than the threshold
    assert not logged(emulator, 'GET', INITIATE)
    assert len(logged(emulator, 'POST', '/namespace/{0}/image'.format(namespace_id))) == 2


def test_a_failed_complete_is_retried(fast_api, namespace_id, tmp_path, emulator):
    path = write_big_dicom(tmp_path / 'big.dcm', 4 * PART)
    emulator.faults.add('/storage/multipart/*/complete', status=503, times=1)
    emulator.requests_log.clear()
    params = _upload(fast_api, namespace_id, path, multipart_threshold=PART, wait=True, wait_timeout=30)
    assert len(logged(emulator, 'GET', INITIATE)) == 1  # the upload was not restarted
    assert _download_sha256(fast_api, namespace_id, params) == _sha256(path)
    schema = fast_api.Storage.Study.schema(emulator.engine_fqdn, namespace_id, params.study_uid)
    assert [image.id for series in schema.series for image in series.images] == [params.image_uid]


def test_a_server_without_multipart_gets_one_request(api, namespace_id, tmp_path, emulator):
    emulator.faults.add(INITIATE, status=404, times=None)
    first = write_big_dicom(tmp_path / 'one.dcm', 3 * PART)
    second = write_big_dicom(tmp_path / 'two.dcm', 3 * PART)
    emulator.requests_log.clear()
    params = _upload(api, namespace_id, first, multipart_threshold=PART)
    _upload(api, namespace_id, second, multipart_threshold=PART)
    assert len(logged(emulator, 'GET', INITIATE)) == 1  # remembered for the engine
    assert len(logged(emulator, 'POST', '/namespace/{0}/image'.format(namespace_id))) == 2
    assert params.image_uid  # stored synchronously
    assert _download_sha256(api, namespace_id, params) == _sha256(first)


@pytest.mark.parametrize('part_workers', [1, 3])
def test_a_chunk_that_keeps_failing_fails_the_file(fast_api, namespace_id, tmp_path, emulator, part_workers):
    path = write_big_dicom(tmp_path / 'big.dcm', 3 * PART)
    emulator.faults.add('/storage/multipart/*', method='POST', status=503, times=None)
    with pytest.raises(Exception) as error:
        _upload(fast_api, namespace_id, path, multipart_threshold=PART, part_retries=1, part_workers=part_workers)
    assert getattr(error.value, 'code', None) == 503


def test_wait_times_out_when_the_image_never_appears(fast_api, namespace_id, tmp_path, emulator):
    from ambra_sdk.addon.exceptions import WaitTimeout
    from ambra_sdk.emulator.storage import multipart_store

    path = write_big_dicom(tmp_path / 'big.dcm', 2 * PART)
    original = multipart_store.STORE_DELAY
    multipart_store.STORE_DELAY = 3.0
    try:
        with pytest.raises(WaitTimeout, match='did not appear'):
            _upload(fast_api, namespace_id, path, multipart_threshold=PART, wait=True, wait_timeout=0.3)
    finally:
        multipart_store.STORE_DELAY = original


def test_upload_paths_sends_big_files_in_chunks(api, namespace_id, tmp_path, emulator, make_dicoms):
    small = make_dicoms(2)
    from pydicom import dcmread

    study_uid = dcmread(str(small[0]), stop_before_pixels=True).StudyInstanceUID
    big = write_big_dicom(tmp_path / 'study' / 'big.dcm', 3 * 1024 * 1024, study_uid=study_uid)
    emulator.requests_log.clear()
    result = api.Addon.Study.upload_paths(
        dicom_paths=small + [big], namespace_id=namespace_id, multipart_threshold=1024 * 1024,
    )
    assert len(result.uploaded) == 3 and not result.failed
    assert result.uploaded[big].image_uid == ''  # stored after the answer
    assert len(logged(emulator, 'GET', INITIATE)) == 1
    assert len(_chunk_posts(emulator)) == 2  # 3 MiB in 2 MiB chunks
    assert len(logged(emulator, 'POST', '/namespace/{0}/image'.format(namespace_id))) == 2


def test_study_uploader_can_wait_for_chunked_files(api, namespace_id, tmp_path, emulator):
    from ambra_sdk.addon.pool import DEFAULT_RETRIES
    from ambra_sdk.addon.upload import StudyUploader

    big = write_big_dicom(tmp_path / 'big.dcm', 3 * PART)
    uploader = StudyUploader(api, namespace_id, 2, DEFAULT_RETRIES, None, multipart_threshold=PART,
                             part_size=PART, wait_stored=True)
    result = uploader.run([big])
    params = result.uploaded[big]
    assert params.image_uid and params.image_version
    assert _download_sha256(api, namespace_id, params) == _sha256(big)


@pytest.mark.parametrize('kwargs, message', [
    ({'multipart_threshold': -1}, 'multipart_threshold must be None or an int >= 0'),
    ({'multipart_threshold': 1.5}, 'multipart_threshold must be None or an int >= 0'),
    ({'part_size': 10}, 'part_size must be an int >= 65536'),
    ({'part_workers': 0}, 'part_workers must be a positive int'),
])
def test_bad_multipart_options_name_the_argument(api, namespace_id, tmp_path, make_dicoms, kwargs, message):
    path = make_dicoms(1)[0]
    with open(path, 'rb') as dicom_file, pytest.raises(ValueError, match=message):
        api.Addon.Dicom.upload(dicom_file=dicom_file, namespace_id=namespace_id, **kwargs)


def test_a_big_file_that_is_not_dicom_is_refused_before_sending(api, namespace_id, tmp_path, emulator):
    from ambra_sdk.addon.dicom_io import NotDicom

    path = tmp_path / 'junk.bin'
    path.write_bytes(b'\x00' * (3 * PART))
    emulator.requests_log.clear()
    with pytest.raises(NotDicom, match='dicom_file'):
        _upload(api, namespace_id, path, multipart_threshold=PART)
    assert not logged(emulator, 'GET', INITIATE)


def test_waiting_for_an_identical_file_again_ends_on_its_content_hash(api, namespace_id, tmp_path, emulator):
    path = write_big_dicom(tmp_path / 'big.dcm', 3 * PART)
    first = _upload(api, namespace_id, path, multipart_threshold=PART, wait=True, wait_timeout=30)
    started = time.monotonic()
    again = _upload(api, namespace_id, path, multipart_threshold=PART, wait=True, wait_timeout=30)
    assert again.image_version == first.image_version == hashlib.sha1(path.read_bytes()).hexdigest()
    assert time.monotonic() - started < 20  # not the whole wait_timeout


@pytest.mark.parametrize('answer', [b'{"nope": 1}', b'{"upload_uuid": "a/b"}', b'{"upload_uuid": 5}', b'[]'])
def test_an_initiate_answer_without_a_usable_uuid_is_a_clear_error(answer):
    import io

    from ambra_sdk.addon.multipart import upload_in_chunks
    from ambra_sdk.api import Api
    from ambra_sdk.exceptions.storage import UnexpectedStorageResponse
    from tests.helpers.servers import RecordingServer

    with RecordingServer(body=answer) as server:
        api = Api.with_sid(server.url, 'SID', storage_base_url='http://{engine_fqdn}/api/v3/storage',
                           rate_limits=None)
        with pytest.raises(UnexpectedStorageResponse, match='upload_uuid'):
            upload_in_chunks(api.Storage.Image, server.engine_fqdn, 'ns', io.BytesIO(b'x' * 10))
        assert len(server.requests) == 1  # nothing sent after the initiate


@pytest.mark.parametrize('schema', [b'{"series": "abc"}', b'{"series": [1, {"images": {"id": 1}}]}', b'[]'])
def test_a_hostile_schema_reads_as_not_stored_yet(schema):
    from ambra_sdk.addon.multipart import stored_version
    from ambra_sdk.api import Api
    from tests.helpers.servers import RecordingServer

    with RecordingServer(body=schema) as server:
        api = Api.with_sid(server.url, 'SID', storage_base_url='http://{engine_fqdn}/api/v3/storage',
                           rate_limits=None)
        assert stored_version(api.Storage.Study, server.engine_fqdn, 'ns', '1.2', '1.2.3') == ''


def test_study_uid_goes_to_a_plain_upload_too(api, namespace_id, make_dicoms, emulator):
    path = make_dicoms(1)[0]
    emulator.requests_log.clear()
    with open(path, 'rb') as dicom_file:
        params = api.Addon.Dicom.upload(dicom_file=dicom_file, namespace_id=namespace_id, study_uid='1.2.826.0.1.98')
    assert params.study_uid == '1.2.826.0.1.98' and params.image_uid
    assert logged(emulator, 'POST', '/image')[0].params['study_uid'] == '1.2.826.0.1.98'


def test_a_chunk_refused_as_damaged_every_time_fails_after_its_retries(fast_api, namespace_id, tmp_path, emulator):
    from ambra_sdk.exceptions.storage import StorageResponseException

    path = write_big_dicom(tmp_path / 'big.dcm', 3 * PART)
    emulator.faults.add('/storage/multipart/*', method='POST', corrupt_body=True, times=None)
    emulator.requests_log.clear()
    with pytest.raises(StorageResponseException) as error:
        _upload(fast_api, namespace_id, path, multipart_threshold=PART, part_retries=2)
    assert error.value.code == 412
    assert [entry.status for entry in _chunk_posts(emulator)] == [412, 412, 412]  # chunk 0, sent 1 + 2 times
    assert not logged(emulator, 'POST', '/complete')


class _CountingFile:
    """A file that records how many of its bytes were read but not yet accepted by the server."""

    def __init__(self, raw, accepted):
        self._raw = raw
        self._accepted = accepted
        self.most_ahead = 0

    def read(self, size=-1):
        data = self._raw.read(size)  # the header is read first (file_uids) and the file rewound: count positions
        self.most_ahead = max(self.most_ahead, self._raw.tell() - sum(self._accepted))
        return data

    def __getattr__(self, name):
        return getattr(self._raw, name)


def test_parallel_parts_keep_at_most_part_workers_chunks_in_flight(api, namespace_id, tmp_path, emulator):
    path = write_big_dicom(tmp_path / 'big.dcm', 12 * PART)
    emulator.faults.add('/storage/multipart/*', method='POST', delay=0.05, times=None)
    accepted: list = []
    reports: list = []

    def progress(done, total):
        reports.append((done, total))

    with open(path, 'rb') as raw:
        counting = _CountingFile(raw, accepted)
        original = api.Storage.Image._send_chunk

        def chunk_upload(engine_fqdn, upload_uuid, data, number, *args, **kwargs):
            answer = original(engine_fqdn, upload_uuid, data, number, *args, **kwargs)
            accepted.append(len(data))
            return answer

        api.Storage.Image._send_chunk = chunk_upload
        try:
            started = time.monotonic()
            api.Addon.Dicom.upload(dicom_file=counting, namespace_id=namespace_id, part_size=PART,
                                   multipart_threshold=PART, part_workers=3, progress=progress)
            seconds = time.monotonic() - started
        finally:
            del api.Storage.Image._send_chunk
    size = path.stat().st_size
    chunks = -(-size // PART)
    assert sum(accepted) == size
    assert 2 * PART < counting.most_ahead <= 3 * PART  # parallel, and never more than 3 chunks read ahead
    assert seconds < chunks * 0.05  # the 50 ms of each chunk overlapped
    dones = [done for done, _ in reports]
    assert dones == sorted(dones) and dones[-1] == size  # progress in bytes, ending at the file size
    assert all(total == size for _, total in reports)
    assert len(reports) == chunks and all(0 < b - a <= PART for a, b in zip([0] + dones, dones))


def test_a_failed_part_is_sent_again_alone_while_the_others_go_in_parallel(fast_api, namespace_id, tmp_path,
                                                                          emulator):
    path = write_big_dicom(tmp_path / 'big.dcm', 8 * PART)
    emulator.faults.add('/storage/multipart/*', method='POST', status=503, times=1)
    sent: list = []
    original = fast_api.Storage.Image._send_chunk

    def chunk_upload(engine_fqdn, upload_uuid, data, number, *args, **kwargs):
        sent.append(number)
        return original(engine_fqdn, upload_uuid, data, number, *args, **kwargs)

    fast_api.Storage.Image._send_chunk = chunk_upload
    emulator.requests_log.clear()
    try:
        params = _upload(fast_api, namespace_id, path, multipart_threshold=PART, part_workers=4, wait=True,
                         wait_timeout=30)
    finally:
        del fast_api.Storage.Image._send_chunk
    chunks = -(-path.stat().st_size // PART)
    counts = {number: sent.count(number) for number in set(sent)}
    assert sorted(counts) == list(range(chunks))
    assert sorted(counts.values()) == [1] * (chunks - 1) + [2]  # one part twice, every other once
    assert len(logged(emulator, 'GET', INITIATE)) == 1
    assert [entry.status for entry in _chunk_posts(emulator)].count(503) == 1
    assert _download_sha256(fast_api, namespace_id, params) == _sha256(path)


def test_plain_upload_reports_its_bytes_once_stored(api, namespace_id, tmp_path, emulator):
    path = write_big_dicom(tmp_path / 'big.dcm', 2 * PART)
    reports: list = []
    _upload(api, namespace_id, path, multipart_threshold=None, progress=lambda done, total: reports.append(
        (done, total)))
    assert reports == [(path.stat().st_size, path.stat().st_size)]
