"""``RequestBody``: the app never reads a byte past the body, however it reads (pure, no sockets)."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st
from werkzeug.serving import DechunkedInput

from ambra_sdk.emulator.handler import RequestBody

NEXT_REQUEST = b'GET /next HTTP/1.1\r\n\r\n'


def _chunked(body: bytes, cut: int) -> bytes:
    parts = [body[i:i + cut] for i in range(0, len(body), cut)] if body else []
    return b''.join(b'%x\r\n%s\r\n' % (len(p), p) for p in parts) + b'0\r\n\r\n'


def _read_all(stream: RequestBody, sizes: list) -> bytes:
    out = b''
    for size in sizes + [-1]:
        data = stream.readline(size) if size == 7 else stream.read(size)
        out += data
    return out


@given(st.binary(max_size=300), st.lists(st.integers(min_value=-1, max_value=64), max_size=10))
def test_content_length_body(body, sizes):
    source = io.BufferedReader(io.BytesIO(body + NEXT_REQUEST))  # type: ignore[arg-type]
    stream = RequestBody(source, len(body))
    assert _read_all(stream, sizes) == body
    assert stream.remaining == 0 and stream.read() == b''
    assert source.read() == NEXT_REQUEST


@given(st.binary(max_size=300), st.integers(min_value=1, max_value=50),
       st.lists(st.integers(min_value=-1, max_value=64), max_size=10))
def test_chunked_body(body, cut, sizes):
    source = io.BufferedReader(io.BytesIO(_chunked(body, cut) + NEXT_REQUEST))  # type: ignore[arg-type]
    stream = RequestBody(DechunkedInput(source), None)
    assert _read_all(stream, [s for s in sizes if s != 7]) == body
    assert stream.remaining == 0
    assert source.read() == NEXT_REQUEST


@given(st.binary(min_size=1, max_size=300), st.integers(min_value=0, max_value=300))
def test_drain_reads_exactly_the_rest(body, already):
    source = io.BufferedReader(io.BytesIO(body + NEXT_REQUEST))  # type: ignore[arg-type]
    stream = RequestBody(source, len(body))
    stream.read(min(already, len(body)))
    assert stream.drain(1000)
    assert source.read() == NEXT_REQUEST


def test_drain_stops_at_the_limit():
    source = io.BufferedReader(io.BytesIO(b'x' * 1000))  # type: ignore[arg-type]
    stream = RequestBody(source, 1000)
    assert not stream.drain(100)
    assert stream.remaining == 900


def test_a_body_cut_short_is_an_error():
    stream = RequestBody(io.BufferedReader(io.BytesIO(b'abc')), 10)  # type: ignore[arg-type]
    assert stream.read(3) == b'abc'
    try:
        stream.read(5)
    except ConnectionError:
        pass
    else:  # pragma: no cover
        raise AssertionError('a short body must raise')
