"""A zip archive written straight into the HTTP response, one chunk at a time.

:func:`stream_zip` drives :class:`zipfile.ZipFile` over an unseekable sink, so
entries use data descriptors and nothing larger than one chunk (plus one file's
zip headers) is ever buffered; zip64 is used for entries over 2 GiB.
"""

from __future__ import annotations

import io
import time
import zipfile
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, List, Optional

CHUNK = 1 << 20


@dataclass
class ZipEntry:
    """One member of a streamed zip.

    :ivar name: the path inside the archive.
    :ivar size: its size in bytes, if known in advance (picks zip64).
    :ivar chunks: callable returning the member's bytes piece by piece.
    """

    name: str
    chunks: Callable[[], Iterable[bytes]]
    size: Optional[int] = None


def file_chunks(path: str, chunk: int = CHUNK) -> Callable[[], Iterator[bytes]]:
    """Return a callable that reads ``path`` in ``chunk`` sized pieces."""

    def read() -> Iterator[bytes]:
        with open(path, 'rb') as src:
            while True:
                data = src.read(chunk)
                if not data:
                    return
                yield data

    return read


def bytes_chunks(data: bytes) -> Callable[[], Iterator[bytes]]:
    """Return a callable yielding ``data`` once."""

    def read() -> Iterator[bytes]:
        yield data

    return read


class _Sink(io.RawIOBase):
    """Write-only, unseekable buffer that the generator drains."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: List[bytes] = []
        self._pos = 0
        self.pending = 0

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        raw = bytes(data)
        self._parts.append(raw)
        self._pos += len(raw)
        self.pending += len(raw)
        return len(raw)

    def tell(self) -> int:
        return self._pos

    def drain(self) -> bytes:
        data = b''.join(self._parts)
        self._parts.clear()
        self.pending = 0
        return data


def stream_zip(entries: Iterable[ZipEntry], chunk: int = CHUNK) -> Iterator[bytes]:
    """Yield the bytes of a zip (stored, not deflated) holding ``entries``."""
    sink = _Sink()
    stamp = time.localtime()[:6]
    with zipfile.ZipFile(sink, 'w', zipfile.ZIP_STORED, allowZip64=True) as archive:
        for entry in entries:
            info = zipfile.ZipInfo(entry.name, date_time=stamp)
            info.compress_type = zipfile.ZIP_STORED
            if entry.size is not None:
                info.file_size = entry.size
            with archive.open(info, 'w', force_zip64=bool(entry.size and entry.size > 0x7FFFFFFF)) as dst:
                for piece in entry.chunks():
                    dst.write(piece)
                    if sink.pending >= chunk:
                        yield sink.drain()
            if sink.pending:
                yield sink.drain()
    tail = sink.drain()
    if tail:
        yield tail
