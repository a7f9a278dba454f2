"""The SDK against the emulator, through the pytest plugin's ``api`` fixture."""

from __future__ import annotations

import time

import pytest

from ambra_sdk.service.filtering import Filter, FilterCondition
from ambra_sdk.service.sorting import Sorter, SortingOrder


def add_studies(api, emulator, count):
    namespace = emulator.namespace_id
    return [
        api.Study.add(
            study_uid=f'1.2.840.{number}',
            storage_namespace=namespace,
            phi_namespace=namespace,
            patient_name=f'PATIENT^{number:03d}',
            modality='CT' if number % 2 else 'MR',
        ).get().uuid
        for number in range(count)
    ]


def test_api_fixture_is_logged_in(api, emulator):
    user = api.Session.user().get()
    assert user.email == emulator.username
    assert api.Namespace.engine_fqdn(namespace_id=emulator.namespace_id).get().engine_fqdn == emulator.engine_fqdn


def test_ambra_emulator_alias(ambra_emulator, emulator, emulator_api):
    assert ambra_emulator is emulator
    assert emulator_api.Session.user().get().uuid == emulator.user_id


def test_pagination_filter_sort_through_sdk(api, emulator):
    api.rate_limits = None  # the emulator needs no client-side throttling
    add_studies(api, emulator, 25)
    query = (
        api.Study.list()
        .filter_by(Filter('modality', FilterCondition.equals, 'CT'))
        .sort_by(Sorter('patient_name', SortingOrder.descending))
        .set_rows_in_page(5)
    )
    names = [study.patient_name for study in query.all()]
    assert names == [f'PATIENT^{n:03d}' for n in range(23, 0, -2)]
    pages = [e for e in emulator.requests_log if e.path == '/study/list']
    assert [e.form['page.number'] for e in pages] == ['1', '2', '3']
    assert api.Study.list().first() is not None
    assert len(list(api.Study.list().set_rows_in_page(10).all()[3:14])) == 11


def test_only_through_sdk(api, emulator):
    uuid = add_studies(api, emulator, 1)[0]
    study = api.Study.get(uuid=uuid).only({'study': ['study_uid']}).get()
    assert dict(study) == {'study_uid': '1.2.840.0'}
    assert dict(api.Session.user().only('email').get()) == {'email': emulator.username}


def test_sdk_errors(api, emulator):
    from ambra_sdk.exceptions.service import AlreadyExists, NotFound

    add_studies(api, emulator, 1)
    with pytest.raises(AlreadyExists):
        add_studies(api, emulator, 1)
    with pytest.raises(NotFound):
        api.Study.get(uuid='nope').get()


def test_sdk_relogin_after_expired_sid(api, emulator):
    first_sid = api.sid
    emulator.faults.add('/session/user', expire_sid=True)
    assert api.Session.user().get().email == emulator.username
    assert api.sid != first_sid
    assert emulator.requests_log.paths()[-3:] == ['/session/user', '/session/login', '/session/user']


def test_sdk_retries_503_with_retry_after(api, emulator):
    api.Session.user().get()
    emulator.faults.add('/session/user', status=503, retry_after=1)
    start = time.monotonic()
    assert api.Session.user().get().email == emulator.username
    assert time.monotonic() - start >= 0.9
    assert emulator.requests_log.paths()[-2:] == ['/session/user', '/session/user']


def test_job_wait_query(api, emulator):
    from ambra_sdk.service.query import QueryO

    emulator.state.add_job('copy', state='DONE', job_id='j-1')
    answer = QueryO(api=api, url='/job/get', request_data={'id': 'j-1'}, errors_mapping={}, required_sid=True).get()
    assert answer.state == 'DONE'
