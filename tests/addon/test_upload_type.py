"""The upload choice of the later vendor SDK (issue 23.5): UploadType and Dicom's class attributes."""

from __future__ import annotations

import pytest

from ambra_sdk.addon import dicom_io
from ambra_sdk.addon.dicom import Dicom
from ambra_sdk.addon.multipart import DEFAULT_MULTIPART_THRESHOLD, MIN_PART_SIZE
from ambra_sdk.addon.upload_type import UploadType, multipart_threshold_for
from ambra_sdk.request_args import sentinel
from tests.helpers.dicoms import write_big_dicom

from .conftest import logged

PART = MIN_PART_SIZE
INITIATE = '/storage/multipart/initiate'


# the mapping onto multipart_threshold (pure) ------------------------------------------------


@pytest.mark.parametrize(('upload_type', 'threshold', 'default_type', 'expected'), [
    (None, sentinel, UploadType.AUTO, 1000),  # nothing given: the class attributes
    (None, sentinel, UploadType.PLAIN, None),
    (None, sentinel, UploadType.MULTIPART, 0),
    (None, 5, UploadType.PLAIN, 5),  # an explicit threshold keeps its meaning
    (None, None, UploadType.MULTIPART, None),  # None: one request, as before
    (UploadType.AUTO, 7, UploadType.PLAIN, 7),
    (UploadType.AUTO, sentinel, UploadType.PLAIN, 1000),
    ('plain', sentinel, UploadType.AUTO, None),
    ('multipart', sentinel, UploadType.AUTO, 0),
])
def test_multipart_threshold_for(upload_type, threshold, default_type, expected):
    assert multipart_threshold_for(upload_type, threshold, default_type, 1000) == expected


@pytest.mark.parametrize(('upload_type', 'threshold', 'message'), [
    ('fast', sentinel, 'upload_type must be an UploadType'),
    (UploadType.PLAIN, 10, 'applies to UploadType.AUTO only, not to UploadType.PLAIN'),
    (UploadType.MULTIPART, None, 'not to UploadType.MULTIPART'),
])
def test_contradicting_choices_are_refused(upload_type, threshold, message):
    with pytest.raises(ValueError, match=message):
        multipart_threshold_for(upload_type, threshold, UploadType.AUTO, 1000)


def test_class_attributes_hold_the_vendors_values():
    assert Dicom.UPLOAD_TYPE is UploadType.AUTO
    assert Dicom.MULTIPART_THRESHOLD == DEFAULT_MULTIPART_THRESHOLD
    assert UploadType('auto') is UploadType.AUTO and UploadType.PLAIN == 'plain'


# through the emulator ----------------------------------------------------------------------


def _upload(api, namespace_id, path, **kwargs):
    with open(path, 'rb') as dicom_file:
        return api.Addon.Dicom.upload(dicom_file=dicom_file, namespace_id=namespace_id, part_size=PART, **kwargs)


def _header(path):
    from pydicom import dcmread

    return dcmread(str(path), stop_before_pixels=True)


def test_class_upload_type_multipart_sends_even_a_small_file_in_chunks(
    api, namespace_id, make_dicoms, emulator, monkeypatch,
):
    monkeypatch.setattr(Dicom, 'UPLOAD_TYPE', UploadType.MULTIPART)
    path = make_dicoms(1)[0]
    emulator.requests_log.clear()
    params = _upload(api, namespace_id, path, wait=True, wait_timeout=30)
    assert len(logged(emulator, 'GET', INITIATE)) == 1
    assert not logged(emulator, 'POST', '/namespace/{0}/image'.format(namespace_id))
    assert params.study_uid == _header(path).StudyInstanceUID and params.image_uid == _header(path).SOPInstanceUID


def test_class_upload_type_plain_sends_a_big_file_in_one_request(api, namespace_id, tmp_path, emulator, monkeypatch):
    monkeypatch.setattr(Dicom, 'UPLOAD_TYPE', UploadType.PLAIN)
    monkeypatch.setattr(Dicom, 'MULTIPART_THRESHOLD', PART)
    path = write_big_dicom(tmp_path / 'big.dcm', 3 * PART)
    emulator.requests_log.clear()
    params = _upload(api, namespace_id, path)
    assert not logged(emulator, 'GET', INITIATE)
    assert params.image_uid  # stored when the call returns


def test_class_threshold_drives_auto_and_the_call_keywords_win(api, namespace_id, tmp_path, emulator, monkeypatch):
    monkeypatch.setattr(Dicom, 'MULTIPART_THRESHOLD', PART)
    path = write_big_dicom(tmp_path / 'big.dcm', 2 * PART)
    emulator.requests_log.clear()
    assert _upload(api, namespace_id, path).image_uid == ''  # chunked: stored after the answer
    assert len(logged(emulator, 'GET', INITIATE)) == 1
    emulator.requests_log.clear()
    assert _upload(api, namespace_id, path, multipart_threshold=None).image_uid  # keyword: one request
    assert _upload(api, namespace_id, path, upload_type=UploadType.PLAIN).image_uid
    assert not logged(emulator, 'GET', INITIATE)


def test_an_instance_attribute_changes_one_api_only(api, namespace_id, make_dicoms, emulator):
    api.Addon.Dicom.UPLOAD_TYPE = UploadType.MULTIPART
    assert Dicom.UPLOAD_TYPE is UploadType.AUTO
    emulator.requests_log.clear()
    _upload(api, namespace_id, make_dicoms(1)[0])
    assert len(logged(emulator, 'GET', INITIATE)) == 1


def test_study_uid_is_read_from_the_header_prefix_only(api, namespace_id, tmp_path, emulator, monkeypatch):
    path = write_big_dicom(tmp_path / 'big.dcm', 8 * PART)  # pixel data far beyond the 64 KiB prefix
    parsed = []
    real = dicom_io._parse_bytes
    monkeypatch.setattr(dicom_io, '_parse_bytes', lambda *args: parsed.append(real(*args)) or parsed[-1])
    emulator.requests_log.clear()
    params = _upload(api, namespace_id, path, upload_type='multipart')
    assert len(parsed) == 1 and parsed[0] is not None and 'PixelData' not in parsed[0]
    assert params.study_uid == _header(path).StudyInstanceUID
    complete = logged(emulator, 'POST', '/complete')
    assert len(complete) == 1 and complete[0].params.get('study_uid') == params.study_uid


def test_upload_from_path_takes_study_uid_and_the_upload_keywords(api, namespace_id, make_dicoms, emulator):
    path = make_dicoms(1)[0]
    study_uid = _header(path).StudyInstanceUID
    emulator.requests_log.clear()
    params = api.Addon.Dicom.upload_from_path(
        dicom_path=path, namespace_id=namespace_id, study_uid=study_uid, upload_type=UploadType.MULTIPART,
        part_size=PART,
    )
    assert params.study_uid == study_uid
    assert len(logged(emulator, 'GET', INITIATE)) == 1


def test_folder_uploads_follow_the_class_attributes(api, namespace_id, make_dicoms, emulator, monkeypatch):
    monkeypatch.setattr(Dicom, 'UPLOAD_TYPE', UploadType.MULTIPART)
    monkeypatch.setattr(Dicom, 'PART_SIZE', PART)
    paths = make_dicoms(3)
    emulator.requests_log.clear()
    result = api.Addon.Study.upload_paths(dicom_paths=paths, namespace_id=namespace_id)
    assert result.ok and len(result.uploaded) == 3
    assert len(logged(emulator, 'GET', INITIATE)) == 3
    assert not logged(emulator, 'POST', '/namespace/{0}/image'.format(namespace_id))


@pytest.mark.parametrize(('part_retries', 'ok'), [(2, True), (0, False)])
def test_a_failed_chunk_is_retried_as_part_retries_says(
    fast_api, namespace_id, tmp_path, emulator, monkeypatch, part_retries, ok,
):
    monkeypatch.setattr(Dicom, 'PART_RETRIES', part_retries)
    path = write_big_dicom(tmp_path / 'big.dcm', 2 * PART)
    emulator.faults.add('/storage/multipart/*', method='POST', status=400, times=2)  # refused as damaged, twice
    if ok:
        assert _upload(fast_api, namespace_id, path, upload_type=UploadType.MULTIPART).study_uid
    else:
        with pytest.raises(Exception) as caught:
            _upload(fast_api, namespace_id, path, upload_type=UploadType.MULTIPART)
        assert getattr(caught.value, 'code', None) == 400
