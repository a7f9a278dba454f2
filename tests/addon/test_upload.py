"""Addon.Study uploads through the emulator: shapes, bad input, faults, resuming."""

from __future__ import annotations

from pathlib import Path

import pytest

from ambra_sdk.addon.exceptions import NoDicomFiles, NotADirectory, UploadFailed
from ambra_sdk.addon.params import UploadedImageParams
from ambra_sdk.addon.results import UploadResult
from ambra_sdk.exceptions.base import AmbraException

from .conftest import logged, stored_images

UPLOAD_PATH = '/storage/namespace/*/image'


def test_upload_dir_keeps_the_reference_shape(api, namespace_id, make_dicoms, emulator):
    paths = make_dicoms(4)
    result = api.Addon.Study.upload_dir(study_dir=paths[0].parent, namespace_id=namespace_id)
    study_uuid, images_params = result
    assert isinstance(result, UploadResult) and isinstance(result, tuple) and len(result) == 2
    assert study_uuid == result.study_uuid
    assert len(images_params) == 4 and all(isinstance(p, UploadedImageParams) for p in images_params)
    assert [p.image_uid for p in images_params] == [p.image_uid for p in result.uploaded.values()]
    assert list(result.uploaded) == paths  # input order, whatever the completion order
    assert result.skipped == [] and result.failed == {} and result.ok
    study = api.Study.get(uuid=study_uuid).get()
    assert study.phantom == 0 and study.image_count == 4  # /study/sync ran
    assert len(stored_images(emulator, namespace_id, images_params[0].study_uid)) == 4


@pytest.mark.parametrize('shape', ['list', 'tuple', 'generator', 'iterator', 'strings'])
def test_upload_paths_accepts_any_iterable(api, namespace_id, make_dicoms, shape):
    paths = make_dicoms(3)
    given = {
        'list': list(paths),
        'tuple': tuple(paths),
        'generator': (p for p in paths),
        'iterator': iter(paths),
        'strings': [str(p) for p in paths],
    }[shape]
    _, images_params = api.Addon.Study.upload_paths(dicom_paths=given, namespace_id=namespace_id)
    assert len(images_params) == 3


def test_upload_paths_accepts_a_single_path(api, namespace_id, make_dicoms):
    paths = make_dicoms(1)
    result = api.Addon.Study.upload_paths(dicom_paths=paths[0], namespace_id=namespace_id)
    assert len(result.images_params) == 1


def test_patient_name_is_sent_as_text(api, namespace_id, make_dicoms, emulator):
    paths = make_dicoms(1, patient_name='Doe^Jane')
    emulator.requests_log.clear()
    api.Addon.Study.upload_paths(dicom_paths=paths, namespace_id=namespace_id)
    (add,) = logged(emulator, 'POST', '/study/add')
    assert add.form['patient_name'] == 'Doe^Jane'
    assert add.form['storage_namespace'] == namespace_id == add.form['phi_namespace']


def test_non_dicom_files_are_skipped_with_reasons(api, namespace_id, make_dicoms, tmp_path):
    folder = tmp_path / 'mixed'
    (folder / 'sub').mkdir(parents=True)
    (folder / 'a_notes.dcm').write_text('not a dicom file')  # sorts first: the study comes from a later file
    (folder / 'empty.dcm').write_bytes(b'')
    (folder / 'dir.dcm').mkdir()
    good = make_dicoms(2, folder=folder / 'sub')
    result = api.Addon.Study.upload_dir(study_dir=folder, namespace_id=namespace_id)
    assert list(result.uploaded) == good
    reasons = {skip.path.name: skip.reason for skip in result.skipped}
    assert set(reasons) == {'a_notes.dcm', 'empty.dcm', 'dir.dcm'}
    assert 'not a DICOM' in reasons['a_notes.dcm']
    assert reasons['dir.dcm'] == 'is a directory'


def test_missing_and_unreadable_paths_are_skipped(api, namespace_id, make_dicoms, tmp_path, monkeypatch):
    good = make_dicoms(3)
    from ambra_sdk.addon import upload as upload_module

    real = upload_module.read_header_and_content

    def read_header_and_content(path):
        if path == good[1]:
            raise PermissionError(13, 'Permission denied')
        return real(path)

    monkeypatch.setattr(upload_module, 'read_header_and_content', read_header_and_content)
    missing = tmp_path / 'nowhere' / 'missing.dcm'
    result = api.Addon.Study.upload_paths(dicom_paths=[good[0], missing, good[1], good[2]], namespace_id=namespace_id)
    assert list(result.uploaded) == [good[0], good[2]]
    assert [(s.path, s.reason) for s in result.skipped] == [
        (missing, 'does not exist'),
        (good[1], 'unreadable: Permission denied'),
    ]


def test_duplicate_sop_instance_uids_are_uploaded_once(api, namespace_id, make_dicoms, tmp_path, emulator):
    paths = make_dicoms(2)
    copy = tmp_path / 'copy.dcm'
    copy.write_bytes(paths[0].read_bytes())
    result = api.Addon.Study.upload_paths(dicom_paths=[paths[0], paths[1], copy, paths[1]], namespace_id=namespace_id)
    assert len(result.uploaded) == 2
    assert sorted(s.path.name for s in result.skipped) == ['copy.dcm', paths[1].name]
    assert all(s.reason.startswith('duplicate') for s in result.skipped)
    assert len(stored_images(emulator, namespace_id, result.images_params[0].study_uid)) == 2


def test_folder_without_dicom_files(api, namespace_id, tmp_path):
    folder = tmp_path / 'nothing'
    folder.mkdir()
    (folder / 'readme.dcm').write_text('hello')
    with pytest.raises(NoDicomFiles) as caught:
        api.Addon.Study.upload_dir(study_dir=folder, namespace_id=namespace_id)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, AmbraException)
    assert caught.value.result.skipped[0].path.name == 'readme.dcm'
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(NoDicomFiles, match='empty'):
        api.Addon.Study.upload_dir(study_dir=empty, namespace_id=namespace_id)
    with pytest.raises(NoDicomFiles, match='Dicoms iterator is empty'):
        api.Addon.Study.upload_paths(dicom_paths=[], namespace_id=namespace_id)


def test_study_dir_that_does_not_exist(api, namespace_id, tmp_path, make_dicoms):
    with pytest.raises(NotADirectory, match='does not exist') as caught:
        api.Addon.Study.upload_dir(study_dir=tmp_path / 'nope', namespace_id=namespace_id)
    assert isinstance(caught.value, ValueError)
    a_file = make_dicoms(1)[0]
    with pytest.raises(NotADirectory, match='is not a directory'):
        api.Addon.Study.upload_dir(study_dir=a_file, namespace_id=namespace_id)


def test_bad_arguments(api, namespace_id, make_dicoms):
    paths = make_dicoms(1)
    with pytest.raises(ValueError, match='max_workers'):
        api.Addon.Study.upload_paths(dicom_paths=paths, namespace_id=namespace_id, max_workers=0)
    with pytest.raises(TypeError, match='iterable of paths'):
        api.Addon.Study.upload_paths(dicom_paths=42, namespace_id=namespace_id)
    with pytest.raises(TypeError, match='progress'):
        api.Addon.Study.upload_paths(dicom_paths=paths, namespace_id=namespace_id, progress='yes')


def test_transient_503_and_dropped_connections_are_retried(fast_api, namespace_id, make_dicoms, emulator):
    paths = make_dicoms(6)
    emulator.faults.add(UPLOAD_PATH, status=503, times=4)
    emulator.faults.add(UPLOAD_PATH, drop_connection=True, times=4)
    result = fast_api.Addon.Study.upload_dir(study_dir=paths[0].parent, namespace_id=namespace_id, max_workers=3)
    assert len(result.uploaded) == 6 and not result.failed
    images = stored_images(emulator, namespace_id, result.images_params[0].study_uid)
    assert len(images) == 6
    assert len({image['image_uid'] for image in images}) == 6


def test_lost_answers_never_store_an_image_twice(fast_api, namespace_id, make_dicoms, emulator):
    """The server stores the file but the answer is cut: the retry replaces the same image."""
    paths = make_dicoms(4)
    emulator.faults.add(UPLOAD_PATH, truncate_body=True, times=3)
    emulator.requests_log.clear()
    result = fast_api.Addon.Study.upload_paths(dicom_paths=paths, namespace_id=namespace_id, max_workers=2)
    assert len(result.uploaded) == 4 and not result.failed
    uploads = list(logged(emulator, 'POST', '/storage/namespace/'))
    assert len(uploads) == 4 + 3  # three files were sent twice
    images = stored_images(emulator, namespace_id, result.images_params[0].study_uid)
    assert sorted(image['image_uid'] for image in images) == sorted(p.image_uid for p in result.images_params)


def test_persistent_failure_is_reported_and_the_rest_uploaded(fast_api, namespace_id, make_dicoms, emulator):
    paths = make_dicoms(5)
    fast_api.storage_retry_params['status'] = 0
    fast_api.storage_retry_params['total'] = 0
    seen = []
    emulator.faults.add(UPLOAD_PATH, status=500, times=2)  # 500 is not transient: no retry
    result = fast_api.Addon.Study.upload_paths(
        dicom_paths=paths, namespace_id=namespace_id, max_workers=1, retries=1,
        progress=lambda done, total: seen.append((done, total)), raise_on_error=False,
    )
    assert list(result.failed) == paths[:2]
    assert list(result.uploaded) == paths[2:]
    assert seen[-1] == (5, 5) and len(seen) == 5
    with pytest.raises(UploadFailed) as caught:
        emulator.faults.add(UPLOAD_PATH, status=500, times=1)
        fast_api.Addon.Study.upload_paths(dicom_paths=paths, namespace_id=namespace_id, max_workers=1, retries=1)
    assert list(caught.value.result.failed) == paths[:1]
    assert '1 of 5 files failed' in str(caught.value)


def test_exhausted_retries_on_503(fast_api, namespace_id, make_dicoms, emulator):
    paths = make_dicoms(3)
    fast_api.storage_retry_params.update(total=0, status=0, connect=0, read=0)
    emulator.faults.add(UPLOAD_PATH, status=503, times=3, method='POST')
    result = fast_api.Addon.Study.upload_files(paths, namespace_id, max_workers=1, retries=2)
    assert list(result.failed) == [paths[0]] and len(result.uploaded) == 2  # 1 + 2 retries used up
    emulator.faults.add(UPLOAD_PATH, status=503, times=2, method='POST')
    again = fast_api.Addon.Study.upload_files(paths, namespace_id, max_workers=1, retries=2)
    assert not again.failed and len(again.uploaded) == 3


def test_second_run_resumes_into_the_same_study(api, namespace_id, make_dicoms, emulator):
    paths = make_dicoms(5)
    first = api.Addon.Study.upload_paths(dicom_paths=paths[:2], namespace_id=namespace_id)
    second = api.Addon.Study.upload_dir(study_dir=paths[0].parent, namespace_id=namespace_id)
    assert second.study_uuid == first.study_uuid  # /study/add said ALREADY_EXISTS: the study is reused
    study_uid = second.images_params[0].study_uid
    images = stored_images(emulator, namespace_id, study_uid)
    assert len(images) == 5  # the two first images were replaced, not added
    assert api.Study.get(uuid=second.study_uuid).get().image_count == 5


def test_progress_bar_with_tqdm(api, namespace_id, make_dicoms, capsys):
    pytest.importorskip('tqdm')
    paths = make_dicoms(3)
    api.Addon.Study.upload_paths(dicom_paths=paths, namespace_id=namespace_id, progress=True)
    assert '3/3' in capsys.readouterr().err


def test_upload_dir_and_get_returns_the_ready_study(api, namespace_id, make_dicoms):
    paths = make_dicoms(2)
    study = api.Addon.Study.upload_dir_and_get(study_dir=paths[0].parent, namespace_id=namespace_id, timeout=10)
    assert study.phantom == 0 and study.image_count == 2
    study = api.Addon.Study.upload_paths_and_get(dicom_paths=paths, namespace_id=namespace_id, timeout=10)
    assert study.image_count == 2


def test_and_get_on_several_studies_returns_the_first_with_a_warning(api, namespace_id, make_dicoms, tmp_path,
                                                                     caplog):
    import logging

    from pydicom.uid import generate_uid

    folder = tmp_path / 'mixed'
    first_uid, second_uid, third_uid = generate_uid(), generate_uid(), generate_uid()
    make_dicoms(2, folder=folder, study_uid=first_uid, prefix='a')
    make_dicoms(1, folder=folder, study_uid=second_uid, prefix='b')
    make_dicoms(1, folder=folder, study_uid=third_uid, prefix='c')
    with caplog.at_level(logging.WARNING, logger='ambra_sdk.addon.study'):
        study = api.Addon.Study.upload_dir_and_get(study_dir=folder, namespace_id=namespace_id, timeout=10)
    assert study.study_uid == first_uid and study.image_count == 2  # the reference's answer: the first file's
    warnings = [record.getMessage() for record in caplog.records if record.name == 'ambra_sdk.addon.study']
    assert len(warnings) == 1 and warnings[0].startswith('The files uploaded belong to 3 studies; only the study '
                                                         'of the first file is waited for and returned.')
    assert not any(uid in warnings[0] for uid in (first_uid, second_uid, third_uid))  # a count, no UID
    # the documented way to every study (docs/source/addon.rst)
    result = api.Addon.Study.upload_dir(study_dir=folder, namespace_id=namespace_id)
    studies = [api.Addon.Study.wait(uid, namespace_id, timeout=10)
               for uid in dict.fromkeys(params.study_uid for params in result.images_params)]
    assert [(each.study_uid, each.image_count) for each in studies] == [(first_uid, 2), (second_uid, 1),
                                                                        (third_uid, 1)]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger='ambra_sdk.addon.study'):
        api.Addon.Study.upload_paths_and_get(dicom_paths=sorted(folder.glob('a*.dcm')), namespace_id=namespace_id,
                                             timeout=10)
    assert not [record for record in caplog.records if record.name == 'ambra_sdk.addon.study']  # one study: quiet


def test_the_and_get_study_is_synced_against_storage_before_processing(api, namespace_id, make_dicoms, emulator):
    # /study/sync "syncs the study against the storage data": storage has the files at once, so the
    # study the *_and_get helpers return carries what they hold even while processing is pending.
    from tests.helpers.processing import processing_delay

    paths = make_dicoms(2)
    with processing_delay(emulator, 5):
        study = api.Addon.Study.upload_paths_and_get(dicom_paths=paths, namespace_id=namespace_id, timeout=10)
        assert emulator.state.processing.pending >= 1  # the processing step has not run
    assert (study.phantom, study.image_count) == (0, 2)
    assert study.modality and study.size > 0, study


def test_custom_pattern(api, namespace_id, make_dicoms, tmp_path):
    folder = tmp_path / 'noext'
    for path in make_dicoms(2, folder=folder):
        path.rename(path.with_suffix(''))
    with pytest.raises(NoDicomFiles):
        api.Addon.Study.upload_dir(study_dir=folder, namespace_id=namespace_id)
    result = api.Addon.Study.upload_dir(study_dir=folder, namespace_id=namespace_id, pattern='**/*')
    assert len(result.uploaded) == 2


def test_result_repr_and_path_types(api, namespace_id, make_dicoms):
    paths = make_dicoms(1)
    result = api.Addon.Study.upload_dir(study_dir=str(paths[0].parent), namespace_id=namespace_id)
    assert 'uploaded=1' in repr(result)
    assert isinstance(next(iter(result.uploaded)), Path)


def test_study_add_errors_other_than_already_exists_propagate(api, namespace_id, make_dicoms):
    from ambra_sdk.exceptions.service_base import PreconditionFailed

    with pytest.raises(PreconditionFailed) as caught:
        api.Addon.Study.upload_paths(dicom_paths=make_dicoms(1), namespace_id='no-such-namespace')
    assert caught.value.error_type == 'NAMESPACE_NOT_FOUND'


def test_skip_existing_sends_only_the_missing_files(api, namespace_id, make_dicoms, emulator):
    """A resumed upload: the study exists with some images; only the others are sent."""
    paths = make_dicoms(6)
    first = api.Addon.Study.upload_paths(dicom_paths=paths[:3], namespace_id=namespace_id)
    emulator.requests_log.clear()
    second = api.Addon.Study.upload_paths(dicom_paths=paths, namespace_id=namespace_id, skip_existing=True)
    assert second.study_uuid == first.study_uuid and second.study_uid == first.study_uid
    assert list(second.uploaded) == paths[3:]
    assert [(s.path, s.reason) for s in second.skipped] == [(p, 'already in the study') for p in paths[:3]]
    assert len(logged(emulator, 'POST', '/storage/namespace/')) == 3
    assert len(stored_images(emulator, namespace_id, first.study_uid)) == 6
    third = api.Addon.Study.upload_dir_and_get(
        study_dir=paths[0].parent, namespace_id=namespace_id, skip_existing=True, timeout=10,
    )
    assert third.uuid == first.study_uuid and third.image_count == 6  # nothing sent, still waited for


def test_expired_sid_during_the_upload(api, namespace_id, make_dicoms, emulator):
    paths = make_dicoms(5)
    emulator.faults.add(UPLOAD_PATH, expire_sid=True, times=1)
    result = api.Addon.Study.upload_paths(dicom_paths=paths, namespace_id=namespace_id, max_workers=3)
    assert len(result.uploaded) == 5 and not result.failed
    assert len(stored_images(emulator, namespace_id, result.study_uid)) == 5


def test_a_small_file_is_read_once_and_sent_as_read(api, namespace_id, make_dicoms, emulator, monkeypatch):
    # issue 26.4: a file shorter than the probe's prefix is sent from the bytes the
    # probe read; a larger file is opened again for its upload, as before
    from pydicom import dcmread
    from pydicom.uid import generate_uid

    from ambra_sdk.addon import dicom_io

    small = make_dicoms(3)
    large = small[0].parent / 'large.dcm'
    dataset = dcmread(str(small[0]))
    dataset.SOPInstanceUID = generate_uid()
    dataset.PixelData = dataset.PixelData * 4
    dataset.save_as(str(large))
    assert max(p.stat().st_size for p in small) < dicom_io.HEADER_PREFIX < large.stat().st_size
    reopened = []
    real_open = Path.open
    monkeypatch.setattr(Path, 'open', lambda self, *a, **k: reopened.append(self.name) or real_open(self, *a, **k))
    paths = [*small, large]
    result = api.Addon.Study.upload_paths(dicom_paths=paths, namespace_id=namespace_id, max_workers=2)
    assert list(result.uploaded) == paths
    assert [name for name in reopened if name.endswith('.dcm')] == ['large.dcm']  # the first file's too
    for path, params in result.uploaded.items():
        stored = emulator.state.image_version_paths(namespace_id, params.study_uid, params.image_uid)
        assert Path(stored[params.image_version]).read_bytes() == path.read_bytes()
