"""Reading a big file as numbered chunks, with the crc32 of each computed while reading.

A multipart upload sends a file as chunks of a few MiB
(:mod:`ambra_sdk.storage.image_multipart`). :func:`iter_chunks` reads them
one at a time, in order, so at most the chunks in flight are in memory,
never the whole file. Each chunk is one ``read`` of the file (a buffered
file reads it straight into the bytes that are then sent: no piece is
copied again) and its ``X-AmbraHealth-part-checksum`` (``zlib.crc32``) is
computed once, then carried with it to the request (``Image._send_chunk``:
the bytes are neither hashed nor copied again).
"""

from typing import Any, Iterator, NamedTuple

from ambra_sdk.checksum import crc32
from ambra_sdk.storage.image_multipart import MAX_CHUNK_NUMBER


class FileChunk(NamedTuple):
    """One chunk of a file: its 0-based number, its bytes and their ``zlib.crc32``."""

    number: int
    data: bytes
    crc32: int

    def __repr__(self) -> str:
        """Show the number and size, never the content."""
        return '<FileChunk number={0} size={1} crc32={2}>'.format(self.number, len(self.data), self.crc32)


def check_chunk_size(chunk_size: Any) -> int:
    """Validate a chunk size.

    :param chunk_size: a positive int.
    :return: the size.
    :raises ValueError: anything else.
    """
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size <= 0:
        raise ValueError('chunk_size must be a positive int, got {0!r}'.format(chunk_size))
    return chunk_size


def chunk_size_for(total: int, chunk_size: int) -> int:
    """Return ``chunk_size``, grown when ``total`` bytes would need more chunk numbers than there are.

    :param total: bytes to send.
    :param chunk_size: the wanted chunk size.
    :return: the chunk size to use.
    """
    return max(chunk_size, -(-total // (MAX_CHUNK_NUMBER + 1)))


def read_chunk(source: Any, number: int, size: int) -> FileChunk:
    """Read up to ``size`` bytes of ``source`` as chunk ``number``.

    :param source: a binary file object.
    :param number: the chunk number.
    :param size: bytes wanted.
    :return: the chunk (shorter at the end of the file, empty past it).
    """
    data = source.read(size)
    if data and len(data) < size:  # a raw file or a pipe may answer less than asked before its end
        pieces = [data]
        left = size - len(data)
        while left > 0:
            piece = source.read(left)
            if not piece:
                break
            pieces.append(piece)
            left -= len(piece)
        data = b''.join(pieces)
    data = bytes(data or b'')  # a read may give a bytearray or None (a non-blocking file): a chunk is bytes
    return FileChunk(number, data, crc32(data))


def iter_chunks(source: Any, chunk_size: int) -> Iterator[FileChunk]:
    """Yield the rest of ``source`` as chunks of ``chunk_size`` bytes, numbered from 0.

    :param source: a binary file object, read from its current position.
    :param chunk_size: bytes per chunk (the last one may be shorter).
    :yields: the chunks; an empty file yields nothing.
    :raises ValueError: ``chunk_size`` is not a positive int.
    """
    check_chunk_size(chunk_size)
    number = 0
    while True:
        chunk = read_chunk(source, number, chunk_size)
        if not chunk.data:
            return
        yield chunk
        del chunk  # not held while the next one is read
        number += 1
