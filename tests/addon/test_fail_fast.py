"""Folder uploads and downloads stop on errors no retry can fix and name the files not done (issue 25.4)."""

from __future__ import annotations

import time

import pytest
import requests

from ambra_sdk.addon.exceptions import DownloadFailed, ImageMismatch, UploadFailed
from ambra_sdk.addon.pool import ErrorKind, StopSwitch, classify_error, is_permanent, is_transient
from ambra_sdk.emulator import Emulator
from ambra_sdk.emulator.trust import EmulatorApi
from ambra_sdk.exceptions import storage as storage_errors
from ambra_sdk.exceptions.base import AmbraResponseException
from ambra_sdk.exceptions.service_base import AuthorizationRequired

from .conftest import logged

UPLOAD_PATH = '/storage/namespace/*/image'
IMAGE_PATH = '/storage/study/*/*/image/*/version/*'
#: Upper bound of a stopped run over loopback: "seconds, not minutes" (about 0.6 s for 60 files
#: at a load of 12 on 2 cores; before the stop, 43 s: every file retried 3 times with back-off).
FAST = 15.0


# the classification (a pure function) ----------------------------------------------------


def _storage_error(cls, status):
    return cls(storage_code=None, description='x', http_status_code=status, readable_status=cls.readable_status)


@pytest.mark.parametrize(('error', 'kind'), [
    (requests.exceptions.SSLError('[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed'), ErrorKind.PERMANENT),
    (requests.exceptions.SSLError("hostname '127.0.0.1' doesn't match 'example.org'"), ErrorKind.PERMANENT),
    (requests.exceptions.SSLError('TLS handshake with h failed: the server speaks plain HTTP'), ErrorKind.PERMANENT),
    (requests.exceptions.SSLError('EOF occurred in violation of protocol'), ErrorKind.TRANSIENT),
    (requests.exceptions.ConnectionError('reset'), ErrorKind.TRANSIENT),
    (requests.exceptions.ReadTimeout('slow'), ErrorKind.TRANSIENT),
    (requests.exceptions.RetryError('exhausted'), ErrorKind.TRANSIENT),
    (AmbraResponseException(503, 'busy'), ErrorKind.TRANSIENT),
    (AmbraResponseException(401, 'who'), ErrorKind.PERMANENT),
    (AuthorizationRequired(), ErrorKind.PERMANENT),
    (AmbraResponseException(403, 'no'), ErrorKind.PERMANENT),
    (AmbraResponseException(404, 'no namespace'), ErrorKind.PERMANENT),
    (AmbraResponseException(400, 'bad file'), ErrorKind.ITEM),
    (AmbraResponseException(500, 'server'), ErrorKind.ITEM),
    (ValueError('engine_fqdn: bad host'), ErrorKind.PERMANENT),
    (TypeError('expected a path'), ErrorKind.PERMANENT),
    (ImageMismatch('wrong size'), ErrorKind.ITEM),
    (OSError('disk'), ErrorKind.ITEM),
    (KeyError('x'), ErrorKind.ITEM),
])
def test_classify_error(error, kind):
    assert classify_error(error) is kind
    assert is_transient(error) is (kind is ErrorKind.TRANSIENT)
    assert is_permanent(error) is (kind is ErrorKind.PERMANENT)


def test_a_404_about_one_object_concerns_that_item_only():
    assert classify_error(_storage_error(storage_errors.ImageNotFound, 404)) is ErrorKind.ITEM
    assert classify_error(_storage_error(storage_errors.SeriesNotFound, 404)) is ErrorKind.ITEM
    assert classify_error(_storage_error(storage_errors.NotFound, 404)) is ErrorKind.PERMANENT
    assert classify_error(_storage_error(storage_errors.AccessDenied, 403)) is ErrorKind.PERMANENT


def test_stop_switch_keeps_the_first_permanent_error():
    switch = StopSwitch()
    assert not switch.record(AmbraResponseException(500, 'item'))
    assert not switch.stopped
    first = AmbraResponseException(403, 'first')
    assert switch.record(first) and switch.record(AmbraResponseException(401, 'second'))
    assert switch.stopped and switch.stopped_by is first


# uploads ----------------------------------------------------------------------------------


class StorageDistrustingApi(EmulatorApi):
    """Trusts the emulator's CA for service calls only: storage calls fail TLS verification."""

    @property
    def storage_session(self) -> requests.Session:
        session = super(EmulatorApi, self).storage_session
        session.trust_env = False  # REQUESTS_CA_BUNDLE must not make it trust the CA
        return session


@pytest.fixture(scope='module')
def tls_emulator():
    with Emulator(tls=True) as emu:
        yield emu


def test_upload_dir_against_an_untrusted_tls_storage_stops_at_once(tls_emulator, make_dicoms, tmp_path):
    api = StorageDistrustingApi.with_creds(
        tls_emulator.url, tls_emulator.username, tls_emulator.password,
        storage_base_url=tls_emulator.storage_base_url,
    ).trust(tls_emulator.ca_file)
    api.rate_limits = None
    namespace_id = str(api.Session.user().get().namespace_id)  # the service trusts the CA
    paths = make_dicoms(60)
    start = time.monotonic()
    with pytest.raises(UploadFailed) as caught:
        api.Addon.Study.upload_dir(study_dir=tmp_path / 'study', namespace_id=namespace_id)
    elapsed = time.monotonic() - start
    result = caught.value.result
    assert elapsed < FAST, elapsed
    assert isinstance(result.stopped_by, requests.exceptions.SSLError)
    assert sorted(result.not_done) == sorted(paths)  # every file reported not done
    assert not result.uploaded and not result.ok
    assert len(result.failed) <= 2 * 4  # only the files already started (max_workers=4) were tried
    message = str(caught.value)
    assert 'Upload stopped: 60 of 60 files not done' in message
    assert str(result.not_done[0]) in message and 'CERTIFICATE_VERIFY_FAILED' in message


@pytest.mark.parametrize('status', [403, 404])
def test_upload_dir_stops_on_a_denied_or_missing_namespace(api, emulator, namespace_id, make_dicoms, tmp_path, status):
    paths = make_dicoms(40)
    emulator.faults.add(UPLOAD_PATH, status=status, times=None, method='POST')
    emulator.requests_log.clear()
    start = time.monotonic()
    with pytest.raises(UploadFailed) as caught:
        api.Addon.Study.upload_dir(study_dir=tmp_path / 'study', namespace_id=namespace_id)
    assert time.monotonic() - start < FAST
    result = caught.value.result
    assert result.stopped_by is not None and result.stopped_by.code == status
    assert sorted(result.not_done) == sorted(paths)
    sent = logged(emulator, 'POST', '/image')
    assert 1 <= len(sent) <= 2 * 4, len(sent)  # no retries, and no file started after the stop


def test_upload_files_reports_the_stop_without_raising(api, emulator, namespace_id, make_dicoms):
    paths = make_dicoms(12)
    emulator.faults.add(UPLOAD_PATH, status=403, times=None, method='POST')
    result = api.Addon.Study.upload_files(paths, namespace_id, max_workers=1)
    assert result.stopped_by is not None
    assert len(result.failed) == 1 and result.not_done == paths
    assert 'not_done=12' in repr(result) and 'stopped_by=' in repr(result)


def test_transient_errors_keep_their_retries(api, emulator, namespace_id, make_dicoms):
    paths = make_dicoms(3)
    emulator.faults.add(UPLOAD_PATH, status=503, times=3, method='POST')
    result = api.Addon.Study.upload_paths(dicom_paths=paths, namespace_id=namespace_id, max_workers=1)
    assert result.ok and len(result.uploaded) == 3 and result.stopped_by is None and result.not_done == []


def test_a_file_refused_alone_does_not_stop_the_others(api, emulator, namespace_id, make_dicoms):
    paths = make_dicoms(5)
    emulator.faults.add(UPLOAD_PATH, status=400, times=1, method='POST')
    result = api.Addon.Study.upload_files(paths, namespace_id, max_workers=1)
    assert result.stopped_by is None
    assert len(result.failed) == 1 and len(result.uploaded) == 4
    assert result.not_done == list(result.failed)


# downloads --------------------------------------------------------------------------------


def test_download_dir_stops_on_a_denied_namespace(api, emulator, namespace_id, make_dicoms, tmp_path):
    result = api.Addon.Study.upload_paths(dicom_paths=make_dicoms(12), namespace_id=namespace_id)
    study_uid = result.images_params[0].study_uid
    emulator.faults.add(IMAGE_PATH, status=403, times=None, method='GET')
    emulator.requests_log.clear()
    start = time.monotonic()
    with pytest.raises(DownloadFailed) as caught:
        api.Addon.Study.download_dir(
            study_uid=study_uid, namespace_id=namespace_id, dest_dir=tmp_path / 'out', max_workers=2,
        )
    assert time.monotonic() - start < FAST
    downloaded = caught.value.result
    assert downloaded.stopped_by is not None and downloaded.stopped_by.code == 403
    assert sorted(downloaded.not_done) == sorted(downloaded.expected.values())
    assert downloaded.paths == [] and not downloaded.ok
    assert 'Download stopped: 12 of 12 images not done' in str(caught.value)
    gets = [entry for entry in logged(emulator, 'GET', '/image/') if '/version/' in entry.path]
    assert 1 <= len(gets) <= 2 * 2


def test_download_zip_does_not_retry_a_missing_namespace(api, emulator, namespace_id, make_dicoms, tmp_path):
    result = api.Addon.Study.upload_paths(dicom_paths=make_dicoms(2), namespace_id=namespace_id)
    study_uid = result.images_params[0].study_uid
    emulator.faults.add('/storage/study/*/*/download', status=404, times=None)
    emulator.requests_log.clear()
    with pytest.raises(AmbraResponseException) as caught:
        api.Addon.Study.download_zip(study_uid=study_uid, namespace_id=namespace_id, dest_path=tmp_path / 's.zip')
    assert caught.value.code == 404
    assert len(logged(emulator, 'GET', '/download')) + len(logged(emulator, 'POST', '/download')) == 1


def test_a_sid_refused_after_the_one_relogin_stops_the_upload(api, emulator, namespace_id, make_dicoms):
    paths = make_dicoms(20)
    emulator.faults.add(UPLOAD_PATH, expire_sid=True, times=None, method='POST')
    emulator.requests_log.clear()
    start = time.monotonic()
    result = api.Addon.Study.upload_files(paths, namespace_id, max_workers=2)
    assert time.monotonic() - start < FAST
    assert result.stopped_by is not None and result.stopped_by.code in (401, 403)
    assert result.not_done == paths and not result.uploaded
    logins = logged(emulator, 'POST', '/session/login')
    assert 1 <= len(logins) <= 2 * 2  # the session logged in again (once per racing failure at most), then stopped
