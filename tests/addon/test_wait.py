"""Study.wait, Job.wait, Job.wait_completion, duplicate and anonymize waits (emulator)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from ambra_sdk.addon.exceptions import JobFailed, WaitTimeout
from ambra_sdk.exceptions.base import AmbraException

from .conftest import logged


def later(seconds, action):
    timer = threading.Timer(seconds, action)
    timer.start()
    return timer


def test_study_wait_returns_the_ready_study(api, namespace_id, make_dicoms):
    result = api.Addon.Study.upload_paths(dicom_paths=make_dicoms(2), namespace_id=namespace_id)
    study_uid = result.images_params[0].study_uid
    study = api.Addon.Study.wait(study_uid=study_uid, namespace_id=namespace_id, timeout=5, ws_timeout=1)
    assert study.uuid == result.study_uuid and study.phantom == 0


def test_study_wait_positional_and_default_ws_timeout(api, namespace_id, make_dicoms):
    """The docs' call ``wait(study_uid, namespace_id, timeout=10)`` works (it failed in the reference)."""
    result = api.Addon.Study.upload_paths(dicom_paths=make_dicoms(1), namespace_id=namespace_id)
    study = api.Addon.Study.wait(result.images_params[0].study_uid, namespace_id, timeout=10)
    assert study.phantom == 0


def test_study_wait_never_returns_a_phantom(api, namespace_id, emulator):
    """Quirk 11: the reference returned the still-phantom study at the deadline."""
    added = api.Study.add(study_uid='1.2.3.4.5', storage_namespace=namespace_id, phi_namespace=namespace_id).get()
    assert api.Study.get(uuid=added.uuid).get().phantom == 1
    start = time.monotonic()
    with pytest.raises(WaitTimeout, match='still a phantom') as caught:
        api.Addon.Study.wait(study_uid='1.2.3.4.5', namespace_id=namespace_id, timeout=0.6, ws_timeout=0.2)
    assert 0.55 <= time.monotonic() - start < 3
    assert isinstance(caught.value, TimeoutError) and isinstance(caught.value, AmbraException)
    assert caught.value.last.uuid == added.uuid and caught.value.last.phantom == 1


def test_study_wait_sees_the_study_become_ready(api, namespace_id):
    added = api.Study.add(study_uid='1.2.3.4.6', storage_namespace=namespace_id, phi_namespace=namespace_id).get()
    other = api.__class__.with_sid(api.service_full_url(''), api.sid, storage_base_url=api.storage_base_url)

    def sync():
        query = other.Study.sync(image_count=1)
        query.request_args.data = {**(query.request_args.data or {}), 'uuid': added.uuid}
        query.get()

    timer = later(0.4, sync)
    try:
        study = api.Addon.Study.wait(study_uid='1.2.3.4.6', namespace_id=namespace_id, timeout=10, ws_timeout=0.2)
    finally:
        timer.join()
    assert study.phantom == 0


def test_study_wait_for_a_study_that_never_comes(api, namespace_id):
    with pytest.raises(WaitTimeout, match='was not found') as caught:
        api.Addon.Study.wait(study_uid='9.9.9', namespace_id=namespace_id, timeout=0.3)
    assert caught.value.last is None and caught.value.timeout == 0.3


def test_polls_back_off(api, namespace_id, emulator):
    emulator.requests_log.clear()
    with pytest.raises(WaitTimeout):
        api.Addon.Study.wait(study_uid='9.9.9', namespace_id=namespace_id, timeout=1.0, ws_timeout=0.4)
    polls = len(logged(emulator, 'POST', '/study/get'))
    assert 4 <= polls <= 7  # 0, .05, .15, .35, .75, 1.0 s: not a busy loop


def test_job_wait_waits_while_queued_and_running(api, namespace_id, emulator):
    job_id = str(uuid.uuid4())
    emulator.state.add_job('anonymize', state='QUEUED', job_id=job_id)
    timers = [
        later(0.2, lambda: emulator.state.update_job(job_id, state='RUNNING')),
        later(0.5, lambda: emulator.state.update_job(job_id, state='DONE', result='ok')),
    ]
    try:
        job = api.Addon.Job.wait(job_id=job_id, namespace_id=namespace_id, timeout=10, ws_timeout=0.2)
    finally:
        for timer in timers:
            timer.join()
    assert job.state == 'DONE' and job.id == job_id


def test_job_wait_waits_for_a_job_not_created_yet(api, namespace_id, emulator):
    job_id = str(uuid.uuid4())
    timer = later(0.3, lambda: emulator.state.add_job('clone', state='DONE', job_id=job_id))
    try:
        job = api.Addon.Job.wait(job_id=job_id, namespace_id=namespace_id, timeout=10, ws_timeout=0.2)
    finally:
        timer.join()
    assert job.state == 'DONE'


def test_job_wait_raises_on_failure(api, namespace_id, emulator):
    job_id = str(uuid.uuid4())
    emulator.state.add_job('anonymize', state='RUNNING', job_id=job_id)
    timer = later(0.2, lambda: emulator.state.update_job(job_id, state='FAILED', error='bad region'))
    try:
        with pytest.raises(JobFailed) as caught:
            api.Addon.Job.wait(job_id=job_id, namespace_id=namespace_id, timeout=10, ws_timeout=0.2)
    finally:
        timer.join()
    assert caught.value.state == 'FAILED' and caught.value.job.error == 'bad region'
    assert isinstance(caught.value, RuntimeError)


@pytest.mark.parametrize('state', ['ERROR', 'error'])
def test_job_wait_raises_on_the_vendors_error_state(api, namespace_id, emulator, state):
    # issue 23.5: the vendor's jobs end in DONE or ERROR
    job_id = str(uuid.uuid4())
    emulator.state.add_job('anonymize', state='RUNNING', job_id=job_id)
    timer = later(0.2, lambda: emulator.state.update_job(job_id, state=state))
    try:
        with pytest.raises(JobFailed) as caught:
            api.Addon.Job.wait(job_id=job_id, namespace_id=namespace_id, timeout=10, ws_timeout=0.2)
    finally:
        timer.join()
    assert caught.value.state == state and caught.value.job_id == job_id


def test_job_wait_finishes_on_done_whatever_its_case(api, namespace_id, emulator):
    job_id = str(uuid.uuid4())
    emulator.state.add_job('anonymize', state='done', job_id=job_id)
    job = api.Addon.Job.wait(job_id=job_id, namespace_id=namespace_id, timeout=10, ws_timeout=0.2)
    assert job.state == 'done'


def test_job_wait_times_out(api, namespace_id, emulator):
    job_id = str(uuid.uuid4())
    emulator.state.add_job('anonymize', state='RUNNING', job_id=job_id)
    with pytest.raises(WaitTimeout, match="still 'RUNNING'") as caught:
        api.Addon.Job.wait(job_id=job_id, namespace_id=namespace_id, timeout=0.3)
    assert caught.value.last.state == 'RUNNING'
    with pytest.raises(WaitTimeout, match='never found'):
        api.Addon.Job.wait(job_id='no-such-job', namespace_id=namespace_id, timeout=0.2)


def test_wait_completion_sends_the_job_id_and_waits(api, namespace_id, emulator):
    calls = []

    def start_job(**kwargs):
        calls.append(dict(kwargs))
        emulator.state.add_job('test', state='QUEUED', job_id=kwargs['x_ambrahealth_job_id'])
        later(0.2, lambda: emulator.state.update_job(kwargs['x_ambrahealth_job_id'], state='DONE'))
        return 'result'

    assert api.Addon.Job.wait_completion(start_job, namespace=namespace_id, timeout=10, ws_timeout=0.2) == 'result'
    uuid.UUID(calls[0]['x_ambrahealth_job_id'])  # a uuid4 was made up
    assert api.Addon.Job.wait_completion(
        start_job, namespace=namespace_id, x_ambrahealth_job_id='my-job', timeout=10, ws_timeout=0.2,
    ) == 'result'
    assert calls[1]['x_ambrahealth_job_id'] == 'my-job'
    with pytest.raises(KeyError):
        api.Addon.Job.wait_completion(start_job, timeout=1)


def test_wait_completion_with_only_prepare_does_not_wait(api, namespace_id):
    prepared = api.Addon.Job.wait_completion(
        api.Storage.Study.anonymize, engine_fqdn='h', namespace=namespace_id, study_uid='1.2',
        region={}, only_prepare=True, timeout=0.01,
    )
    assert prepared.headers['X-AmbraHealth-Job-Id']


def test_duplicate_and_get(api, namespace_id, make_dicoms, emulator):
    result = api.Addon.Study.upload_paths(dicom_paths=make_dicoms(2), namespace_id=namespace_id)
    target = emulator.namespace_id  # the account namespace (the user has its own)
    assert target != namespace_id
    copy = api.Addon.Study.duplicate_and_get(result.study_uuid, target, timeout=10, ws_timeout=0.5)
    assert copy.storage_namespace == target and copy.study_uid == result.images_params[0].study_uid
    assert copy.uuid != result.study_uuid


def test_anonymize_and_get(api, namespace_id, make_dicoms, emulator):
    result = api.Addon.Study.upload_paths(dicom_paths=make_dicoms(2), namespace_id=namespace_id)
    study_uid = result.images_params[0].study_uid
    engine = api.Addon.Dicom.engine_fqdn(namespace_id)
    emulator.requests_log.clear()
    region = {'regions': [{'x': 0, 'y': 0, 'width': 10, 'height': 10}]}
    new = api.Addon.Study.anonymize_and_get(
        engine, namespace_id, study_uid, region, to_namespace=emulator.namespace_id,
        x_ambrahealth_job_id='anon-1', timeout=20, ws_timeout=0.5,
    )
    assert new.storage_namespace == emulator.namespace_id and new.study_uid != study_uid
    assert new.phantom == 0
    assert len(logged(emulator, 'POST', '/anonymize')) == 1
    assert emulator.state.get_job('anon-1')['state'] == 'DONE'
    new_uid = api.Addon.Study.anonymize_and_wait(engine, namespace_id, study_uid, region, timeout=20, ws_timeout=0.5)
    assert isinstance(new_uid, str) and new_uid != study_uid


def test_anonymize_and_get_with_no_time_left(api, namespace_id, monkeypatch):
    monkeypatch.setattr(api.Addon.Study, 'anonymize_and_wait', lambda *a, **k: time.sleep(0.05) or '1.2.3')
    with pytest.raises(WaitTimeout, match='No time left'):
        api.Addon.Study.anonymize_and_get('h', namespace_id, '1.2', {}, timeout=0.01)


def test_anonymize_and_wait_with_only_prepare(api, namespace_id):
    """The reference crashed here (a PreparedRequest has no ``.text``); now the request is returned, unsent."""
    prepared = api.Addon.Study.anonymize_and_wait('h', namespace_id, '1.2', {}, only_prepare=True, timeout=0.01)
    assert prepared.url.endswith('/study/{0}/1.2/anonymize'.format(namespace_id))
    assert api.Addon.Study.anonymize_and_get('h', namespace_id, '1.2', {}, only_prepare=True) is not None
