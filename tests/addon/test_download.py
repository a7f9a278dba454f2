"""Addon.Study.download_dir through the emulator: layout, checks, faults, resuming."""

from __future__ import annotations

import os

import pytest

from ambra_sdk.addon.exceptions import DestinationNotWritable, DownloadFailed

from .conftest import logged

IMAGE_PATH = '/storage/study/*/*/image/*/version/*'


@pytest.fixture
def uploaded(api, namespace_id, make_dicoms):
    """A study of 6 images uploaded from real DICOM files: (study_uid, {image_uid: source bytes})."""
    paths = make_dicoms(6)
    result = api.Addon.Study.upload_paths(dicom_paths=paths, namespace_id=namespace_id)
    sources = {params.image_uid: path.read_bytes() for path, params in result.uploaded.items()}
    return result.images_params[0].study_uid, sources


def _image_gets(emulator):
    return [e for e in logged(emulator, 'GET', '/image/') if '/version/' in e.path]


def test_download_dir_layout_and_content(api, namespace_id, uploaded, tmp_path):
    study_uid, sources = uploaded
    result = api.Addon.Study.download_dir(study_uid=study_uid, namespace_id=namespace_id, dest_dir=tmp_path / 'out')
    assert result.ok and len(result.downloaded) == 6 and not result.skipped
    assert result.directory == tmp_path / 'out' / study_uid
    for image_uid, path in result.downloaded.items():
        assert path.parent.parent == result.directory  # study/series/instance.dcm
        assert path.name == image_uid + '.dcm'
        assert path.read_bytes() == sources[image_uid]
    leftovers = [name for _, _, names in os.walk(tmp_path / 'out') for name in names if name.endswith('.part')]
    assert leftovers == []
    assert sorted(result.paths) == sorted(result.downloaded.values())


def test_second_run_fetches_only_what_is_missing(api, namespace_id, uploaded, tmp_path, emulator):
    study_uid, sources = uploaded
    first = api.Addon.Study.download_dir(study_uid=study_uid, namespace_id=namespace_id, dest_dir=tmp_path)
    gone, damaged = list(first.downloaded.values())[:2]
    gone.unlink()
    damaged.write_bytes(damaged.read_bytes()[:100])  # a file cut short by hand: wrong size
    emulator.requests_log.clear()
    second = api.Addon.Study.download_dir(study_uid=study_uid, namespace_id=namespace_id, dest_dir=tmp_path)
    assert sorted(second.downloaded.values()) == sorted([gone, damaged])
    assert len(second.skipped) == 4 and all(s.reason == 'already downloaded' for s in second.skipped)
    assert len(_image_gets(emulator)) == 2
    for image_uid, path in second.expected.items():
        assert path.read_bytes() == sources[image_uid]
    emulator.requests_log.clear()
    third = api.Addon.Study.download_dir(study_uid=study_uid, namespace_id=namespace_id, dest_dir=tmp_path)
    assert third.ok and not third.downloaded and _image_gets(emulator) == []


def test_faults_are_retried(fast_api, namespace_id, uploaded, tmp_path, emulator):
    study_uid, sources = uploaded
    emulator.faults.add(IMAGE_PATH, status=503, times=3, method='GET')
    emulator.faults.add(IMAGE_PATH, drop_connection=True, times=3, method='GET')
    result = fast_api.Addon.Study.download_dir(
        study_uid=study_uid, namespace_id=namespace_id, dest_dir=tmp_path, max_workers=3,
    )
    assert result.ok and len(result.downloaded) == 6
    for image_uid, path in result.downloaded.items():
        assert path.read_bytes() == sources[image_uid]


def test_truncated_bodies_are_retried(fast_api, namespace_id, uploaded, tmp_path, emulator):
    study_uid, sources = uploaded
    emulator.faults.add(IMAGE_PATH, truncate_body=True, times=3, method='GET')
    result = fast_api.Addon.Study.download_dir(study_uid=study_uid, namespace_id=namespace_id, dest_dir=tmp_path)
    assert result.ok
    for image_uid, path in result.downloaded.items():
        assert path.read_bytes() == sources[image_uid]


def test_failed_images_are_reported_then_resumed(fast_api, namespace_id, uploaded, tmp_path, emulator):
    study_uid, sources = uploaded
    per_attempt = 1 + fast_api.storage_retry_params['status']  # the session retries 503 itself first
    emulator.faults.add(IMAGE_PATH, status=503, times=2 * per_attempt, method='GET')
    seen = []
    with pytest.raises(DownloadFailed) as caught:
        fast_api.Addon.Study.download_dir(
            study_uid=study_uid, namespace_id=namespace_id, dest_dir=tmp_path, max_workers=1, retries=1,
            progress=lambda done, total: seen.append((done, total)),
        )
    result = caught.value.result
    assert len(result.failed) == 1 and len(result.downloaded) == 5 and not result.ok
    (failed_uid,) = result.failed
    assert not result.expected[failed_uid].exists()
    assert seen[-1] == (6, 6)
    again = fast_api.Addon.Study.download_dir(study_uid=study_uid, namespace_id=namespace_id, dest_dir=tmp_path)
    assert list(again.downloaded) == [failed_uid] and again.ok
    assert again.expected[failed_uid].read_bytes() == sources[failed_uid]


def test_raise_on_error_false_returns_the_result(fast_api, namespace_id, uploaded, tmp_path, emulator):
    study_uid, _ = uploaded
    emulator.faults.add(IMAGE_PATH, status=503, times=None, method='GET')
    result = fast_api.Addon.Study.download_dir(
        study_uid=study_uid, namespace_id=namespace_id, dest_dir=tmp_path, retries=0, raise_on_error=False,
    )
    assert len(result.failed) == 6 and not result.downloaded


def test_destination_that_cannot_be_written(api, namespace_id, uploaded, tmp_path):
    study_uid, _ = uploaded
    blocker = tmp_path / 'a_file'
    blocker.write_text('x')
    with pytest.raises(DestinationNotWritable, match='Cannot write') as caught:
        api.Addon.Study.download_dir(study_uid=study_uid, namespace_id=namespace_id, dest_dir=blocker / 'sub')
    assert isinstance(caught.value, OSError)


@pytest.mark.skipif(os.name != 'posix' or os.geteuid() == 0, reason='root can write anywhere')
def test_read_only_destination(api, namespace_id, uploaded, tmp_path):
    study_uid, _ = uploaded
    locked = tmp_path / 'locked'
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(DestinationNotWritable):
            api.Addon.Study.download_dir(study_uid=study_uid, namespace_id=namespace_id, dest_dir=locked)
    finally:
        locked.chmod(0o700)


def test_progress_bar(api, namespace_id, uploaded, tmp_path, capsys):
    pytest.importorskip('tqdm')
    study_uid, _ = uploaded
    api.Addon.Study.download_dir(study_uid=study_uid, namespace_id=namespace_id, dest_dir=tmp_path, progress=True)
    assert '6/6' in capsys.readouterr().err


def test_verification_rejects_a_wrong_file(api, namespace_id, uploaded, tmp_path, monkeypatch):
    """A storage answer that is not the announced instance is never kept under its name."""
    study_uid, _ = uploaded
    from ambra_sdk.addon import download as download_module

    real = download_module.read_header

    def wrong_uid(path):
        header = real(path)
        header.SOPInstanceUID = '1.2.3.4'
        return header

    monkeypatch.setattr(download_module, 'read_header', wrong_uid)
    result = api.Addon.Study.download_dir(
        study_uid=study_uid, namespace_id=namespace_id, dest_dir=tmp_path, raise_on_error=False,
    )
    assert len(result.failed) == 6 and 'SOP Instance UID 1.2.3.4' in str(next(iter(result.failed.values())))
    assert not any(path.exists() for path in result.expected.values())
    monkeypatch.undo()
    ok = api.Addon.Study.download_dir(study_uid=study_uid, namespace_id=namespace_id, dest_dir=tmp_path, verify=False)
    assert ok.ok


def test_unknown_study(api, namespace_id, tmp_path):
    from ambra_sdk.exceptions.storage import StorageResponseException

    with pytest.raises(StorageResponseException):
        api.Addon.Study.download_dir(study_uid='1.2.3.999', namespace_id=namespace_id, dest_dir=tmp_path)
