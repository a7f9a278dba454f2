"""A faulted or refused request never has its body parsed as a request, bodies are never logged,
and a stop during an upload leaves no orphan file (over real sockets)."""

from __future__ import annotations

import http.client
import logging
import socket
import time
from pathlib import Path

import pytest

from ambra_sdk.emulator import Emulator
from ambra_sdk.emulator.handler import DRAIN_LIMIT

MARKER = b'PHI-MARKER^DOE^JANE'
#: A body that is also a valid request: parsed as one, it would show in the request log and answers.
REQUEST_LOOKING_BODY = b'GET /api/v3/' + MARKER + b' HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n'


def _connection(emu) -> http.client.HTTPConnection:
    host, port = emu.engine_fqdn.split(':')
    return http.client.HTTPConnection(host, int(port), timeout=30)


def _upload_path(emu, sid: str) -> str:
    return f'/api/v3/storage/namespace/{emu.namespace_id}/image?sid={sid}'


def _assert_never_seen(emu, caplog, capfd) -> None:
    out, err = capfd.readouterr()
    text = MARKER.decode()
    assert text not in out and text not in err
    assert all(text not in record.getMessage() for record in caplog.records)
    assert all(text not in entry.path for entry in emu.requests_log)


@pytest.fixture
def quiet_checks(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def test_a_faulted_upload_body_is_drained_not_parsed(client, quiet_checks, capfd):
    emu = client.emulator
    emu.faults.add('/storage/namespace/*/image', status=503, times=1)
    conn = _connection(emu)
    body = REQUEST_LOOKING_BODY * 2000 + MARKER * 1000
    conn.request('POST', _upload_path(emu, client.sid), body=body, headers={'Content-Type': 'application/dicom'})
    first = conn.getresponse()
    assert first.status == 503
    first.read()
    before = emu.connections_accepted
    conn.request('POST', '/api/v3/session/user', body=b'', headers={'Content-Length': '0'})
    second = conn.getresponse()
    assert second.status == 401  # the answer to this request, not to one read from the body
    second.read()
    assert emu.connections_accepted == before  # drained: the connection was kept
    conn.close()
    _assert_never_seen(emu, quiet_checks, capfd)


def test_a_refused_request_body_is_drained_not_parsed(client, quiet_checks, capfd):
    emu = client.emulator
    conn = _connection(emu)
    conn.request('POST', _upload_path(emu, 'not-a-sid'), body=REQUEST_LOOKING_BODY * 100,
                 headers={'Content-Type': 'application/dicom'})
    refused = conn.getresponse()
    assert refused.status in (401, 403)
    refused.read()
    conn.request('POST', '/api/v3/session/user', body=b'', headers={'Content-Length': '0'})
    assert conn.getresponse().status == 401
    conn.close()
    _assert_never_seen(emu, quiet_checks, capfd)


def test_a_big_unread_body_closes_the_connection(client, quiet_checks, capfd):
    emu = client.emulator
    emu.faults.add('/storage/namespace/*/image', status=503, times=1)
    conn = _connection(emu)
    body = REQUEST_LOOKING_BODY * (DRAIN_LIMIT // len(REQUEST_LOOKING_BODY) + 1000)
    conn.request('POST', _upload_path(emu, client.sid), body=body, headers={'Content-Type': 'application/dicom'})
    response = conn.getresponse()
    assert response.status == 503
    assert response.getheader('Connection') == 'close'
    response.read()
    conn.close()
    assert client.ok('/session/user')['email'] == emu.username
    _assert_never_seen(emu, quiet_checks, capfd)


def test_a_dropped_connection_never_parses_its_body(client, quiet_checks, capfd):
    emu = client.emulator
    emu.faults.add('/storage/namespace/*/image', drop_connection=True, times=1)
    conn = _connection(emu)
    with pytest.raises((http.client.HTTPException, OSError)):
        conn.request('POST', _upload_path(emu, client.sid), body=REQUEST_LOOKING_BODY * 100,
                     headers={'Content-Type': 'application/dicom'})
        conn.getresponse().read()
    conn.close()
    assert client.ok('/session/user')['email'] == emu.username
    _assert_never_seen(emu, quiet_checks, capfd)


def test_malformed_requests_are_not_echoed_in_logs(client, quiet_checks, capfd):
    emu = client.emulator
    host, port = emu.engine_fqdn.split(':')
    for payload in (MARKER + b' garbage\r\n\r\n', b'GET /x HTTP/1.1 ' + MARKER + b'\r\n\r\n',
                    b'POST /x HTTP/1.1\r\nContent-Length: ' + MARKER + b'\r\n\r\n'):
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(payload)
            answer = b''
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        assert MARKER not in answer
    assert client.ok('/session/user')['email'] == emu.username
    _assert_never_seen(emu, quiet_checks, capfd)


# ------------------------------------------------------------------ orphans


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob('*') if p.is_file()) if folder.exists() else []


def test_a_stop_during_an_upload_leaves_no_file(tmp_path):
    pytest.importorskip('pydicom')
    emu = Emulator(data_dir=str(tmp_path)).start()
    sid = emu.login()
    host, port = emu.engine_fqdn.split(':')
    sock = socket.create_connection((host, int(port)), timeout=10)
    tmp_dir = tmp_path / 'files' / 'storage-tmp'
    try:
        head = (
            f'POST {_upload_path(emu, sid)} HTTP/1.1\r\nHost: {emu.engine_fqdn}\r\nContent-Type: application/dicom\r\n'
            f'Content-Length: {50 * 1024 * 1024}\r\n\r\n'
        ).encode()
        sock.sendall(head + b'\0' * (2 * 1024 * 1024))
        deadline = time.monotonic() + 10
        while not _files(tmp_dir) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _files(tmp_dir), 'the upload did not start'
        emu.stop()
    finally:
        sock.close()
    deadline = time.monotonic() + 10
    while _files(tmp_path / 'files') and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _files(tmp_path / 'files') == []


def test_start_removes_leftovers_of_a_crash(tmp_path):
    pytest.importorskip('pydicom')
    import io

    from ambra_sdk.emulator.storage.index import StorageIndex
    from tests.helpers.dicoms import dicom_bytes

    with Emulator(data_dir=str(tmp_path)) as emu:
        api = emu.api(rate_limits=None)
        api.Storage.Image.upload(emu.engine_fqdn, emu.namespace_id, io.BytesIO(dicom_bytes()))
        api.logout()
        assert emu.state is not None
        index = StorageIndex(emu.state)
        kept = _files(index.blob_dir)
        assert len(kept) == 1
        tmp_dir, blob_dir = index.tmp_dir, index.blob_dir
    # what a kill during an upload leaves: a temporary file, a blob renamed before its row was committed
    (tmp_dir / 'half-upload').write_bytes(b'\0' * 1000)
    (blob_dir / 'uncommitted.dcm').write_bytes(b'\0' * 1000)
    (tmp_dir / 'multipart-in-progress').mkdir()
    with Emulator(data_dir=str(tmp_path)) as emu:
        assert _files(blob_dir) == kept
        assert not (tmp_dir / 'half-upload').exists()
        assert (tmp_dir / 'multipart-in-progress').is_dir()
        sid = emu.login()
        study = emu.state.list_studies()[0] if emu.state is not None else None
        assert study is not None
        conn = _connection(emu)
        conn.request('GET', f'/api/v3/storage/study/{emu.namespace_id}/{study["study_uid"]}/schema?sid={sid}')
        assert conn.getresponse().status == 200
        conn.close()
