"""Big files go in parts (multipart upload) through the emulator, with faults and a fallback."""

from __future__ import annotations

import hashlib

import pytest

from ambra_sdk.addon.multipart import MIN_PART_SIZE
from tests.helpers.dicoms import write_big_dicom

from .conftest import logged

PART = MIN_PART_SIZE  # 64 KiB parts keep the files small
INITIATE = '/storage/multipart/initiate'


def _sha1(path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def _download_sha1(api, namespace_id, params) -> str:
    response = api.Storage.Image.dicom_payload(
        api.Addon.Dicom.engine_fqdn(namespace_id), namespace_id, params.study_uid, params.image_uid,
        params.image_version,
    )
    return hashlib.sha1(response.content).hexdigest()


def _upload(api, namespace_id, path, **kwargs):
    with open(path, 'rb') as dicom_file:
        return api.Addon.Dicom.upload(dicom_file=dicom_file, namespace_id=namespace_id, part_size=PART, **kwargs)


def test_big_file_goes_in_parts_and_roundtrips(api, namespace_id, tmp_path, emulator):
    path = write_big_dicom(tmp_path / 'big.dcm', 5 * PART)
    emulator.requests_log.clear()
    params = _upload(api, namespace_id, path, multipart_threshold=PART)
    parts = [entry for entry in logged(emulator, 'POST', '/storage/multipart/') if 'complete' not in entry.path]
    assert len(logged(emulator, 'GET', INITIATE)) == 1
    assert len(parts) == 6  # 5 parts of pixels + the header spill over into a 6th
    assert len(logged(emulator, 'POST', '/complete')) == 1
    assert not logged(emulator, 'POST', '/namespace/{0}/image'.format(namespace_id))
    assert _download_sha1(api, namespace_id, params) == _sha1(path)


def test_parts_go_in_parallel_and_a_dropped_one_is_resent(fast_api, namespace_id, tmp_path, emulator):
    path = write_big_dicom(tmp_path / 'big.dcm', 9 * PART)
    emulator.faults.add('/storage/multipart/*', method='POST', drop_connection=True, times=2)
    emulator.requests_log.clear()
    params = _upload(fast_api, namespace_id, path, multipart_threshold=PART, part_workers=4)
    assert len(logged(emulator, 'GET', INITIATE)) == 1
    assert _download_sha1(fast_api, namespace_id, params) == _sha1(path)


def test_small_files_and_threshold_none_go_in_one_request(api, namespace_id, tmp_path, emulator):
    path = write_big_dicom(tmp_path / 'big.dcm', 3 * PART)
    emulator.requests_log.clear()
    _upload(api, namespace_id, path, multipart_threshold=None)
    _upload(api, namespace_id, path, multipart_threshold=10 * PART)
    assert not logged(emulator, 'GET', INITIATE)
    assert len(logged(emulator, 'POST', '/namespace/{0}/image'.format(namespace_id))) == 2


def test_a_dropped_part_is_sent_again_alone(fast_api, namespace_id, tmp_path, emulator):
    path = write_big_dicom(tmp_path / 'big.dcm', 4 * PART)
    emulator.faults.add('/storage/multipart/*', method='POST', drop_connection=True, times=1)
    emulator.faults.add('/storage/multipart/*/complete', status=503, times=1)
    emulator.requests_log.clear()
    params = _upload(fast_api, namespace_id, path, multipart_threshold=PART)
    assert len(logged(emulator, 'GET', INITIATE)) == 1  # the upload was not restarted
    assert _download_sha1(fast_api, namespace_id, params) == _sha1(path)
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
    assert _download_sha1(api, namespace_id, params) == _sha1(first)


@pytest.mark.parametrize('part_workers', [1, 3])
def test_a_part_that_keeps_failing_fails_the_file(fast_api, namespace_id, tmp_path, emulator, part_workers):
    path = write_big_dicom(tmp_path / 'big.dcm', 3 * PART)
    emulator.faults.add('/storage/multipart/*', method='POST', status=503, times=None)
    with pytest.raises(Exception) as error:
        _upload(fast_api, namespace_id, path, multipart_threshold=PART, part_retries=1, part_workers=part_workers)
    assert getattr(error.value, 'code', None) == 503


def test_upload_paths_sends_big_files_in_parts(api, namespace_id, tmp_path, emulator, make_dicoms):
    small = make_dicoms(2)
    from pydicom import dcmread

    study_uid = dcmread(str(small[0]), stop_before_pixels=True).StudyInstanceUID
    big = write_big_dicom(tmp_path / 'study' / 'big.dcm', 3 * 1024 * 1024, study_uid=study_uid)
    emulator.requests_log.clear()
    result = api.Addon.Study.upload_paths(
        dicom_paths=small + [big], namespace_id=namespace_id, multipart_threshold=1024 * 1024,
    )
    assert len(result.uploaded) == 3 and not result.failed
    assert len(logged(emulator, 'GET', INITIATE)) == 1
    assert len(logged(emulator, 'POST', '/namespace/{0}/image'.format(namespace_id))) == 2


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
