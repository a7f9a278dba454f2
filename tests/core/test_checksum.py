"""The one crc32 of multipart chunks (:mod:`ambra_sdk.checksum`): zlib's values, from zlib-ng when installed."""

import os
import random
import subprocess
import sys
import zlib

import pytest

from ambra_sdk import checksum


@pytest.fixture
def fresh_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget the implementation chosen so far (the test chooses again)."""
    monkeypatch.setattr(checksum, '_chosen', None)
    monkeypatch.setattr(checksum, '_name', '')


def test_same_values_as_zlib() -> None:
    rng = random.Random(26)
    for size in [0, 1, 7, 8, 15, 16, 63, 64, 255, 4096, 65537, 2 * 1024 * 1024 + 3]:
        data = rng.randbytes(size) if hasattr(rng, 'randbytes') else os.urandom(size)
        start = rng.randrange(2 ** 32)
        assert checksum.crc32(data) == zlib.crc32(data)
        assert checksum.crc32(data, start) == zlib.crc32(data, start)
        assert checksum.crc32(bytearray(data)) == zlib.crc32(data)
        assert checksum.crc32(memoryview(data)[1:]) == zlib.crc32(data[1:])
    # a running crc32 over pieces is the crc32 of the whole
    pieces = [os.urandom(n) for n in (10, 100_000, 3)]
    running = 0
    for piece in pieces:
        running = checksum.crc32(piece, running)
    assert running == zlib.crc32(b''.join(pieces)) == checksum.crc32(b''.join(pieces))


def test_zlib_ng_is_used_when_installed() -> None:
    pytest.importorskip('zlib_ng')
    assert checksum.implementation_name() == 'zlib-ng'


def test_falls_back_to_zlib_without_zlib_ng(fresh_choice: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, 'zlib_ng', None)  # import zlib_ng raises ImportError
    assert checksum.implementation_name() == 'zlib'
    assert checksum.crc32(b'123456789') == 0xCBF43926


def test_a_wrong_implementation_is_not_used(fresh_choice: None, monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        @staticmethod
        def crc32(data: bytes, value: int = 0) -> int:
            return zlib.crc32(data, value) ^ (1 if len(data) > 4096 else 0)  # wrong on big inputs only

    fake = type(sys)('zlib_ng')
    fake.zlib_ng = Broken  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, 'zlib_ng', fake)
    assert checksum.implementation_name() == 'zlib'
    assert checksum.crc32(b'\x00' * 5000) == zlib.crc32(b'\x00' * 5000)


def test_choice_is_made_at_the_first_call_not_at_import() -> None:
    code = ('import sys, ambra_sdk.checksum, ambra_sdk.storage.file_part\n'
            'print("zlib_ng" in sys.modules)\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == 'False'
