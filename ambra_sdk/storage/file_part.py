"""A read-only window on a byte range of an open file, sent as a request body.

A multipart upload sends a big file as numbered parts. :class:`FilePart`
lets ``requests`` stream one part straight from the file, in constant
memory, with a ``Content-Length`` (``len(part)``), and lets the SDK rewind it
before a retry (``seek``/``tell`` are relative to the start of the part).
Several parts of one file may be read from different threads: each read is a
``seek`` + ``read`` under a lock shared by the parts of that file (or one
``os.pread`` where the platform has it, which needs no lock).
"""

import io
import os
import threading
from typing import Any, BinaryIO, Iterator, List, Optional

#: Bytes handed to the transport per read.
READ_SIZE = 1024 * 1024


class FilePart(io.RawIOBase):
    """Bytes ``[offset, offset + length)`` of ``source``, readable like a file.

    :param source: a binary file opened for reading and seekable.
    :param offset: first byte of the part in ``source``.
    :param length: bytes in the part.
    :param lock: the lock shared by every part of ``source`` (a new one when None).
    :raises ValueError: a negative offset or length.
    """

    def __init__(self, source: BinaryIO, offset: int, length: int, lock: Optional[threading.Lock] = None) -> None:
        super().__init__()
        if offset < 0 or length < 0:
            raise ValueError('offset and length must be >= 0, got {0} and {1}'.format(offset, length))
        self._source = source
        self._offset = offset
        self._length = length
        self._position = 0
        self._lock = lock or threading.Lock()
        self._fileno = _fileno_of(source)

    @property
    def offset(self) -> int:
        """First byte of the part in the file."""
        return self._offset

    def __len__(self) -> int:
        """Bytes in the part (``requests`` subtracts :meth:`tell` for the ``Content-Length``)."""
        return self._length

    def __repr__(self) -> str:
        """Show the range, never the content."""
        return '<FilePart offset={0} length={1}>'.format(self._offset, self._length)

    def readable(self) -> bool:
        """A part is readable."""
        return True

    def seekable(self) -> bool:
        """A part is seekable (to rewind it before a retry)."""
        return True

    def tell(self) -> int:
        """Return the position relative to the start of the part."""
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move inside the part.

        :param offset: position, relative to ``whence``.
        :param whence: ``io.SEEK_SET``, ``io.SEEK_CUR`` or ``io.SEEK_END``.
        :return: the new position.
        :raises ValueError: a position before the start of the part, or a bad ``whence``.
        """
        bases = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}
        if whence not in bases:
            raise ValueError('whence must be io.SEEK_SET, io.SEEK_CUR or io.SEEK_END, got {0!r}'.format(whence))
        position = bases[whence] + offset
        if position < 0:
            raise ValueError('negative seek position {0}'.format(position))
        self._position = position
        return position

    def read(self, size: Optional[int] = -1) -> bytes:
        """Read up to ``size`` bytes of the part (all that is left when ``size`` < 0).

        :param size: bytes wanted.
        :return: the bytes (``b''`` at the end of the part).
        """
        left = max(0, self._length - self._position)
        want = left if size is None or size < 0 else min(size, left)
        if want == 0:
            return b''
        start = self._offset + self._position
        if self._fileno is not None:
            data = os.pread(self._fileno, want, start)  # type: ignore[attr-defined]
        else:
            with self._lock:
                self._source.seek(start)
                data = self._source.read(want)
        self._position += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        """Read into a writable buffer.

        :param buffer: a bytearray or memoryview.
        :return: bytes read.
        """
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def __iter__(self) -> Iterator[bytes]:  # type: ignore[override]
        """Yield the rest of the part in :data:`READ_SIZE` pieces."""
        while True:
            chunk = self.read(READ_SIZE)
            if not chunk:
                return
            yield chunk


def _fileno_of(source: Any) -> Optional[int]:
    """Return the descriptor to ``pread`` from, or None to use seek + read."""
    if not hasattr(os, 'pread'):
        return None
    try:
        return int(source.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None


def split_file(source: BinaryIO, part_size: int, start: Optional[int] = None) -> List[FilePart]:
    """Cut the rest of an open file into parts of ``part_size`` bytes.

    :param source: a seekable binary file.
    :param part_size: bytes per part (the last part may be shorter).
    :param start: first byte (default: the file's current position).
    :return: the parts, in order (one empty part for an empty file).
    :raises ValueError: ``part_size`` is not a positive int.
    """
    if isinstance(part_size, bool) or not isinstance(part_size, int) or part_size <= 0:
        raise ValueError('part_size must be a positive int, got {0!r}'.format(part_size))
    first = source.tell() if start is None else start
    end = source.seek(0, io.SEEK_END)
    source.seek(first)
    lock = threading.Lock()
    total = max(0, end - first)
    if total == 0:
        return [FilePart(source, first, 0, lock)]
    return [
        FilePart(source, offset, min(part_size, first + total - offset), lock)
        for offset in range(first, first + total, part_size)
    ]
