"""Names, parameters and laziness of ``api.Addon`` (no server needed)."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

from ambra_sdk.addon.addon import Addon
from ambra_sdk.addon.dicom import Dicom
from ambra_sdk.addon.job import Job
from ambra_sdk.addon.study import Study
from ambra_sdk.api import Api


def params(func):
    return [name for name in inspect.signature(func).parameters if name != 'self']


def kinds(func):
    return {name: p.kind for name, p in inspect.signature(func).parameters.items() if name != 'self'}


def test_api_addon_is_lazy_and_cached():
    api = Api.with_sid('http://127.0.0.1:9/api/v3', 'sid')
    assert isinstance(api.Addon, Addon) and api.Addon is api.Addon
    assert isinstance(api.Addon.Study, Study) and isinstance(api.Addon.Job, Job)
    assert isinstance(api.Addon.Dicom, Dicom) and api.Addon.api is api


def test_import_is_cheap():
    code = (
        'import sys, ambra_sdk.api, ambra_sdk.addon.addon; '
        "print([m for m in ('pydicom', 'tqdm', 'aiohttp', 'werkzeug') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == '[]'


def test_reference_parameter_names():
    assert params(Study.upload_dir)[:2] == ['study_dir', 'namespace_id']
    assert params(Study.upload_paths)[:2] == ['dicom_paths', 'namespace_id']
    assert params(Study.upload_dir_and_get)[:4] == ['study_dir', 'namespace_id', 'timeout', 'ws_timeout']
    assert params(Study.upload_paths_and_get)[:4] == ['dicom_paths', 'namespace_id', 'timeout', 'ws_timeout']
    assert params(Study.wait) == ['study_uid', 'namespace_id', 'timeout', 'ws_timeout']
    assert params(Study.duplicate_and_get) == ['uuid', 'namespace_id', 'include_attachments', 'timeout', 'ws_timeout']
    assert params(Study.wait_job) == ['job_id', 'namespace_id', 'timeout', 'ws_timeout']
    assert params(Study.dicom) == [
        'namespace_id', 'study_uid', 'image_uid', 'image_version', 'engine_fqdn', 'pretranscode',
    ]
    assert params(Study.upload_dicom) == ['dicom_path', 'namespace_id', 'engine_fqdn']
    assert params(Study.upload) == ['study_dir', 'namespace_id']
    assert params(Study.upload_and_get) == ['study_dir', 'namespace_id', 'timeout', 'ws_timeout']
    assert params(Dicom.get) == [
        'namespace_id', 'study_uid', 'image_uid', 'image_version', 'engine_fqdn', 'pretranscode',
    ]
    assert params(Dicom.upload)[:3] == ['dicom_file', 'namespace_id', 'engine_fqdn']
    # additive, keyword-only, with defaults (docs/source/differences.rst)
    assert params(Dicom.upload)[3] == 'study_uid'  # the vendor SDK's keyword
    assert params(Dicom.upload)[4:] == [
        'multipart_threshold', 'part_size', 'part_retries', 'part_workers', 'wait', 'wait_timeout', 'upload_type',
        'progress',
    ]
    # the vendor SDK's study_uid, then the other keywords of upload
    assert params(Dicom.upload_from_path) == ['dicom_path', 'namespace_id', 'engine_fqdn', 'study_uid', 'upload_options']
    # the study uploaders: additive keywords with the names of Dicom.upload, after the existing ones
    multipart = ['multipart_threshold', 'part_size', 'part_workers']
    assert params(Study.upload_files) == [
        'dicom_paths', 'namespace_id', 'max_workers', 'retries', 'progress', 'skip_existing', *multipart,
    ]
    assert params(Study.upload_paths) == [
        'dicom_paths', 'namespace_id', 'max_workers', 'retries', 'progress', 'raise_on_error', 'skip_existing',
        *multipart,
    ]
    assert params(Study.upload_dir) == [
        'study_dir', 'namespace_id', 'pattern', 'max_workers', 'retries', 'progress', 'raise_on_error',
        'skip_existing', *multipart,
    ]
    assert set(multipart) <= set(params(Dicom.upload))
    assert params(Job.wait) == ['job_id', 'namespace_id', 'timeout', 'ws_timeout']
    assert params(Job.wait_completion) == ['method', 'timeout', 'ws_timeout', 'kwargs']


def test_keyword_only_where_the_reference_had_it():
    keyword = inspect.Parameter.KEYWORD_ONLY
    for func in (Study.upload_dir, Study.upload_paths, Study.upload_dir_and_get, Study.upload_paths_and_get,
                 Study.upload, Dicom.get, Dicom.upload, Dicom.upload_from_path, Job.wait):
        assert all(kind == keyword for kind in kinds(func).values() if kind != inspect.Parameter.VAR_KEYWORD)


def test_new_study_uploader_keywords_default_to_the_vendors_client():
    from ambra_sdk.addon.multipart import DEFAULT_MULTIPART_THRESHOLD, DEFAULT_PART_SIZE, DEFAULT_PART_WORKERS
    from ambra_sdk.addon.upload_type import UploadType
    from ambra_sdk.request_args import sentinel

    # not given (sentinel): the class attributes of Dicom decide, and they hold the vendor's values
    expected = {'multipart_threshold': sentinel, 'part_size': sentinel, 'part_workers': DEFAULT_PART_WORKERS}
    for func in (Study.upload_files, Study.upload_paths, Study.upload_dir, Dicom.upload):
        signature = inspect.signature(func).parameters
        assert {name: signature[name].default for name in expected} == expected
        assert all(signature[name].kind == inspect.Parameter.KEYWORD_ONLY for name in expected)
    assert (Dicom.UPLOAD_TYPE, Dicom.MULTIPART_THRESHOLD, Dicom.PART_SIZE) == (
        UploadType.AUTO, DEFAULT_MULTIPART_THRESHOLD, DEFAULT_PART_SIZE,
    )


def test_anonymize_helpers_take_storage_anonymize_parameters():
    from ambra_sdk.storage.study import Study as StorageStudy

    storage = params(StorageStudy.anonymize)
    assert params(Study.anonymize_and_wait) == storage + ['timeout', 'ws_timeout']
    assert params(Study.anonymize_and_get) == storage + ['timeout', 'ws_timeout']


@pytest.mark.parametrize('name', ['wait_job', 'dicom', 'upload_dicom', 'upload', 'upload_and_get'])
def test_deprecated_docstrings(name):
    assert '.. deprecated::' in getattr(Study, name).__doc__


def test_uploaded_image_params():
    from ambra_sdk.addon import UploadedImageParams

    assert UploadedImageParams._fields == ('study_uid', 'image_uid', 'image_version', 'namespace', 'attr')
