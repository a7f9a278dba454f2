"""UIDs as DICOM defines them, and truncated files (issue 22 point 9): refused, nothing stored."""

from __future__ import annotations

import io
import json

import pydicom
import pytest

from ambra_sdk.emulator.storage.dicom_check import is_valid_uid, truncation
from ambra_sdk.exceptions.storage import ErrorOnReadingDicomTags, ValidationError
from tests.helpers.dicoms import dicom_bytes, save_file_format

from .conftest import assert_storage_error
from .test_multipart import complete, upload_chunks, wait_stored

# the test files are built with pydicom, which warns about the very UIDs the emulator must refuse
pytestmark = [
    pytest.mark.filterwarnings('ignore:Invalid value for VR UI:UserWarning'),
    pytest.mark.filterwarnings('ignore:The value length .* allowed for VR UI:UserWarning'),
]

#: 64 characters, the longest UID DICOM allows.
LONGEST = '1.2.' + '3' * 60


@pytest.mark.parametrize('uid', ['0', '1.2.3', '1.2.840.10008.1.2.1', '1.0.2', LONGEST])
def test_dicom_uids(uid):
    assert is_valid_uid(uid)


@pytest.mark.parametrize('uid', ['', '1.02.3', '01.2', '1..2', '1.2.', '.1', '1.2.a', '1.2.3 ', LONGEST + '3', '1-2'])
def test_not_dicom_uids(uid):
    assert not is_valid_uid(uid)


def _with(**tags: str) -> bytes:
    ds = pydicom.dcmread(io.BytesIO(dicom_bytes()))
    for keyword, value in tags.items():
        setattr(ds, keyword, value)
    if 'SOPInstanceUID' in tags:
        ds.file_meta.MediaStorageSOPInstanceUID = tags['SOPInstanceUID']
    out = io.BytesIO()
    save_file_format(ds, out)
    return out.getvalue()


def _nothing_stored(storage) -> None:
    """No file in storage's folders, no study in the service API."""
    assert [p for p in storage.index_files() if p.is_file()] == []
    listed = storage.session.post(
        f'http://{storage.emulator.engine_fqdn}/api/v3/study/list', data={'sid': storage.sid}, timeout=30,
    ).json()
    assert listed['studies'] == []


@pytest.mark.parametrize(
    ('keyword', 'uid'),
    [
        ('StudyInstanceUID', '1.2.03.4'),
        ('SeriesInstanceUID', '1.2.abc'),
        ('SOPInstanceUID', LONGEST + '4'),
    ],
)
def test_an_upload_with_a_uid_that_is_not_a_dicom_uid_is_refused_and_stores_nothing(storage, keyword, uid):
    response = storage.post(f'/namespace/{storage.namespace}/image', data=_with(**{keyword: uid}))
    body = assert_storage_error(response, 412, 'VALIDATION_ERROR')
    assert body['exception_data']['invalid_uids'] == {keyword: uid}
    _nothing_stored(storage)


def test_the_longest_dicom_uid_is_accepted(storage):
    response = storage.post(f'/namespace/{storage.namespace}/image', data=_with(StudyInstanceUID=LONGEST))
    assert response.status_code == 200, response.text
    assert response.json()['study_uid'] == LONGEST


def test_a_study_uid_parameter_that_is_not_a_dicom_uid_is_refused(storage):
    response = storage.post(
        f'/namespace/{storage.namespace}/image', data=dicom_bytes(), params={'study_uid': '1.2.3.study'},
    )
    body = assert_storage_error(response, 412, 'VALIDATION_ERROR')
    assert body['exception_data']['invalid_uids'] == {'study_uid': '1.2.3.study'}
    _nothing_stored(storage)


@pytest.mark.parametrize('cut', [1, 100, 10_000])
def test_a_truncated_dicom_file_is_refused_and_stores_nothing(storage, cut):
    data = dicom_bytes()
    response = storage.post(f'/namespace/{storage.namespace}/image', data=data[:-cut])
    body = assert_storage_error(response, 500, 'ERROR_ON_READING_DICOM_TAGS')
    assert body['exception_data']['reason'].startswith('Truncated DICOM file: the file ends inside (')
    _nothing_stored(storage)


def test_truncation_is_found_in_every_cut_of_the_pixel_data(tmp_path):
    data = dicom_bytes()
    path = tmp_path / 'cut.dcm'
    for cut in range(1, 30_000, 997):
        path.write_bytes(data[:-cut])
        assert truncation(str(path)) is not None, cut
    path.write_bytes(data)
    assert truncation(str(path)) is None


def test_wrap_with_a_tag_override_that_is_not_a_dicom_uid_is_refused(storage):
    tags = json.dumps({'StudyInstanceUID': '1.2.3.x'})
    response = storage.post(
        f'/namespace/{storage.namespace}/wrap', data={'tags': tags},
        files={'file': ('a.pdf', io.BytesIO(b'%PDF-1.4 tiny'), 'application/pdf')}, headers={'X-File-Size': '13'},
    )
    assert_storage_error(response, 412, 'VALIDATION_ERROR')
    _nothing_stored(storage)


def test_a_truncated_multipart_upload_fails_in_the_background_and_stores_nothing(storage):
    data = dicom_bytes()[:-500]
    upload_uuid = upload_chunks(storage, data, 4096)
    assert complete(storage, upload_uuid, len(data)).status_code == 202
    outcome = wait_stored(storage, upload_uuid)
    assert outcome['status'] == 'FAILED' and outcome['readable_status'] == 'ERROR_ON_READING_DICOM_TAGS'
    _nothing_stored(storage)


def test_the_sdk_maps_the_refusals(emulator):
    emulator.reset()
    api = emulator.api()
    with pytest.raises(ValidationError) as caught:
        api.Storage.Image.upload(emulator.engine_fqdn, emulator.namespace_id, io.BytesIO(
            _with(SOPInstanceUID='1.2.3.04')))
    assert caught.value.exception_data['invalid_uids'] == {'SOPInstanceUID': '1.2.3.04'}
    with pytest.raises(ErrorOnReadingDicomTags):
        api.Storage.Image.upload(emulator.engine_fqdn, emulator.namespace_id, io.BytesIO(dicom_bytes()[:-1]))
