"""Storage error answers, exactly (issue 22 point 3): canned texts, namespaces that do not exist, HL7 SR."""

from __future__ import annotations

import io

import pytest
import requests

from ambra_sdk.emulator.storage.errors import KINDS
from ambra_sdk.exceptions.storage import (
    STORAGE_ERRORS,
    AccessDenied,
    DownstreamServerError,
    StudyNotFound,
)
from tests.helpers.dicoms import dicom_bytes

from .conftest import assert_storage_error

#: A namespace id no object of the emulator has.
NO_SUCH_NAMESPACE = '00000000-0000-4000-8000-00000000dead'


def test_every_kind_has_the_status_code_and_canned_text_the_sdk_maps():
    assert set(KINDS) == set(STORAGE_ERRORS)
    for readable_status, (code, status, text) in KINDS.items():
        cls = STORAGE_ERRORS[readable_status]
        assert (cls.storage_code, cls.http_status_code, cls.description) == (code, status, text)


def test_study_not_found_has_the_canned_text_and_the_study_in_exception_data(storage):
    body = assert_storage_error(storage.get(f'/study/{storage.namespace}/1.2.3.4/schema'), 404, 'STUDY_NOT_FOUND')
    assert body['message'] == "Study wasn't found by provided ids"
    assert body['exception_data'] == {'namespace': storage.namespace, 'study_uid': '1.2.3.4'}


def test_the_sdk_maps_study_not_found_with_the_servers_text(emulator):
    emulator.reset()
    api = emulator.api()
    with pytest.raises(StudyNotFound) as caught:
        api.Storage.Study.schema(emulator.engine_fqdn, emulator.namespace_id, '1.2.3.4')
    assert caught.value.description == "Study wasn't found by provided ids"
    assert caught.value.exception_data['study_uid'] == '1.2.3.4'
    assert caught.value.code == 404


@pytest.mark.parametrize(
    ('method', 'path'),
    [
        ('GET', '/study/{ns}/{study}/schema'),
        ('GET', '/study/{ns}/{study}/image/1.2.3/version/1/json'),
        ('DELETE', '/study/{ns}/{study}'),
        ('POST', '/study/{ns}/{study}/clone'),
        ('POST', '/namespace/{ns}/image'),
    ],
)
def test_a_namespace_that_does_not_exist_is_403_for_the_sysadmin_before_any_study_lookup(storage, ct, method, path):
    # the study exists (in the real namespace): the answer still says nothing about it
    url = path.format(ns=NO_SUCH_NAMESPACE, study=ct['study_uid'])
    body = assert_storage_error(storage.request(method, url, data=b'x'), 403, 'ACCESS_DENIED')
    assert body['exception_data'] == {}
    assert ct['study_uid'] not in str(body)
    assert storage.get(storage.study(ct) + '/schema').status_code == 200


def test_a_namespace_that_does_not_exist_is_403_for_a_plain_user_too(storage):
    storage.emulator.add_user('plain@example.com', 'Secret-123')
    base = f'http://{storage.emulator.engine_fqdn}/api/v3'
    sid = requests.post(base + '/session/login', data={'login': 'plain@example.com', 'password': 'Secret-123'},
                        timeout=30).json()['sid']
    for method, path in (('GET', f'/study/{NO_SUCH_NAMESPACE}/1.2.3/schema'),
                         ('POST', f'/namespace/{NO_SUCH_NAMESPACE}/image')):
        assert_storage_error(storage.request(method, path, sid=sid, data=b'x'), 403, 'ACCESS_DENIED')


def test_the_sdk_maps_an_unknown_namespace_to_access_denied(emulator):
    emulator.reset()
    api = emulator.api()
    with pytest.raises(AccessDenied) as caught:
        api.Storage.Study.schema(emulator.engine_fqdn, NO_SUCH_NAMESPACE, '1.2.3.4')
    assert caught.value.code == 403
    assert caught.value.description == AccessDenied.description


def test_hl7_sr_of_an_unknown_report_maps_to_a_500_error_and_stores_nothing(emulator):
    emulator.reset()
    api = emulator.api()
    uploaded = api.Storage.Image.upload(emulator.engine_fqdn, emulator.namespace_id, io.BytesIO(dicom_bytes()))
    study = (emulator.engine_fqdn, emulator.namespace_id, uploaded.study_uid)
    with pytest.raises(DownstreamServerError) as caught:
        api.Storage.Study.hl7_to_sr(*study, '5a0c2f3e-0000-4000-8000-000000000001')
    assert caught.value.code == 500
    assert api.Storage.Study.count(*study).images == 1
