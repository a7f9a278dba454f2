"""Secrets and PHI: the guard works, and a full session at DEBUG leaks nothing.

Every test of this folder runs under ``tests.helpers.secret_guard`` (root
logger at DEBUG, every record and SDK/requests exception checked).
"""

import logging

import pytest
import requests

from ambra_sdk.api import Api
from ambra_sdk.exceptions.base import AmbraException
from tests.helpers import secret_guard
from tests.helpers.servers import SilentServer
from tests.reliability.conftest import PATIENT_ID, PATIENT_NAME


def test_guard_sees_a_secret_in_a_record_and_in_an_exception():
    from ambra_sdk.redact import register_secret

    register_secret('sid-guard-self-test-0001')
    handler = secret_guard.LeakHandler()
    logger = logging.Logger('guard-self-test')  # not attached to root: the autouse guard stays clean
    logger.addHandler(handler)
    logger.debug('url ?x=1&y=%s', 'sid-guard-self-test-0001')
    logger.debug('patient %s', PATIENT_NAME)
    logger.debug('nothing here')
    assert len(handler.leaks) == 2
    assert 'sid-guard-self-test-0001' not in ''.join(handler.leaks)

    recorder = secret_guard.ExceptionRecorder()
    recorder.install()
    caught = []
    try:
        for error in (AmbraException('sid-guard-self-test-0001'), requests.RequestException('nothing')):
            try:
                raise error
            except Exception as reached:  # noqa: BLE001 - caught in test code: it reached the caller
                caught.append(reached)
        AmbraException('sid-guard-self-test-0001')  # never raised: not checked
    finally:
        recorder.uninstall()
    assert [type(error) for error in recorder.created] == [AmbraException, requests.RequestException,
                                                           AmbraException]
    assert len(recorder.leaks()) == 2  # str and repr of the first one
    caught[0].args = ('scrubbed',)  # the suite's own guard checks it again at teardown
    del caught
    assert secret_guard.find_leaks('Reliab^Patient') == ['patient value']


def test_reprs_hold_no_secret(rapi, fresh, namespace_id, make_dicoms):
    (path,) = make_dicoms(1)
    prepared = rapi.Storage.Image.upload(fresh.engine_fqdn, namespace_id, str(path), only_prepare=True)
    prepared.execute()
    secret_guard.assert_clean(
        rapi, rapi._creds, prepared, rapi.service_session, rapi.storage_session,
        rapi.service_session.default_adapter.max_retries, rapi.service_session.write_adapter.max_retries,
    )


def test_full_session_at_debug_leaks_nothing(rapi, fresh, namespace_id, make_dicoms, tmp_path):
    """Login, PHI writes, storage upload/read/download, errors, re-login: the guard checks every record."""
    (path,) = make_dicoms(1)
    upload = rapi.Storage.Image.upload(fresh.engine_fqdn, namespace_id, str(path))
    rapi.Addon.Study.wait(upload.study_uid, namespace_id, timeout=30)  # processed, as on the real server
    study = rapi.Study.get(study_uid=upload.study_uid, storage_namespace=namespace_id).get()
    rapi.Study.set(uuid=study.uuid, patient_name=PATIENT_NAME, patientid=PATIENT_ID, patient_birth_date='19700101').get()
    assert rapi.Study.get(uuid=study.uuid).get().patient_name == PATIENT_NAME
    rapi.Storage.Study.schema(fresh.engine_fqdn, namespace_id, upload.study_uid)
    rapi.Storage.Study.phi(fresh.engine_fqdn, namespace_id, upload.study_uid)
    rapi.Storage.Study.download(fresh.engine_fqdn, namespace_id, upload.study_uid, bundle='dicom',
                                to_path=str(tmp_path / 'study.zip'))
    with pytest.raises(AmbraException):
        rapi.Storage.Study.schema(fresh.engine_fqdn, namespace_id, '9.9.9.9')
    with pytest.raises(AmbraException):
        rapi.Study.get(uuid='no-such-study').get()
    fresh.faults.add('/study/get', expire_sid=True)
    rapi.Study.get(uuid=study.uuid).get()  # re-login: a new sid, registered and masked
    fresh.faults.add('*/schema', drop_connection=True, times=3)
    with pytest.raises(requests.RequestException):
        rapi.Storage.Study.schema(fresh.engine_fqdn, namespace_id, upload.study_uid)


def test_wrong_password_leaks_nothing(fresh):
    api = Api.with_creds(fresh.url, fresh.username, 'wrong-Passw0rd-123', rate_limits=None,
                         storage_base_url=fresh.storage_base_url)
    with pytest.raises(AmbraException):
        api.get_sid()


def test_timeout_error_of_a_storage_url_leaks_no_sid():
    with SilentServer() as server:
        api = Api.with_sid(server.url, 'sid-silent-secret-0001', rate_limits=None, timeout=(1, 0.3),
                           storage_base_url='http://{engine_fqdn}/api/v3/storage')
        api.storage_retry_params.update(read=0)
        with pytest.raises(requests.exceptions.Timeout) as info:
            api.Storage.Study.schema(server.engine_fqdn, 'ns', '1.2.3')
        secret_guard.assert_clean(info.value)


def test_already_exists_error_message_holds_no_phi(rapi, fresh, namespace_id):
    uid = '1.2.826.0.1.3680043.12.1'
    rapi.Study.add(study_uid=uid, storage_namespace=namespace_id, phi_namespace=namespace_id,
                   patient_name=PATIENT_NAME).get()
    with pytest.raises(AmbraException) as info:
        rapi.Study.add(study_uid=uid, storage_namespace=namespace_id, phi_namespace=namespace_id).get()
    leaks = secret_guard.find_leaks(str(info.value)) + secret_guard.find_leaks(repr(info.value))
    assert info.value.error_data  # the data is still there for the caller
    info.value.error_data = None  # the guard also inspects attributes; the message is what this test checks
    assert leaks == []
