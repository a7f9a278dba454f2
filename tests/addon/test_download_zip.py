"""Study.download_zip: the vendor's ZIP bundle, checked, atomic, resumable (emulator)."""

from __future__ import annotations

import os
import zipfile

import pytest

from ambra_sdk.addon.exceptions import DestinationNotWritable

from .conftest import logged

DOWNLOAD = '/download'


@pytest.fixture
def uploaded(api, namespace_id, make_dicoms):
    result = api.Addon.Study.upload_paths(dicom_paths=make_dicoms(3), namespace_id=namespace_id)
    return result.images_params[0].study_uid


def _zip(api, namespace_id, study_uid, dest, **kwargs):
    return api.Addon.Study.download_zip(study_uid=study_uid, namespace_id=namespace_id, dest_path=dest, **kwargs)


def test_zip_holds_every_image_and_a_second_run_fetches_nothing(api, namespace_id, uploaded, tmp_path, emulator):
    dest = tmp_path / 'out' / 'study.zip'
    assert _zip(api, namespace_id, uploaded, str(dest)) == dest
    with zipfile.ZipFile(dest) as archive:
        assert sum(name.endswith('.dcm') for name in archive.namelist()) == 3
    emulator.requests_log.clear()
    _zip(api, namespace_id, uploaded, dest)
    assert not logged(emulator, 'GET', DOWNLOAD)
    _zip(api, namespace_id, uploaded, dest, overwrite=True)
    assert len(logged(emulator, 'GET', DOWNLOAD)) == 1
    assert os.listdir(dest.parent) == ['study.zip']


def test_a_broken_file_at_the_destination_is_replaced(api, namespace_id, uploaded, tmp_path):
    dest = tmp_path / 'study.zip'
    dest.write_bytes(b'PK not really a zip')
    _zip(api, namespace_id, uploaded, dest)
    assert zipfile.ZipFile(dest).testzip() is None


def test_truncated_and_dropped_bundles_are_retried(fast_api, namespace_id, uploaded, tmp_path, emulator):
    emulator.faults.add('/storage/study/*/download', truncate_body=True, times=1)
    emulator.faults.add('/storage/study/*/download', drop_connection=True, times=1)
    dest = tmp_path / 'zips' / 'study.zip'
    _zip(fast_api, namespace_id, uploaded, dest)
    assert zipfile.ZipFile(dest).testzip() is None
    assert [path.name for path in dest.parent.iterdir()] == ['study.zip']


def test_a_failure_leaves_nothing_under_the_final_name(fast_api, namespace_id, uploaded, tmp_path, emulator):
    emulator.faults.add('/storage/study/*/download', status=503, times=None)
    dest = tmp_path / 'zips' / 'study.zip'
    with pytest.raises(Exception) as error:
        _zip(fast_api, namespace_id, uploaded, dest, retries=1)
    assert getattr(error.value, 'code', None) == 503
    assert list(dest.parent.iterdir()) == []


def test_other_bundles_and_bad_input(api, namespace_id, uploaded, tmp_path):
    dest = _zip(api, namespace_id, uploaded, tmp_path / 'iso.zip', bundle='iso')
    assert zipfile.ZipFile(dest).testzip() is None
    with pytest.raises(ValueError, match='bundle must be one of dicom, iso, osx, win'):
        _zip(api, namespace_id, uploaded, tmp_path / 'x.zip', bundle='tar')
    blocker = tmp_path / 'file'
    blocker.write_text('x')
    with pytest.raises(DestinationNotWritable):
        _zip(api, namespace_id, uploaded, blocker / 'study.zip')
