"""``python -m ambra_sdk.emulator``: TLS banner, control token, signals, missing extra (real processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Dict

import pytest
import requests

from tests.helpers.emulator_process import banner, child_env, start, stop


def test_tls_banner_and_the_one_line_to_trust_it():
    pytest.importorskip('trustme')
    proc = start('--tls')
    try:
        info = banner(proc)
        assert info['url'].startswith('https://127.0.0.1:')
        assert info['storage_base_url'] == 'https://{engine_fqdn}/api/v3/storage'
        ca_file = info['REQUESTS_CA_BUNDLE']
        assert info['ca_file'] == ca_file and os.path.exists(ca_file)
        response = requests.post(
            info['url'] + '/session/login', data={'login': info['username'], 'password': info['password']},
            verify=ca_file, timeout=10,
        )
        assert response.status_code == 200
    finally:
        assert stop(proc) == 0
    assert not os.path.exists(ca_file)


def test_control_token_is_printed_and_required():
    proc = start()
    try:
        info = banner(proc)
        root = info['url'].replace('/api/v3', '/_emulator')
        assert requests.get(root + '/info', timeout=10).status_code == 401
        answer = requests.get(root + '/info', headers={'X-Ambra-Emulator-Token': info['control_token']}, timeout=10)
        assert answer.status_code == 200 and 'password' not in answer.json()
    finally:
        assert stop(proc) == 0


def test_no_control():
    proc = start('--no-control')
    try:
        info = banner(proc)
        assert 'control_token' not in info
        root = info['url'].replace('/api/v3', '/_emulator')
        assert requests.get(root + '/info', timeout=10).status_code == 404
    finally:
        assert stop(proc) == 0


@pytest.mark.skipif(sys.platform == 'win32', reason='POSIX signals')
def test_stops_on_sigint_even_when_started_with_sigint_ignored():
    """A background job of a CI shell starts with SIGINT ignored; the emulator sets its own handlers."""
    proc = start(preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    banner(proc)
    assert stop(proc, signal.SIGINT) == 0
    assert proc.stderr is not None and 'Traceback' not in proc.stderr.read()


def test_stops_on_sigterm_with_a_clean_exit():
    proc = start()
    banner(proc)
    assert stop(proc, signal.SIGTERM) == 0
    assert proc.stderr is not None
    err = proc.stderr.read()
    assert 'Traceback' not in err and 'Stopping.' in err


def test_missing_extra_gives_one_line_and_no_traceback():
    code = (
        "import sys, runpy; sys.modules['werkzeug'] = None; "
        "runpy.run_module('ambra_sdk.emulator', run_name='__main__')"
    )
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=child_env(), timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    from ambra_sdk.extras import install_command

    assert install_command('emulator') in lines[0] and 'werkzeug' in lines[0]
    assert "'ambra-sdk[" not in lines[0]  # never the published SDK of the same name
    assert result.stdout == ''


def _login(info: Dict[str, str]) -> str:
    response = requests.post(info['url'] + '/session/login',
                             data={'login': info['username'], 'password': info['password']}, timeout=10)
    return str(response.json()['sid'])


def test_a_faulted_upload_prints_nothing_of_its_body():
    """The issue's case: the unread body of a faulted upload reached stderr as 'Bad request syntax'."""
    import http.client

    marker = b'PHI-MARKER^DOE^JOHN'
    proc = start()
    try:
        info = banner(proc)
        root = info['url'].replace('/api/v3', '/_emulator')
        headers = {'X-Ambra-Emulator-Token': info['control_token']}
        fault = {'path_pattern': '/storage/namespace/*/image', 'status': 503, 'times': 1}
        assert requests.post(root + '/faults', json=fault, headers=headers, timeout=10).status_code == 200
        sid = _login(info)
        host, port = info['url'].split('/')[2].split(':')
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        body = (b'GARBAGE ' + marker + b' HTTP/1.1\r\n\r\n') * 5000
        conn.request('POST', '/api/v3/storage/namespace/any/image?sid=' + sid, body=body)
        faulted = conn.getresponse()
        assert faulted.status == 503
        faulted.read()
        conn.request('POST', '/api/v3/session/user', body=b'')
        assert conn.getresponse().status == 401
        conn.close()
    finally:
        assert stop(proc) == 0
    assert proc.stdout is not None and proc.stderr is not None
    output = proc.stdout.read() + proc.stderr.read()
    assert marker.decode() not in output and 'Bad request' not in output


def test_sigterm_during_an_upload_leaves_no_file(tmp_path):
    pytest.importorskip('pydicom')
    import socket
    import time

    proc = start('--data', str(tmp_path))
    try:
        info = banner(proc)
        sid = _login(info)
        host, port = info['url'].split('/')[2].split(':')
        namespace = requests.post(info['url'] + '/session/user', data={'sid': sid}, timeout=10).json()['namespace_id']
        sock = socket.create_connection((host, int(port)), timeout=10)
        head = (
            f'POST /api/v3/storage/namespace/{namespace}/image?sid={sid} HTTP/1.1\r\nHost: {host}:{port}\r\n'
            f'Content-Type: application/dicom\r\nContent-Length: {200 * 1024 * 1024}\r\n\r\n'
        ).encode()
        sock.sendall(head + b'\0' * (4 * 1024 * 1024))
        tmp_dir = tmp_path / 'files' / 'storage-tmp'
        deadline = time.monotonic() + 10
        while not (tmp_dir.exists() and any(tmp_dir.iterdir())) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert tmp_dir.exists() and any(tmp_dir.iterdir()), 'the upload did not start'
        assert stop(proc) == 0
        sock.close()
    finally:
        if proc.poll() is None:
            proc.kill()
    leftovers = [p for p in (tmp_path / 'files').rglob('*') if p.is_file()]
    assert leftovers == []
