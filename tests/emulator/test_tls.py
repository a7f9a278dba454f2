"""HTTPS: ``Emulator(tls=True)`` / ``--tls``, and clear refusals of the wrong protocol (over real sockets)."""

from __future__ import annotations

import io
import os
import socket
import ssl
from pathlib import Path

import pytest
import requests

from ambra_sdk.api import Api
from ambra_sdk.api.api import DEFAULT_STORAGE_BASE_URL
from ambra_sdk.emulator import Emulator

pytest.importorskip('trustme')


@pytest.fixture(scope='module')
def tls_emulator():
    with Emulator(tls=True) as emu:
        yield emu


def test_addresses_and_ca_file(tls_emulator):
    emu = tls_emulator
    assert emu.url == f'https://{emu.engine_fqdn}/api/v3'
    assert emu.storage_base_url == DEFAULT_STORAGE_BASE_URL
    assert emu.ca_file is not None and Path(emu.ca_file).read_text().startswith('-----BEGIN CERTIFICATE-----')


def test_api_trusts_the_ca_by_itself_whatever_the_environment(tls_emulator, monkeypatch):
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', requests.certs.where())  # a bundle without the emulator's CA
    api = tls_emulator.api(rate_limits=None)
    assert api.Session.user().get().email == tls_emulator.username
    api.logout()  # the sessions are made again: they trust the CA too
    assert api.Session.user().get().email == tls_emulator.username
    api.logout()


def test_the_certificate_is_not_trusted_without_the_ca(tls_emulator):
    session = requests.Session()
    session.trust_env = False
    with pytest.raises(requests.exceptions.SSLError):
        session.post(tls_emulator.url + '/session/user', timeout=10)


def test_default_storage_template_works_unchanged(tls_emulator, monkeypatch):
    """Code written for the real server: no storage_base_url, the CA trusted through the environment."""
    pydicom = pytest.importorskip('pydicom')
    from tests.helpers.dicoms import dicom_bytes

    monkeypatch.setenv('REQUESTS_CA_BUNDLE', tls_emulator.ca_file)
    tls_emulator.reset()
    api = Api.with_creds(tls_emulator.url, tls_emulator.username, tls_emulator.password, rate_limits=None)
    namespace_id = api.User.get().get().namespace_id
    engine_fqdn = api.Namespace.engine_fqdn(namespace_id=namespace_id).get().engine_fqdn
    body = dicom_bytes()
    api.Storage.Image.upload(engine_fqdn=engine_fqdn, namespace=namespace_id, opened_file=io.BytesIO(body))
    study_uid = str(pydicom.dcmread(io.BytesIO(body)).StudyInstanceUID)
    schema = api.Storage.Study.schema(engine_fqdn, namespace_id, study_uid)
    assert schema['study_uid'] == study_uid
    api.logout()


def test_keep_alive_over_tls(tls_emulator):
    session = requests.Session()
    session.trust_env = False
    session.verify = tls_emulator.ca_file
    before = tls_emulator.connections_accepted
    for _ in range(10):
        response = session.post(tls_emulator.url + '/session/user', timeout=10)
        assert response.status_code == 401
        assert response.headers.get('Connection', '').lower() != 'close'
    assert tls_emulator.connections_accepted - before == 1
    session.close()


def test_plain_http_on_the_tls_port_gets_a_clear_400(tls_emulator):
    response = requests.post(f'http://{tls_emulator.engine_fqdn}/api/v3/session/user', timeout=10)
    assert response.status_code == 400
    assert 'speaks HTTPS' in response.text


def test_tls_client_hello_on_the_plain_port_is_refused_at_once(emulator):
    context = ssl.create_default_context()
    host, port = emulator.engine_fqdn.split(':')
    # an SSLError (a refusal), not a socket timeout (a server waiting for more)
    with socket.create_connection((host, int(port)), timeout=5) as raw, pytest.raises(ssl.SSLError):
        context.wrap_socket(raw, server_hostname=host)
    session = requests.Session()
    session.trust_env = False
    with pytest.raises(requests.exceptions.SSLError):
        session.get(f'https://{emulator.engine_fqdn}/api/v3/session/user', timeout=30)
    # the server goes on serving plain HTTP
    assert requests.post(emulator.url + '/session/user', timeout=10).status_code == 401


def test_the_answer_to_a_client_hello_says_what_to_do(emulator):
    host, port = emulator.engine_fqdn.split(':')
    hello = b'\x16\x03\x01\x00\x05hello'
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(hello)
        answer = b''
        while True:
            data = sock.recv(4096)
            if not data:
                break
            answer += data
    assert answer.startswith(b'HTTP/1.1 400 ')
    assert b'speaks plain HTTP' in answer and b'--tls' in answer


def test_a_failed_handshake_does_not_stop_the_server(tls_emulator):
    host, port = tls_emulator.engine_fqdn.split(':')
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b'\x16\x03\x01\x00\x05junk!')
        sock.recv(4096)
    api = tls_emulator.api(rate_limits=None)
    assert api.Session.user().get().email == tls_emulator.username
    api.logout()


def test_ca_file_is_removed_on_stop():
    emu = Emulator(tls=True).start()
    ca_file = emu.ca_file
    assert ca_file is not None and os.path.exists(ca_file)
    emu.stop()
    assert not os.path.exists(ca_file)
    assert emu.ca_file is None


def test_urls_in_answers_use_https(tls_emulator):
    api = tls_emulator.api(rate_limits=None)
    namespace_id = api.Session.user().get().namespace_id
    answer = api.Namespace.engine_fqdn(namespace_id=namespace_id).get()
    assert answer.engine_url == f'https://{tls_emulator.engine_fqdn}'
    api.logout()
