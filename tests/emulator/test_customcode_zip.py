"""``/customcode/add`` and ``/set`` take a zip that is not strict base64 (issue 22 point 5)."""

from __future__ import annotations

import base64
import io
import zipfile

import pytest

from ambra_sdk.emulator.routes.customcode import lenient_b64decode

BASE = {'name': 'n', 'type': 'AI_CUSTOM_VALIDATION_CODE', 'language': 'PYTHON', 'code': 'x = 1'}


def _zip_bytes(text: str = 'print(1)\n') -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        archive.writestr('model.py', text)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ('text', 'decoded'),
    [
        ('YWJj', b'abc'),
        ('YWJjZA==', b'abcd'),
        ('YWJjZA', b'abcd'),  # padding missing
        ('YWJjZA=', b'abcd'),  # padding short
        ('YW Jj\r\nZA==\n', b'abcd'),  # line breaks and spaces
        ('YW*Jj!Z-A', b'abcd'),  # characters outside the alphabet are ignored
        ('YWJj=ZGVm', b'abc'),  # decoding stops at the first "="
        ('YWJjZ', b'abc'),  # a lone trailing character carries no whole byte
        ('', b''),
        ('!!!', b''),
    ],
)
def test_lenient_decoding_as_perl_mime_base64(text, decoded):
    assert lenient_b64decode(text) == decoded


def _wrapped(data: bytes) -> str:
    """Base64 with 76-character lines and no padding, as some encoders write it."""
    text = base64.b64encode(data).decode().rstrip('=')
    return '\n'.join(text[i:i + 76] for i in range(0, len(text), 76))


def test_add_and_set_accept_a_zip_that_is_not_strict_base64(client):
    first, second = _zip_bytes(), _zip_bytes('print(2)\n' * 50)
    uuid = client.ok('/customcode/add', {**BASE, 'account_id': client.emulator.account_id, 'zip': _wrapped(first)})[
        'uuid'
    ]
    assert client.post('/customcode/zip', {'uuid': uuid}).content == first
    client.ok('/customcode/set', {'uuid': uuid, 'zip': ' ' + _wrapped(second) + '\n'})
    assert client.post('/customcode/zip', {'uuid': uuid}).content == second


def test_the_sdk_sends_a_wrapped_zip_and_gets_it_back(emulator):
    emulator.reset()
    api = emulator.api()
    zipped = _zip_bytes()
    uuid = api.Customcode.add(account_id=emulator.account_id, zip=_wrapped(zipped), **BASE).get().uuid
    assert api.Customcode.zip(uuid=uuid).get().content == zipped


def test_errors_the_document_does_not_list_are_not_answered(client):
    account = client.emulator.account_id
    namespace = client.emulator.namespace_id
    # a second code with a zip in one namespace: /customcode/deploy lists no ONE_ZIP_ONLY -> NOT_PERMITTED
    one = client.ok('/customcode/add', {**BASE, 'account_id': account, 'zip': 'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=='})
    two = client.ok('/customcode/add', {**BASE, 'account_id': account, 'zip': 'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=='})
    client.ok('/customcode/deploy', {'uuid': one['uuid'], 'namespace_id': namespace})
    refused = client.error('/customcode/deploy', {'uuid': two['uuid'], 'namespace_id': namespace})
    assert refused == {'status': 'ERROR', 'error_type': 'NOT_PERMITTED'}
    # an unknown code: /customcode/delete and /set list no NOT_FOUND -> NOT_PERMITTED; /get lists it
    unknown = '00000000-0000-4000-8000-0000000000aa'
    assert client.error('/customcode/delete', {'uuid': unknown})['error_type'] == 'NOT_PERMITTED'
    assert client.error('/customcode/set', {'uuid': unknown, 'code': 'y'})['error_type'] == 'NOT_PERMITTED'
    assert client.error('/customcode/get', {'uuid': unknown})['error_type'] == 'NOT_FOUND'
    # an unknown account: /customcode/add lists no NOT_FOUND -> NOT_PERMITTED
    assert client.error('/customcode/add', {**BASE, 'account_id': unknown})['error_type'] == 'NOT_PERMITTED'
