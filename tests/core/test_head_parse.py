"""The SDK's response head parse (:mod:`ambra_sdk.api.head_parse`) makes the message ``http.client`` makes.

Each head, ordinary or odd, is parsed by ``http.client.parse_headers`` and by
:func:`~ambra_sdk.api.head_parse.parse_headers`: the messages must be equal
attribute by attribute (headers, payload, defects, class), and so must the
errors. :func:`~ambra_sdk.api.head_parse.begin` is checked over a real socket
through an SDK session (status, reason, headers, body, 100 Continue).
"""

import http.client
import io
import random

import pytest
import requests

from ambra_sdk.api import head_parse
from ambra_sdk.api.transport import SAFE_POLICY, build_session, default_storage_retry_params
from tests.helpers.servers import RecordingServer

HEADS = [
    b'\r\n',
    b'\n',
    b'',
    b'Content-Type: application/json\r\nContent-Length: 12\r\n\r\n',
    b'Server: Werkzeug/3.0\r\nDate: Sun, 06 Dec 2026 18:00:00 GMT\r\nX-A:b:c\r\nX-Empty:\r\nX-Blank: \t \r\n\r\n',
    b'A: 1\nB:  two  \n\n',
    b'A: 1\r\nB: 2\n\r\n',
    b'Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nset-cookie: c=3\r\n\r\n',
    b'X-Folded: one\r\n two\r\n\tthree\r\n\r\n',
    b' Leading: space\r\n\r\n',
    b'From nobody\r\nA: 1\r\n\r\n',
    b'No colon here\r\nA: 1\r\n\r\n',
    b': empty name\r\n\r\n',
    b'Bad Name: x\r\n\r\n',
    b'X-Latin: caf\xe9\r\n\r\n',
    b'X-Ctl: a\x0bb\x0cc\x1cd\x85e\r\n\r\n',
    b'X-CR: a\rb\r\n\r\n',
    b'Content-Type: multipart/mixed; boundary=xyz\r\n\r\n',
    b'Content-Type:  Multipart/Form-Data\r\n\r\n',
    b'Content-Type: message/rfc822\r\n\r\n',
    b'Content-Type: message/http\r\nA: 1\r\n\r\n',
    b'Content-Type: text/plain; charset=utf-8\r\nContent-Type: multipart/x\r\n\r\n',
    b'A: 1\r\n',
    b'A: 1\r\nB: 2',
]


def _parse(parser, head):
    try:
        message = parser(io.BufferedReader(io.BytesIO(head)))
    except Exception as error:  # noqa: BLE001 (compared below)
        return ('raised', type(error), str(error))
    return ('message', _shape(message))


def _shape(message):
    """A message's attributes, comparable (defects by type and arguments, parts by their shape)."""
    payload = message._payload
    return (type(message), dict(
        vars(message), defects=[(type(defect), defect.args) for defect in message.defects],
        _payload=[_shape(part) for part in payload] if isinstance(payload, list) else payload,
    ))


def _same(head):
    expected = _parse(http.client.parse_headers, head)
    assert _parse(head_parse.parse_headers, head) == expected, head


@pytest.mark.parametrize('head', HEADS)
def test_same_message_as_http_client(head):
    _same(head)


def test_same_message_on_random_heads():
    pieces = [b'A', b'x-y', b':', b' ', b'\t', b'\r\n', b'\n', b'\r', b'v', b'From ', b'\xe9', b'\x0b',
              b'Content-Type: ', b'multipart/a', b'message/b', b'text/plain']
    rng = random.Random(26)
    for _ in range(3000):
        head = b''.join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) + rng.choice([b'\r\n\r\n', b'\n\n', b''])
        _same(head)


def test_same_limits_as_http_client(monkeypatch):
    _same(b'A: ' + b'x' * 70000 + b'\r\n\r\n')  # LineTooLong
    _same(b''.join(b'H%d: v\r\n' % number for number in range(150)) + b'\r\n')  # too many headers
    monkeypatch.setattr(http.client, '_MAXHEADERS', 200)  # a user raising the limit: still honoured
    _same(b''.join(b'H%d: v\r\n' % number for number in range(150)) + b'\r\n')


def test_begin_over_a_socket():
    heads = {
        '/plain': (200, 'X-Plain: 1\r\nSet-Cookie: a=1; Path=/\r\n'),
        '/folded': (200, 'X-Folded: a\r\n b\r\n'),
        '/multi': (201, 'Content-Type: multipart/mixed; boundary=z\r\n'),
        '/continue': (100, ''),
    }
    with RecordingServer(answer=lambda line: heads[line.split()[1]]) as server:
        sdk = build_session(default_storage_retry_params(SAFE_POLICY), lambda: {}, lambda: (5.0, 5.0),
                            kind='storage')
        for path in ('/plain', '/folded', '/multi'):
            url = 'http://{0}{1}'.format(server.engine_fqdn, path)
            ours, theirs = sdk.get(url), requests.get(url, timeout=5)
            assert (ours.status_code, ours.reason, dict(ours.headers), ours.content, ours.cookies.get_dict()) == (
                theirs.status_code, theirs.reason, dict(theirs.headers), theirs.content, theirs.cookies.get_dict())
            assert type(ours.raw._original_response.msg) is http.client.HTTPMessage
            assert vars(ours.raw._original_response.msg) == vars(theirs.raw._original_response.msg)
