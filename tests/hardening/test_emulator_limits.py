"""Issue 24.6: the emulator's limits, tried as an attacker would (real sockets).

* bodies over the cap are answered 413 before they are read (a Content-Length
  at once after the head, a chunked body as soon as it passes the cap), for
  forms, bundles, the control API and storage alike, with bounded memory;
* connections over the cap, and connections that do not send a full request
  head in time, are refused (503) or closed;
* a deflated DICOM never inflates past its bound;
* ``IN`` lists of any length are answered;
* the data folder is private (0700 folders, 0600 files).

``python -m pytest -s tests/hardening/test_emulator_limits.py`` prints the
memory and time figures the closing note of issue 24 quotes.
"""

from __future__ import annotations

import io
import json
import os
import stat
import sys
import threading
import time
import zlib
from typing import Any, Callable, Iterator, List

import pytest
import requests

from ambra_sdk.emulator import Emulator
from ambra_sdk.emulator.httpd import MAX_REFUSING
from tests.hardening.emulator_wire import (
    closed_by_peer,
    connect,
    head,
    json_of,
    peak_rss_kib,
    read_answer,
)
from tests.helpers.emulator_process import banner, start, stop

pydicom = pytest.importorskip('pydicom')

MIB = 1024 * 1024
BODY_CAP = 1 * MIB
FORM_CAP = 64 * 1024


@pytest.fixture(scope='module')
def capped() -> Iterator[Emulator]:
    """An emulator with small caps: 1 MiB storage bodies, 64 KiB forms."""
    with Emulator(max_body_bytes=BODY_CAP, max_form_bytes=FORM_CAP) as emu:
        yield emu


def _targets(emu: Emulator) -> List[tuple]:
    """``(name, method, target, content type)`` of each kind of body."""
    sid = emu.login()
    ns = emu.namespace_id
    return [
        ('storage upload', 'POST', f'/api/v3/storage/namespace/{ns}/image?sid={sid}', 'application/dicom'),
        ('attachment', 'POST', f'/api/v3/storage/study/{ns}/1.2.3/attachment?sid={sid}',
         'multipart/form-data; boundary=b'),
        ('service form', 'POST', '/api/v3/study/list', 'application/x-www-form-urlencoded'),
        ('bundle', 'POST', '/api/v3/bundle', 'application/json'),
        ('control', 'POST', '/_emulator/faults', 'application/json'),
    ]


def _cap_of(target: str) -> int:
    return BODY_CAP if target.startswith('/api/v3/storage/') else FORM_CAP


def _tmp_files(emu: Emulator) -> List[str]:
    assert emu.state is not None
    folder = emu.state.files_dir / 'storage-tmp'
    return os.listdir(folder) if folder.is_dir() else []


def test_a_content_length_over_the_cap_is_answered_413_before_the_body(capped):
    for name, method, target, content_type in _targets(capped):
        length = 4 * 1024 * MIB if target.startswith('/api/v3/storage/') else FORM_CAP + 1
        with connect(capped.engine_fqdn, timeout=5) as sock:
            started = time.monotonic()
            sock.sendall(head(method, target, capped.engine_fqdn,
                              {'Content-Type': content_type, 'Content-Length': str(length)}))
            answer = read_answer(sock)  # not a byte of the body was sent
            elapsed = time.monotonic() - started
            assert answer[0] == 413, name
            body = json_of(answer)
            assert body['error_type'] == 'PAYLOAD_TOO_LARGE' and body['kind']['readable_status'] == 'PAYLOAD_TOO_LARGE'
            assert body['exception_data'] == {'limit': _cap_of(target)}
            assert answer[1]['connection'] == 'close'
            assert elapsed < 2, name
    assert _tmp_files(capped) == []


def test_expect_100_continue_over_the_cap_gets_413_instead_of_100(capped):
    name, method, target, content_type = _targets(capped)[0]
    with connect(capped.engine_fqdn, timeout=5) as sock:
        sock.sendall(head(method, target, capped.engine_fqdn, {
            'Content-Type': content_type, 'Content-Length': str(BODY_CAP + 1), 'Expect': '100-continue'}))
        assert read_answer(sock)[0] == 413


def _send_chunked(sock: Any, total: int, sent: List[int]) -> None:
    """Send ``total`` bytes as 64 KiB chunks, stopping quietly when the server closes."""
    piece = b'x' * (64 * 1024)
    frame = b'%x\r\n' % len(piece) + piece + b'\r\n'
    try:
        while sent[0] < total:
            sock.sendall(frame)
            sent[0] += len(piece)
        sock.sendall(b'0\r\n\r\n')
    except OSError:
        pass


def _chunked_answer(emu: Any, method: str, target: str, content_type: str, total: int) -> tuple:
    """Stream a chunked body of ``total`` bytes; return (answer, bytes sent when it came, seconds)."""
    with connect(emu.engine_fqdn, timeout=30) as sock:
        sock.sendall(head(method, target, emu.engine_fqdn, {
            'Content-Type': content_type, 'Transfer-Encoding': 'chunked', **emu.control_headers()}))
        sent = [0]
        sender = threading.Thread(target=_send_chunked, args=(sock, total, sent), daemon=True)
        started = time.monotonic()
        sender.start()
        answer = read_answer(sock)
        at, elapsed = sent[0], time.monotonic() - started
        sock.shutdown(2)
        sender.join(10)
    return answer, at, elapsed


def test_a_chunked_body_is_cut_at_the_cap_with_413(capped):
    for name, method, target, content_type in _targets(capped):
        cap = _cap_of(target)
        answer, _, _ = _chunked_answer(capped, method, target, content_type, 16 * cap)
        assert answer[0] == 413, name
        assert json_of(answer)['exception_data'] == {'limit': cap}
    assert _tmp_files(capped) == []
    # the server still serves
    assert requests.post(capped.url + '/session/user', timeout=10).status_code == 401


def test_bodies_under_the_cap_are_served(capped):
    from tests.helpers.dicoms import dicom_bytes

    api = capped.api()
    stored = api.Storage.Image.upload(capped.engine_fqdn, capped.namespace_id, io.BytesIO(dicom_bytes()))
    assert stored.image_uid
    bundle = [{'URL': '/session/user', 'sid': api.get_sid()}]
    answer = requests.post(capped.url + '/bundle', data=json.dumps(bundle), timeout=10)
    assert answer.status_code == 200 and answer.json()[0]['status'] == 'OK'


def test_the_sdk_reports_an_upload_over_the_cap_as_payload_too_large(capped):
    from ambra_sdk.exceptions.storage import PayloadTooLarge

    api = capped.api()
    with pytest.raises(PayloadTooLarge):
        api.Storage.Image.upload(capped.engine_fqdn, capped.namespace_id, io.BytesIO(b'\0' * (2 * BODY_CAP)))


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='peak RSS read from /proc')
def test_bodies_over_the_cap_do_not_grow_the_emulator_memory():
    """The emulator in its own process: 256 MiB streamed at it grows its peak RSS by far less."""
    total = 256 * MIB
    proc = start('--max-form-bytes', '1M', '--max-body-bytes', '8M')
    try:
        info = banner(proc)
        fqdn = info['url'].split('/')[2]
        sid = requests.post(info['url'] + '/session/login',
                            data={'login': info['username'], 'password': info['password']}, timeout=10).json()['sid']
        namespace = requests.post(info['url'] + '/session/user', data={'sid': sid}, timeout=10).json()['namespace_id']
        emu = _Remote(fqdn)
        before = peak_rss_kib(proc.pid)
        figures = []
        for name, target, content_type in (
            ('bundle', '/api/v3/bundle', 'application/json'),
            ('service form', '/api/v3/study/list', 'application/x-www-form-urlencoded'),
            ('storage upload', f'/api/v3/storage/namespace/{namespace}/image?sid={sid}', 'application/dicom'),
        ):
            answer, at, elapsed = _chunked_answer(emu, 'POST', target, content_type, total)
            assert answer[0] == 413, name
            figures.append('{0}: 413 after {1:.1f} MiB sent, in {2:.2f} s'.format(name, at / MIB, elapsed))
            with connect(fqdn, timeout=10) as sock:  # a Content-Length of 4 GiB: refused at once
                sock.sendall(head('POST', target, fqdn, {'Content-Type': content_type,
                                                          'Content-Length': str(4 * 1024 * MIB)}))
                assert read_answer(sock)[0] == 413
        growth = (peak_rss_kib(proc.pid) - before) / 1024
        print('\n[24.6 memory] 3 chunked bodies of {0} MiB against caps 1 MiB (forms) / 8 MiB (storage): '
              'emulator peak RSS +{1:.1f} MiB; {2}'.format(total // MIB, growth, '; '.join(figures)))
        assert growth < 48, growth
    finally:
        assert stop(proc) == 0


class _Remote:
    """What :func:`_chunked_answer` needs of an emulator in another process."""

    def __init__(self, engine_fqdn: str) -> None:
        self.engine_fqdn = engine_fqdn

    def control_headers(self) -> dict:
        return {}


# ------------------------------------------------------------------ connections

def _open_idle(emu: Emulator, count: int) -> List[Any]:
    """``count`` connections that sent one request and stay open (kept alive)."""
    socks = []
    for _ in range(count):
        sock = connect(emu.engine_fqdn)
        sock.sendall(head('POST', '/api/v3/session/user', emu.engine_fqdn, {'Content-Length': '0'}))
        assert read_answer(sock)[0] == 401
        socks.append(sock)
    return socks


def test_connections_over_the_cap_get_503_and_a_close():
    with Emulator(max_connections=4) as emu:
        held = _open_idle(emu, 4)
        try:
            with connect(emu.engine_fqdn, timeout=5) as sock:
                sock.sendall(head('POST', '/api/v3/session/user', emu.engine_fqdn, {'Content-Length': '0'}))
                status, headers, _ = read_answer(sock)
                assert status == 503 and headers['connection'] == 'close'
                assert closed_by_peer(sock, 5)
        finally:
            for sock in held:
                sock.close()
        _wait(lambda: requests.post(emu.url + '/session/user', timeout=5).status_code == 401)


def test_silent_connections_are_capped_and_closed_after_the_head_timeout():
    with Emulator(max_connections=100, max_half_open=3, head_timeout=1.0) as emu:
        silent = [connect(emu.engine_fqdn) for _ in range(3)]
        try:
            time.sleep(0.2)  # accepted
            with connect(emu.engine_fqdn, timeout=5) as sock:
                sock.sendall(head('POST', '/api/v3/session/user', emu.engine_fqdn, {'Content-Length': '0'}))
                assert read_answer(sock)[0] == 503
            started = time.monotonic()
            assert all(closed_by_peer(sock, 5) for sock in silent)
            assert time.monotonic() - started < 2.5
        finally:
            for sock in silent:
                sock.close()
        assert requests.post(emu.url + '/session/user', timeout=5).status_code == 401


def test_a_head_dripped_byte_by_byte_is_cut_at_the_head_timeout():
    """Slowloris: one byte every 0.2 s keeps each read alive, not the connection."""
    with Emulator(head_timeout=1.0) as emu:
        line = head('POST', '/api/v3/session/user', emu.engine_fqdn, {'Content-Length': '0'}) * 50
        with connect(emu.engine_fqdn, timeout=5) as sock:
            started = time.monotonic()
            closed = False
            for byte in line[:40]:
                try:
                    sock.sendall(bytes([byte]))
                except OSError:
                    closed = True
                    break
                time.sleep(0.2)
                if time.monotonic() - started > 1.5:
                    closed = closed_by_peer(sock, 1)
                    break
            assert closed
            assert time.monotonic() - started < 3


def test_a_kept_alive_connection_may_idle_longer_than_the_head_timeout():
    with Emulator(head_timeout=0.5) as emu, connect(emu.engine_fqdn) as sock:
        request = head('POST', '/api/v3/session/user', emu.engine_fqdn, {'Content-Length': '0'})
        sock.sendall(request)
        assert read_answer(sock)[0] == 401
        time.sleep(1.2)  # idle between requests: keep-alive, not a half-open head
        sock.sendall(request)
        assert read_answer(sock)[0] == 401


def test_the_connection_cap_under_load():
    """8 connections held open, 20 threads x 10 fresh connections: each refused fast, threads bounded."""
    cap = 8
    with Emulator(max_connections=cap) as emu:
        held = _open_idle(emu, cap)
        threads_before = threading.active_count()
        peak_threads = [threads_before]
        statuses: List[int] = []
        latencies: List[float] = []
        lock = threading.Lock()

        def client() -> None:
            for _ in range(10):
                started = time.monotonic()
                try:
                    with connect(emu.engine_fqdn, timeout=10) as sock:
                        sock.sendall(head('POST', '/api/v3/session/user', emu.engine_fqdn, {'Content-Length': '0'}))
                        status = read_answer(sock)[0]
                except OSError:
                    status = 0  # closed without an answer: more than MAX_REFUSING refusals at once
                with lock:
                    statuses.append(status)
                    latencies.append(time.monotonic() - started)
                    peak_threads[0] = max(peak_threads[0], threading.active_count())

        started = time.monotonic()
        clients = [threading.Thread(target=client) for _ in range(20)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(60)
        elapsed = time.monotonic() - started
        for sock in held:
            sock.close()
        latencies.sort()
        print('\n[24.6 connections] cap {0}, {1} connections held: {2} attempts in {3:.2f} s, 503: {4}, '
              'closed unanswered: {5}, latency median {6:.1f} ms / max {7:.1f} ms, server+client threads '
              'peak {8} (before {9})'.format(
                  cap, cap, len(statuses), elapsed, statuses.count(503), statuses.count(0),
                  1000 * latencies[len(latencies) // 2], 1000 * latencies[-1], peak_threads[0], threads_before))
        assert len(statuses) == 200 and set(statuses) <= {503, 0}
        assert statuses.count(503) >= 100
        assert latencies[-1] < 5
        # the 20 client threads + at most MAX_REFUSING refusing threads (+ a few idle pool threads)
        assert peak_threads[0] <= threads_before + 20 + MAX_REFUSING + 4
        _wait(lambda: requests.post(emu.url + '/session/user', timeout=5).status_code == 401)


def _wait(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, 'condition not met in {0} s'.format(seconds)
        time.sleep(0.05)


# ---------------------------------------------------------------- deflated DICOM

def _deflated_dicom(inflated: int) -> bytes:
    """A Part 10 file in Deflated Explicit VR Little Endian whose data set inflates to about ``inflated`` bytes."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_dataset, write_file_meta_info
    from pydicom.uid import generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.7'
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = '1.2.840.10008.1.2.1.99'
    ds = Dataset()
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientName = 'Bomb^Deflate'
    plain = DicomBytesIO()
    plain.is_little_endian, plain.is_implicit_VR = True, False
    write_dataset(plain, ds)
    out = DicomBytesIO()
    out.write(b'\0' * 128 + b'DICM')
    write_file_meta_info(out, meta)
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    parts = [deflater.compress(plain.getvalue())]
    # a private OB element (0009,1010) of zeros: the bomb
    parts.append(deflater.compress(b'\x09\x00\x10\x10OB\0\0' + inflated.to_bytes(4, 'little')))
    block = b'\0' * MIB
    for _ in range(inflated // MIB):
        parts.append(deflater.compress(block))
    parts.append(deflater.flush())
    return out.getvalue() + b''.join(parts)


def test_a_deflate_bomb_is_refused_without_inflating_it():
    from ambra_sdk.emulator.storage import deflate
    from ambra_sdk.exceptions.storage import PayloadTooLarge

    bomb = _deflated_dicom(deflate.MAX_INFLATED_BYTES + 32 * MIB)
    with Emulator() as emu:
        api = emu.api()
        started = time.monotonic()
        with pytest.raises(PayloadTooLarge):
            api.Storage.Image.upload(emu.engine_fqdn, emu.namespace_id, io.BytesIO(bomb))
        elapsed = time.monotonic() - started
        assert _tmp_files(emu) == []
        print('\n[24.6 deflate] {0:.2f} MiB deflated, inflating to {1} MiB: 413 in {2:.2f} s'.format(
            len(bomb) / MIB, (deflate.MAX_INFLATED_BYTES + 32 * MIB) // MIB, elapsed))
        small = _deflated_dicom(MIB)  # a deflated file within the bound is stored
        stored = api.Storage.Image.upload(emu.engine_fqdn, emu.namespace_id, io.BytesIO(small))
        assert stored.image_uid


# --------------------------------------------------------------------- IN lists

def test_in_lists_of_thousands_of_values_are_answered(emulator):
    from ambra_sdk.emulator import study_sql

    emulator.reset()
    emulator.seed_studies(30)
    api = emulator.api()
    uids = [study.study_uid for study in api.Study.list().only({'study': ['study_uid']}).all()][:5]
    values = uids + ['9.9.{0}'.format(n) for n in range(5000)]
    sid = api.get_sid()
    for condition in ('in', 'in_or_null'):
        form = {'sid': sid, 'filter.study_uid.{0}'.format(condition): json.dumps(values), 'page.rows': '100'}
        answer = requests.post(emulator.url + '/study/list', data=form, timeout=30)
        assert answer.status_code == 200, answer.text[:200]
        assert sorted(s['study_uid'] for s in answer.json()['studies']) == sorted(uids)
        count = requests.post(emulator.url + '/study/count', data=form, timeout=30)
        assert count.status_code == 200 and count.json()['count'] == len(uids)
    # dates: one IN per comparison kind (days, seconds), same rows as the Python pipeline
    stamps = json.dumps(['2020-01-01', '2020-01-01 10:00:00'] + ['2001-01-{0:02d}'.format(n % 28 + 1)
                                                                 for n in range(3000)])
    form = {'sid': sid, 'filter.created.in': stamps, 'page.rows': '100'}
    sql_rows = requests.post(emulator.url + '/study/list', data=form, timeout=30).json()
    study_sql.ENABLED = False
    try:
        python_rows = requests.post(emulator.url + '/study/list', data=form, timeout=30).json()
    finally:
        study_sql.ENABLED = True
    assert sql_rows == python_rows


# ---------------------------------------------------------------- data folder

@pytest.mark.skipif(os.name != 'posix', reason='POSIX modes')
def test_the_data_folder_is_private(tmp_path):
    from tests.helpers.dicoms import dicom_bytes

    data = tmp_path / 'new' / 'data'
    with Emulator(data_dir=str(data)) as emu:
        api = emu.api()
        stored = api.Storage.Image.upload(emu.engine_fqdn, emu.namespace_id, io.BytesIO(dicom_bytes()))
        answer = api.Storage.Study.post_attachment(emu.engine_fqdn, emu.namespace_id, stored.study_uid,
                                                   opened_file=io.BytesIO(b'report'))
        assert answer.status_code == 202
        api.Addon.Dicom.upload(dicom_file=io.BytesIO(dicom_bytes()), namespace_id=emu.namespace_id,
                               engine_fqdn=emu.engine_fqdn, multipart_threshold=0, wait=True)  # chunks
        folders = [data, tmp_path / 'new'] + [p for p in data.rglob('*') if p.is_dir()]
        files = [p for p in data.rglob('*') if p.is_file()]
        assert len(files) >= 4  # database, images (one sent in chunks), attachment
        loose = {str(p.relative_to(tmp_path)): oct(stat.S_IMODE(p.stat().st_mode))
                 for p in folders + files if stat.S_IMODE(p.stat().st_mode) & 0o077}
        assert loose == {}
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files)
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o700 for p in folders)
