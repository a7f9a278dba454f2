"""Addon waits woken by channel events, end to end, and their fallback to polling."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from ambra_sdk.addon.event_wait import WOKEN_EVENT, WOKEN_FIRST, wait_event_or_poll
from ambra_sdk.addon.exceptions import JobFailed, WaitTimeout

from .conftest import client_threads, leftover_threads


def in_thread(delay, action):
    """Run ``action`` after ``delay`` seconds in a thread; ``join()`` re-raises its error."""
    errors = []

    def run():
        time.sleep(delay)
        try:
            errors.append((action(), None))
        except BaseException as error:  # noqa: BLE001 - handed to the test
            errors.append((None, error))

    thread = threading.Thread(target=run)
    thread.start()

    def join():
        thread.join(30)
        value, error = errors[0]
        if error is not None:
            raise error
        return value

    return join


def second_api(emulator):
    other = emulator.api()
    other.rate_limits = None
    return other


def test_upload_wait_ready_result(emulator, api, namespace_id, make_dicoms, outcomes):
    """The wait starts first; another client uploads; READY wakes the wait, which returns the study.

    ``ws_timeout=30``: no poll could have come before the event, so the path is the event's.
    """
    study_uid = '1.2.826.0.1.3680043.99.1'
    paths = make_dicoms(2, study_uid=study_uid)
    uploader = second_api(emulator)
    join = in_thread(0.3, lambda: uploader.Addon.Study.upload_paths(dicom_paths=paths, namespace_id=namespace_id))
    before = set(client_threads())
    study = api.Addon.Study.wait(study_uid=study_uid, namespace_id=namespace_id, timeout=60, ws_timeout=30)
    result = join()
    assert study.uuid == result.study_uuid and study.phantom == 0
    outcome = outcomes.items[-1]
    assert outcome.subscribed and outcome.woken_by == WOKEN_EVENT and outcome.done
    assert outcome.probes == 2  # once after subscribing, once after READY
    assert leftover_threads(before) == set()


def test_job_wait_woken_by_done(emulator, api, namespace_id, outcomes):
    job_id = str(uuid.uuid4())
    emulator.state.add_job('anonymize', state='RUNNING', job_id=job_id, namespace=namespace_id)
    join = in_thread(0.3, lambda: emulator.state.update_job(job_id, state='DONE', result='1.2.3'))
    job = api.Addon.Job.wait(job_id=job_id, namespace_id=namespace_id, timeout=60, ws_timeout=30)
    join()
    assert job.state == 'DONE' and job.result == '1.2.3'
    assert outcomes.items[-1].woken_by == WOKEN_EVENT and outcomes.items[-1].subscribed


def test_a_failed_job_raises_at_once_and_closes_the_channel(emulator, api, namespace_id):
    job_id = str(uuid.uuid4())
    emulator.state.add_job('anonymize', state='RUNNING', job_id=job_id, namespace=namespace_id)
    join = in_thread(0.3, lambda: emulator.state.update_job(job_id, state='FAILED', error='bad region'))
    before = set(client_threads())
    start = time.monotonic()
    with pytest.raises(JobFailed):
        api.Addon.Job.wait(job_id=job_id, namespace_id=namespace_id, timeout=60, ws_timeout=30)
    join()
    assert time.monotonic() - start < 30  # the path: the event woke it, not the 30 s pause
    assert leftover_threads(before) == set()


def test_every_helper_subscribes(emulator, api, namespace_id, make_dicoms, outcomes, tmp_path):
    folder = tmp_path / 'dir'
    make_dicoms(2, folder=folder)
    study = api.Addon.Study.upload_dir_and_get(study_dir=folder, namespace_id=namespace_id, timeout=20)
    copy = api.Addon.Study.duplicate_and_get(study.uuid, emulator.namespace_id, timeout=20)
    engine = api.Addon.Dicom.engine_fqdn(namespace_id)
    region = {'regions': [{'x': 0, 'y': 0, 'width': 4, 'height': 4}]}
    anonymized = api.Addon.Study.anonymize_and_get(engine, namespace_id, study.study_uid, region, timeout=20)
    paths = make_dicoms(1, folder=tmp_path / 'paths')
    api.Addon.Study.upload_paths_and_get(dicom_paths=paths, namespace_id=namespace_id, timeout=20)
    assert copy.phantom == 0 and anonymized.phantom == 0
    channels = list(outcomes.items)
    assert len(channels) == 5  # 3 study waits, and the anonymize's job wait then study wait
    assert all(o.subscribed and o.done for o in channels)
    assert {o.woken_by for o in channels} <= {WOKEN_FIRST, WOKEN_EVENT}


def test_polls_without_the_extra(no_ws_extra, emulator, api, namespace_id, make_dicoms, outcomes):
    result = api.Addon.Study.upload_paths(dicom_paths=make_dicoms(1), namespace_id=namespace_id)
    study = api.Addon.Study.wait(result.images_params[0].study_uid, namespace_id, timeout=10)
    assert study.phantom == 0
    outcome = outcomes.items[-1]
    assert not outcome.subscribed and 'ws extra' in outcome.fallback


@pytest.mark.parametrize('rule', [
    {'path_pattern': '/channel/websocket', 'status': 503},
    {'path_pattern': '/channel/websocket', 'drop_connection': True},
    {'path_pattern': '/channel/websocket/subscribe', 'status': 403, 'method': 'WS'},
])
def test_polls_when_the_channel_is_refused(emulator, api, namespace_id, outcomes, rule):
    emulator.faults.add(times=None, **rule)
    added = api.Study.add(study_uid='1.2.3.77', storage_namespace=namespace_id, phi_namespace=namespace_id).get()
    other = second_api(emulator)

    def sync():
        query = other.Study.sync(image_count=1)
        query.request_args.data = {**(query.request_args.data or {}), 'uuid': added.uuid}
        query.get()

    join = in_thread(0.3, sync)
    before = set(client_threads())
    study = api.Addon.Study.wait(study_uid='1.2.3.77', namespace_id=namespace_id, timeout=20, ws_timeout=0.2)
    join()
    assert study.phantom == 0
    outcome = outcomes.items[-1]
    assert not outcome.subscribed and outcome.probes > 2
    assert leftover_threads(before) == set()


def test_a_wait_survives_a_dropped_connection(emulator, api, namespace_id, outcomes):
    """The push of the event drops the connection; the re-subscribe wakes the wait, which finds the study."""
    emulator.faults.add('/channel/websocket/event', method='WS', drop_connection=True, times=1)
    join = in_thread(0.3, lambda: emulator.state.add_study(namespace_id, '1.2.3.78', phantom=0))
    study = api.Addon.Study.wait(study_uid='1.2.3.78', namespace_id=namespace_id, timeout=60, ws_timeout=30)
    join()
    assert study.study_uid == '1.2.3.78'
    assert outcomes.items[-1].woken_by == WOKEN_EVENT and outcomes.items[-1].subscribed


def test_timeout_still_raises_when_subscribed(api, namespace_id, outcomes):
    with pytest.raises(WaitTimeout, match='was not found'):
        api.Addon.Study.wait(study_uid='9.9.9.9', namespace_id=namespace_id, timeout=0.5, ws_timeout=0.2)
    assert outcomes.items[-1].subscribed and outcomes.items[-1].probes >= 3


def test_the_helper_with_use_channel_false(api, namespace_id):
    calls = []

    def probe():
        calls.append(1)
        return len(calls) >= 3, len(calls)

    outcome = wait_event_or_poll(
        api, probe, channel='study.{0}'.format(namespace_id), event='READY', timeout=5, ws_timeout=0.05,
        use_channel=False,
    )
    assert outcome.done and outcome.value == 3 and not outcome.subscribed and outcome.fallback == 'use_channel=False'


def test_the_helper_wakes_on_any_of_several_events(emulator, api, namespace_id):
    """What a wait for another change uses (here: a study's description, which an EDIT announces)."""
    study = emulator.state.add_study(namespace_id, '1.2.3.79', phantom=0)

    def probe():
        current = api.Study.get(uuid=study['uuid']).get()
        return current.get('study_description') == 'changed', current

    join = in_thread(0.3, lambda: emulator.state.update_study(study['uuid'], study_description='changed'))
    outcome = wait_event_or_poll(
        api, probe, channel='study.{0}'.format(namespace_id), event=('READY', 'EDIT'), timeout=60, ws_timeout=30,
    )
    join()
    assert outcome.done and outcome.woken_by == WOKEN_EVENT and outcome.probes == 2
