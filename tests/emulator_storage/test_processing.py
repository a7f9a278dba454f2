"""Issue 22 point 2: a storage upload reaches the service API after the processing step (real sockets).

These tests keep the emulator's default processing delay (the ``storage``
fixture of the other files makes it synchronous).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import threading
import time
from typing import Any, Dict, Iterator

import pytest
import requests

from ambra_sdk.emulator import Emulator
from ambra_sdk.emulator.processing import DEFAULT_PROCESSING_DELAY, Processor
from tests.helpers.processing import wait_for_study

from .conftest import StorageClient, dicom_bytes


@pytest.fixture
def client(emulator: Any) -> Iterator[StorageClient]:
    """A fresh state, the default processing delay, a storage client."""
    emulator.reset()
    assert emulator.processing_delay == DEFAULT_PROCESSING_DELAY > 0
    storage = StorageClient(emulator)
    yield storage
    storage.session.close()
    emulator.wait_processed()


def _service(client: StorageClient, endpoint: str, **data: Any) -> requests.Response:
    return client.session.post(client.emulator.url + endpoint, data={'sid': client.sid, **data}, timeout=30)


def _error_type(response: requests.Response) -> str:
    assert response.status_code == 412, response.text
    return str(response.json()['error_type'])


def test_upload_answers_at_once_and_the_study_appears_after_processing(client):
    started = time.monotonic()
    up = client.upload('CT_small.dcm')
    answered = time.monotonic() - started
    assert answered < DEFAULT_PROCESSING_DELAY + 5  # not held back by the processing step
    # storage has the image at once; the service does not know the study yet
    assert client.get(client.study(up) + '/schema').status_code == 200
    missing = _service(client, '/study/get', study_uid=up['study_uid'], storage_namespace=client.namespace)
    assert _error_type(missing) == 'NOT_FOUND'
    study = wait_for_study(client.emulator.url, client.sid, up['study_uid'], client.namespace)
    assert study['image_count'] == 1 and study['phantom'] == 0 and study['modality'] == 'CT'


def test_wrap_and_multipart_complete_are_processed_too(client):
    wrapped = client.post(f'/namespace/{client.namespace}/wrap', files={'file': ('r.pdf', io.BytesIO(b'%PDF-1.4'))},
                          headers={'X-File-Size': '8'})
    assert wrapped.status_code == 202, wrapped.text
    study_uid = wrapped.json()['study_uid']
    missing = _service(client, '/study/get', study_uid=study_uid, storage_namespace=client.namespace)
    assert _error_type(missing) == 'NOT_FOUND'
    assert wait_for_study(client.emulator.url, client.sid, study_uid, client.namespace)['image_count'] == 1

    from pydicom import dcmread

    from .test_multipart import complete, upload_chunks, wait_stored

    body = dicom_bytes('MR_small.dcm')
    upload_uuid = upload_chunks(client, body, 4096)
    assert complete(client, upload_uuid, len(body)).status_code in (200, 202)
    assert wait_stored(client, upload_uuid)['status'] == 'STORED'
    mr_uid = str(dcmread(io.BytesIO(body)).StudyInstanceUID)
    assert wait_for_study(client.emulator.url, client.sid, mr_uid, client.namespace)['image_count'] == 1


def test_study_add_right_after_an_upload_answers_ok(client):
    up = client.upload('CT_small.dcm')
    added = _service(client, '/study/add', study_uid=up['study_uid'], storage_namespace=client.namespace,
                     phi_namespace=client.namespace, patient_name='ADDED^BY^SCRIPT')
    assert added.status_code == 200, added.text  # no ALREADY_EXISTS yet
    assert client.emulator.wait_processed()
    study = _service(client, '/study/get', uuid=added.json()['uuid']).json()
    assert study['image_count'] == 1 and study['modality'] == 'CT'  # processing filled the added study
    again = _service(client, '/study/add', study_uid=up['study_uid'], storage_namespace=client.namespace,
                     phi_namespace=client.namespace)
    assert _error_type(again) == 'ALREADY_EXISTS'


def _new_account(client: StorageClient) -> Dict[str, Any]:
    account = _service(client, '/account/add', name='Short-lived')
    assert account.status_code == 200, account.text
    got = _service(client, '/account/get', uuid=account.json()['uuid'])
    return dict(got.json())


def test_account_delete_right_after_uploads_is_allowed_and_processing_drops_the_result(client, caplog):
    account = _new_account(client)
    namespace = account['namespace_id']
    ups = [client.upload(name, namespace=namespace) for name in ('CT_small.dcm', 'MR_small.dcm')]
    deleted = _service(client, '/account/delete', uuid=account['uuid'])
    assert deleted.status_code == 200, deleted.text  # not NOT_EMPTY: nothing is processed yet
    with caplog.at_level(logging.INFO, logger='ambra_sdk.emulator.storage.studies'):
        assert client.emulator.wait_processed()
    assert 'namespace is gone' in caplog.text
    for up in ups:
        assert client.state.get_study(storage_namespace=namespace, study_uid=up['study_uid']) is None
    # the emulator still serves, and still processes
    later = client.upload('rtplan.dcm')
    assert wait_for_study(client.emulator.url, client.sid, later['study_uid'], client.namespace)


def test_a_group_namespace_deleted_before_processing_drops_the_result(client):
    group = _service(client, '/group/add', account_id=client.emulator.account_id, name='gone soon').json()
    namespace = _service(client, '/group/get', uuid=group['uuid']).json()['namespace_id']
    up = client.upload('CT_small.dcm', namespace=namespace)
    assert _service(client, '/group/delete', uuid=group['uuid']).status_code == 200
    assert client.emulator.wait_processed()
    assert client.state.get_study(storage_namespace=namespace, study_uid=up['study_uid']) is None


def test_reset_clears_pending_processing(client):
    up = client.upload('CT_small.dcm')
    assert client.state.processing.pending == 1
    client.emulator.reset()
    assert client.state.processing.pending == 0
    assert client.emulator.wait_processed(timeout=5)
    assert client.state.get_study(storage_namespace=client.namespace, study_uid=up['study_uid']) is None


def test_the_channel_event_fires_only_after_processing(client):
    from tests.ws.test_channel import answer, connect, subscribe, ws_url

    pytest.importorskip('websockets')
    digest = hashlib.md5(client.sid.encode()).hexdigest()
    with connect(ws_url(client.emulator), proxy=None) as ws:
        subscribe(ws, 'study.{0}'.format(client.namespace), client.sid)
        started = time.monotonic()
        up = client.upload('CT_small.dcm')
        ready = answer(ws)
        waited = time.monotonic() - started
    assert (ready['event'], ready['study_uid'], ready['sid_md5']) == ('READY', up['study_uid'], digest)
    assert waited >= DEFAULT_PROCESSING_DELAY * 0.9


def test_sdk_upload_and_get_waits_as_a_user_must(client, tmp_path):
    from tests.helpers.dicoms import write_dicoms

    api = client.emulator.api()
    try:
        paths = write_dicoms(tmp_path, 3, patient_name='WAIT^USER')
        study = api.Addon.Study.upload_paths_and_get(
            dicom_paths=paths, namespace_id=client.namespace, timeout=30, ws_timeout=1,
        )
        assert study.phantom == 0
        # the SDK never asked the emulator's control API: it polled or listened, as on the real server
        assert not [e for e in client.emulator.requests_log if e.path.startswith('/_emulator')]
        assert client.emulator.wait_processed()
        assert api.Study.get(uuid=study.uuid).get().image_count == 3
    finally:
        api.logout()


def test_delay_zero_is_synchronous():
    with Emulator(processing_delay=0) as emu:
        client = StorageClient(emu)
        up = client.upload('CT_small.dcm')
        assert emu.state.processing.pending == 0
        found = _service(client, '/study/get', study_uid=up['study_uid'], storage_namespace=client.namespace)
        assert found.status_code == 200 and found.json()['image_count'] == 1


def test_the_delay_is_checked_and_settable():
    with pytest.raises(ValueError):
        Emulator(processing_delay=-1)
    with pytest.raises(ValueError):
        Emulator(processing_delay=float('nan'))
    with Emulator(processing_delay=5) as emu:
        assert emu.processing_delay == 5
        emu.processing_delay = 0.01
        assert emu.state.processing.delay == 0.01


def test_control_api_reads_sets_and_waits(client):
    emu = client.emulator
    url = 'http://{0}/_emulator/processing'.format(emu.engine_fqdn)
    headers = emu.control_headers()
    assert requests.get(url, headers=headers, timeout=10).json() == {'delay': DEFAULT_PROCESSING_DELAY, 'pending': 0}
    client.upload('CT_small.dcm')
    assert requests.get(url, headers=headers, timeout=10).json()['pending'] == 1
    waited = requests.post(url + '/wait', json={'timeout': 30}, headers=headers, timeout=60)
    assert waited.json() == {'status': 'OK', 'pending': 0}
    try:
        changed = requests.post(url, json={'delay': 1.5}, headers=headers, timeout=10)
        assert changed.json() == {'delay': 1.5, 'pending': 0} and emu.processing_delay == 1.5
        assert requests.post(url, json={'delay': -2}, headers=headers, timeout=10).status_code == 400
        client.upload('MR_small.dcm')
        timed_out = requests.post(url + '/wait', json={'timeout': 0.05}, headers=headers, timeout=10)
        assert timed_out.status_code == 504 and timed_out.json() == {'status': 'TIMEOUT', 'pending': 1}
    finally:
        emu.processing_delay = DEFAULT_PROCESSING_DELAY
    assert requests.get(url, timeout=10).status_code == 401  # the token is needed


# ------------------------------------------------------------------ the worker itself


def test_processor_is_bounded_coalesces_and_survives_failures(caplog):
    processor = Processor(delay=0.05, max_pending=2)
    ran: list = []
    try:
        processor.submit('a', lambda: ran.append('a1'))
        processor.submit('a', lambda: ran.append('a2'))  # replaces the pending one
        processor.submit('b', lambda: 1 / 0)  # logged, dropped
        processor.submit('c', lambda: ran.append('c'))  # the queue is full: inline
        assert ran == ['c'] and processor.pending == 2
        with caplog.at_level(logging.ERROR, logger='ambra_sdk.emulator.processing'):
            assert processor.wait(5)
        assert ran == ['c', 'a2'] and 'ZeroDivisionError' in caplog.text
        processor.submit('d', lambda: ran.append('d'))
        assert processor.wait(5) and ran[-1] == 'd'
    finally:
        processor.close()
    assert not [t for t in threading.enumerate() if t.name == 'ambra-emulator-processing' and t.is_alive()
                and getattr(t, '_target', None) == processor._loop]
    processor.submit('e', lambda: ran.append('e'))  # closed: inline
    assert ran[-1] == 'e'


def test_stopping_the_emulator_stops_the_worker():
    with Emulator() as emu:
        client = StorageClient(emu)
        client.upload('CT_small.dcm')
        processor = emu.state.processing
        assert processor.pending == 1
    assert processor.pending == 0
    assert processor._thread is None


def test_json_shape_of_the_upload_answer_is_unchanged(client):
    up = client.upload('CT_small.dcm')
    assert set(up) == {'namespace', 'study_uid', 'series_uid', 'image_uid', 'image_version', 'attr'}
    assert json.dumps(up)
