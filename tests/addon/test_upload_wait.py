"""Waiting for chunked files: woken by the study channel (else polling), and the study uploaders' options.

The emulator stores a completed multipart upload in a background thread; the
``store_gate`` fixture holds that thread until the test opens the gate, so
"stored" and "not stored yet" are decided by the test, not by timing.
"""

from __future__ import annotations

import logging
import math
import sys
import threading
import time
from typing import Any, Callable, Iterator, List

import pytest

from ambra_sdk.addon.event_wait import WOKEN_EVENT
from tests.helpers.dicoms import write_big_dicom

from .conftest import logged

PART = 64 * 1024
THRESHOLD = 64 * 1024
CHUNK_POSTS = '/storage/multipart/'
SCHEMA = '/schema'


class StoreGate:
    """Holds the emulator's background stores of completed multipart uploads until :meth:`open`."""

    def __init__(self) -> None:
        self._gate = threading.Event()
        self._lock = threading.Lock()
        self.started = 0
        self.finished = 0

    def open(self) -> None:
        self._gate.set()

    def wrap(self, store: Any) -> Any:
        def gated(completion: Any) -> None:
            with self._lock:
                self.started += 1
            try:
                self._gate.wait(30)
                store(completion)
            finally:
                with self._lock:
                    self.finished += 1

        return gated

    def drain(self, timeout: float = 30) -> None:
        """Open the gate and wait for every held store to finish."""
        self.open()
        deadline = time.monotonic() + timeout
        while self.finished < self.started and time.monotonic() < deadline:
            time.sleep(0.01)

    def open_when(self, condition: Any) -> threading.Thread:
        """Open the gate (in a thread) as soon as ``condition()`` is true (30 s at most)."""

        def run() -> None:
            deadline = time.monotonic() + 30
            while not condition() and time.monotonic() < deadline:
                time.sleep(0.005)
            self.open()

        thread = threading.Thread(target=run, name='test-store-gate', daemon=True)
        thread.start()
        return thread


@pytest.fixture
def store_gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[StoreGate]:
    from ambra_sdk.emulator.storage import multipart_store

    gate = StoreGate()
    monkeypatch.setattr(multipart_store, '_store', gate.wrap(multipart_store._store))
    yield gate
    gate.drain()


@pytest.fixture
def outcomes(caplog: pytest.LogCaptureFixture) -> Callable[[], List[Any]]:
    """``outcomes()``: the :class:`~ambra_sdk.addon.event_wait.WaitOutcome` of every wait so far."""
    caplog.set_level(logging.DEBUG, logger='ambra_sdk.addon.event_wait')
    return lambda: [record.wait_outcome for record in caplog.records if hasattr(record, 'wait_outcome')]


@pytest.fixture
def no_ws_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import websockets`` fail, as without the ``ws`` extra."""
    for name in list(sys.modules):
        if name == 'websockets' or name.startswith('websockets.'):
            monkeypatch.delitem(sys.modules, name)
    for name in ('websockets', 'websockets.sync', 'websockets.sync.client'):
        monkeypatch.setitem(sys.modules, name, None)


def _schema_reads(emulator: Any) -> int:
    return len(logged(emulator, 'GET', SCHEMA))


def _chunk_posts(emulator: Any) -> List[Any]:
    return [entry for entry in logged(emulator, 'POST', CHUNK_POSTS) if 'complete' not in entry.path]


def _image_uids(emulator: Any, namespace_id: str, study_uid: str) -> List[str]:
    return [row['image_uid'] for row in emulator.state.list_images(namespace_id, study_uid)]


def _header(path: Any) -> Any:
    from pydicom import dcmread

    return dcmread(str(path), stop_before_pixels=True)


def _wait_stored(emulator: Any, namespace_id: str, study_uid: str, image_uid: str) -> None:
    """Test-side wait (cleanup only): the emulator shows the image."""
    deadline = time.monotonic() + 30
    while image_uid not in _image_uids(emulator, namespace_id, study_uid) and time.monotonic() < deadline:
        time.sleep(0.01)


# ----------------------------------------------------------------- Dicom.upload(wait=True)


def test_a_waited_chunked_upload_is_woken_by_the_study_channel(api, namespace_id, tmp_path, emulator, store_gate,
                                                               outcomes):
    """The store is held until the wait has subscribed and read the schema once: only the event can wake it."""
    pytest.importorskip('websockets')
    path = write_big_dicom(tmp_path / 'big.dcm', 3 * PART)
    header = _header(path)
    emulator.requests_log.clear()
    # schema read 1: the version before the upload; read 2: the wait's first look, before any channel;
    # read 3: its probe after subscribing
    store_gate.open_when(lambda: _schema_reads(emulator) >= 3)
    with open(path, 'rb') as dicom_file:
        params = api.Addon.Dicom.upload(
            dicom_file=dicom_file, namespace_id=namespace_id, multipart_threshold=THRESHOLD, part_size=PART,
            wait=True, wait_timeout=60,
        )
    assert params.image_uid == header.SOPInstanceUID and params.image_version
    (outcome,) = [o for o in outcomes() if o.value == params.image_version]
    assert outcome.done and outcome.subscribed and outcome.fallback is None
    assert outcome.woken_by == WOKEN_EVENT and outcome.probes == 2  # not found once, then the event
    assert _schema_reads(emulator) == 4


def test_a_waited_chunked_upload_polls_without_the_ws_extra(no_ws_extra, api, namespace_id, tmp_path, emulator,
                                                            store_gate, outcomes):
    path = write_big_dicom(tmp_path / 'big.dcm', 3 * PART)
    emulator.requests_log.clear()
    store_gate.open_when(lambda: _schema_reads(emulator) >= 4)  # the first look, then at least two polls
    with open(path, 'rb') as dicom_file:
        params = api.Addon.Dicom.upload(
            dicom_file=dicom_file, namespace_id=namespace_id, multipart_threshold=THRESHOLD, part_size=PART,
            wait=True, wait_timeout=60,
        )
    assert params.image_uid == _header(path).SOPInstanceUID
    (outcome,) = [o for o in outcomes() if o.value == params.image_version]
    assert outcome.done and not outcome.subscribed and 'ws extra' in outcome.fallback
    assert outcome.probes >= 3


def test_the_wait_listens_to_the_namespace_study_channel(api, namespace_id, tmp_path, emulator, caplog, store_gate):
    pytest.importorskip('websockets')
    caplog.set_level(logging.DEBUG, logger='ambra_sdk.addon.event_wait')
    path = write_big_dicom(tmp_path / 'big.dcm', 2 * PART)
    emulator.requests_log.clear()
    store_gate.open_when(lambda: _schema_reads(emulator) >= 3)  # not stored at the first look: the channel
    with open(path, 'rb') as dicom_file:
        api.Addon.Dicom.upload(
            dicom_file=dicom_file, namespace_id=namespace_id, multipart_threshold=THRESHOLD, part_size=PART,
            wait=True, wait_timeout=60,
        )
    messages = [r.getMessage() for r in caplog.records if hasattr(r, 'wait_outcome')]
    assert messages and all('study.{0}'.format(namespace_id) in m and 'subscribed' in m for m in messages)


def test_an_image_stored_already_ends_the_wait_without_a_channel(api, namespace_id, tmp_path, emulator, outcomes):
    """The first look at the schema finds the image: no channel is opened, no other read is made."""
    from ambra_sdk.addon.multipart import wait_for_image

    path = write_big_dicom(tmp_path / 'big.dcm', 2 * PART)
    header = _header(path)
    with open(path, 'rb') as dicom_file:
        params = api.Addon.Dicom.upload(dicom_file=dicom_file, namespace_id=namespace_id, multipart_threshold=None)
    emulator.requests_log.clear()
    version = wait_for_image(api, api.Addon.Dicom.engine_fqdn(namespace_id, None), namespace_id,
                             header.StudyInstanceUID, header.SOPInstanceUID, timeout=30)
    assert version == params.image_version
    assert _schema_reads(emulator) == 1 and len(emulator.requests_log) == 1  # no channel, no other call
    assert outcomes() == []


# ------------------------------------------------------------- the study uploaders' options


@pytest.mark.parametrize('helper', ['upload_files', 'upload_paths', 'upload_dir'])
def test_study_uploaders_take_part_size_and_part_workers(api, namespace_id, tmp_path, emulator, make_dicoms,
                                                         store_gate, helper):
    small = make_dicoms(2, folder=tmp_path / 'study')
    study_uid = _header(small[0]).StudyInstanceUID
    big = write_big_dicom(tmp_path / 'study' / 'big.dcm', 5 * PART, study_uid=study_uid)
    emulator.requests_log.clear()
    options = {'namespace_id': namespace_id, 'multipart_threshold': THRESHOLD, 'part_size': PART, 'part_workers': 2}
    if helper == 'upload_files':
        result = api.Addon.Study.upload_files(small + [big], **options)
    elif helper == 'upload_paths':
        result = api.Addon.Study.upload_paths(dicom_paths=small + [big], **options)
    else:
        result = api.Addon.Study.upload_dir(study_dir=big.parent, **options)
    assert len(result.uploaded) == 3 and not result.failed
    # the plain uploaders return at once: the chunked file is not stored yet (the gate is closed)
    assert result.uploaded[big].image_uid == '' and result.uploaded[big].image_version == ''
    assert _header(big).SOPInstanceUID not in _image_uids(emulator, namespace_id, study_uid)
    assert len(_chunk_posts(emulator)) == math.ceil(big.stat().st_size / PART)  # part_size reached the upload
    assert {entry.status for entry in _chunk_posts(emulator)} == {200}
    store_gate.open()
    _wait_stored(emulator, namespace_id, study_uid, _header(big).SOPInstanceUID)


def test_study_uploaders_check_the_new_options(api, namespace_id, make_dicoms):
    paths = make_dicoms(1)
    with pytest.raises(ValueError, match='part_size must be an int >= 65536'):
        api.Addon.Study.upload_paths(dicom_paths=paths, namespace_id=namespace_id, part_size=16 * 1024)
    with pytest.raises(ValueError, match='part_workers must be a positive int'):
        api.Addon.Study.upload_dir(study_dir=paths[0].parent, namespace_id=namespace_id, part_workers=0)


@pytest.mark.parametrize('helper', ['upload_paths_and_get', 'upload_dir_and_get'])
def test_and_get_helpers_return_a_study_with_every_chunked_file_stored(
    api, namespace_id, tmp_path, emulator, make_dicoms, store_gate, outcomes, helper,
):
    """The gate opens only after the chunked file's wait read the schema: without that wait the
    helper would return (the small files made the study READY) before the big image is stored."""
    pytest.importorskip('websockets')
    small = make_dicoms(2, folder=tmp_path / 'study')
    study_uid = _header(small[0]).StudyInstanceUID
    bigs = [write_big_dicom(tmp_path / 'study' / 'big{0}.dcm'.format(n), 3 * PART, study_uid=study_uid)
            for n in range(2)]
    emulator.requests_log.clear()
    # each chunked file: one schema read before its upload, one first look, one after subscribing
    store_gate.open_when(lambda: _schema_reads(emulator) >= 6)
    options = {'namespace_id': namespace_id, 'multipart_threshold': THRESHOLD, 'part_size': PART, 'timeout': 60}
    if helper == 'upload_paths_and_get':
        study = api.Addon.Study.upload_paths_and_get(dicom_paths=small + bigs, **options)
    else:
        study = api.Addon.Study.upload_dir_and_get(study_dir=small[0].parent, **options)
    stored = _image_uids(emulator, namespace_id, study_uid)
    assert {_header(path).SOPInstanceUID for path in small + bigs} <= set(stored)
    assert study.phantom == 0 and study.study_uid == study_uid
    image_waits = [o for o in outcomes() if isinstance(o.value, str)]
    assert len(image_waits) == 2 and all(o.done and o.subscribed for o in image_waits)
    assert len(_chunk_posts(emulator)) == 2 * math.ceil(bigs[0].stat().st_size / PART)


def test_and_get_fails_when_a_chunked_file_is_not_stored_in_time(api, namespace_id, tmp_path, emulator, make_dicoms,
                                                                 store_gate):
    from ambra_sdk.addon.exceptions import UploadFailed, WaitTimeout

    small = make_dicoms(1, folder=tmp_path / 'study')
    big = write_big_dicom(tmp_path / 'study' / 'big.dcm', 2 * PART, study_uid=_header(small[0]).StudyInstanceUID)
    with pytest.raises(UploadFailed) as error:
        api.Addon.Study.upload_paths_and_get(
            dicom_paths=small + [big], namespace_id=namespace_id, multipart_threshold=THRESHOLD, part_size=PART,
            timeout=0.5, ws_timeout=0.1,
        )
    result = error.value.result
    assert list(result.failed) == [big] and isinstance(result.failed[big], WaitTimeout)
    assert list(result.uploaded) == small
