"""Addon.Dicom and the deprecated Study methods (emulator)."""

from __future__ import annotations

import warnings

import pytest

from ambra_sdk.addon.params import UploadedImageParams

from .conftest import logged


def test_upload_from_path_and_get(api, namespace_id, make_dicoms):
    path = make_dicoms(1)[0]
    params = api.Addon.Dicom.upload_from_path(dicom_path=path, namespace_id=namespace_id)
    assert isinstance(params, UploadedImageParams) and params.namespace == namespace_id
    dataset = api.Addon.Dicom.get(
        namespace_id=namespace_id, study_uid=params.study_uid, image_uid=params.image_uid,
        image_version=params.image_version,
    )
    from pydicom import dcmread

    original = dcmread(str(path))
    assert dataset.SOPInstanceUID == params.image_uid == original.SOPInstanceUID
    assert dataset.PixelData == original.PixelData
    assert str(dataset.PatientName) == 'Doe^John'


def test_get_latest_version_by_default(api, namespace_id, make_dicoms):
    params = api.Addon.Dicom.upload_from_path(dicom_path=make_dicoms(1)[0], namespace_id=namespace_id)
    dataset = api.Addon.Dicom.get(namespace_id=namespace_id, study_uid=params.study_uid, image_uid=params.image_uid)
    assert dataset.SOPInstanceUID == params.image_uid


def test_upload_open_file_and_engine_cache(api, namespace_id, make_dicoms, emulator):
    paths = make_dicoms(3)
    emulator.requests_log.clear()
    for path in paths:
        with open(path, 'rb') as dicom_file:
            api.Addon.Dicom.upload(dicom_file=dicom_file, namespace_id=namespace_id)
    assert len(logged(emulator, 'POST', '/namespace/engine/fqdn')) == 1  # asked once, then cached
    with open(paths[0], 'rb') as dicom_file:
        params = api.Addon.Dicom.upload(
            dicom_file=dicom_file, namespace_id=namespace_id, engine_fqdn=emulator.engine_fqdn,
        )
    assert params.study_uid


def test_get_streams_through_a_temporary_file(api, namespace_id, make_dicoms, monkeypatch):
    """The payload goes to a temporary file (to_file) and pydicom reads that file."""
    params = api.Addon.Dicom.upload_from_path(dicom_path=make_dicoms(1)[0], namespace_id=namespace_id)
    seen = {}
    real = api.Storage.Image.dicom_payload

    def spy(*args, **kwargs):
        seen['to_file'] = kwargs.get('to_file')
        return real(*args, **kwargs)

    monkeypatch.setattr(api.Storage.Image, 'dicom_payload', spy)
    api.Addon.Dicom.get(
        namespace_id=namespace_id, study_uid=params.study_uid, image_uid=params.image_uid,
        image_version=params.image_version,
    )
    assert seen['to_file'] is not None and seen['to_file'].closed


def test_deprecated_methods_warn_and_delegate(api, namespace_id, make_dicoms):
    paths = make_dicoms(2)
    filters_before = list(warnings.filters)
    with pytest.warns(DeprecationWarning, match='api.Addon.Dicom.upload_from_path'):
        params = api.Addon.Study.upload_dicom(paths[0], namespace_id)
    with pytest.warns(DeprecationWarning, match='dicom-get'):
        dataset = api.Addon.Study.dicom(namespace_id, params.study_uid, params.image_uid, params.image_version)
    assert dataset.SOPInstanceUID == params.image_uid
    with pytest.warns(DeprecationWarning, match='study-upload-dir'):
        uuid, images = api.Addon.Study.upload(study_dir=paths[0].parent, namespace_id=namespace_id)
    assert len(images) == 2
    with pytest.warns(DeprecationWarning, match='study-upload-dir-and-get'):
        study = api.Addon.Study.upload_and_get(paths[0].parent, namespace_id, timeout=10)
    assert study.uuid == uuid
    with pytest.warns(DeprecationWarning, match='job-wait'), pytest.raises(TimeoutError):
        api.Addon.Study.wait_job('no-such-job', namespace_id, 0.1, 0.1)
    assert warnings.filters == filters_before


def test_deprecation_warning_points_at_the_caller(api, namespace_id):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        with pytest.raises(TimeoutError):
            api.Addon.Study.wait_job('x', namespace_id, 0.05)
    assert caught[0].filename == __file__


def test_upload_attr_is_a_lazy_box(api, namespace_id, make_dicoms):
    from box import Box

    from ambra_sdk.service.lazy_box import LazyBox

    params = api.Addon.Dicom.upload_from_path(dicom_path=make_dicoms(1)[0], namespace_id=namespace_id)
    assert isinstance(params.attr, LazyBox) and isinstance(params.attr, Box)
    assert params.attr.SOPInstanceUID == params.image_uid


def test_an_in_memory_file_is_sent_from_its_position_in_one_body(api, namespace_id, make_dicoms, emulator):
    # issue 26.4: the bytes of a BytesIO go as one body (not in 16 KiB reads); the wire is the same
    import io
    from pathlib import Path

    from ambra_sdk.addon.dicom import _body

    content = make_dicoms(1)[0].read_bytes()
    buffer = io.BytesIO(b'junk before' + content)
    buffer.seek(len(b'junk before'))
    params = api.Addon.Dicom.upload(dicom_file=buffer, namespace_id=namespace_id)
    assert buffer.tell() == len(buffer.getvalue())  # left at its end, as a file read to its end
    stored = emulator.state.image_version_paths(namespace_id, params.study_uid, params.image_uid)
    assert Path(stored[params.image_version]).read_bytes() == content
    with open(make_dicoms(1)[0], 'rb') as dicom_file:
        assert _body(dicom_file) is dicom_file  # a real file is streamed as before
