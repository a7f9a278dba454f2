"""Deflated DICOM (transfer syntax Deflated Explicit VR Little Endian): inflation is bounded.

pydicom inflates the whole data set of such a file in memory before it reads
a single tag, so a few megabytes of zeros deflated would cost gigabytes. An
upload whose data set inflates past :data:`MAX_INFLATED_BYTES` is refused
(``413 PAYLOAD_TOO_LARGE``) by :func:`check_inflated_size` before pydicom
reads it; the check inflates in pieces and keeps none of them.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import IO, Optional, Union

from ambra_sdk.emulator.storage.errors import StorageError

__all__ = ['DEFLATED_SYNTAX', 'MAX_INFLATED_BYTES', 'deflated_offset', 'inflates_within', 'check_inflated_size']

#: Deflated Explicit VR Little Endian.
DEFLATED_SYNTAX = '1.2.840.10008.1.2.1.99'
#: Largest inflated data set accepted (bytes).
MAX_INFLATED_BYTES = 256 * 1024 * 1024

_LONG_VRS = frozenset({b'OB', b'OD', b'OF', b'OL', b'OV', b'OW', b'SQ', b'SV', b'UC', b'UN', b'UR', b'UT', b'UV'})
_PIECE = 1 << 20


def deflated_offset(src: IO[bytes]) -> Optional[int]:
    """Where the deflated data set of a Part 10 file starts, or None (another syntax, no file meta).

    :param src: the file, at its start.
    """
    head = src.read(132)
    if len(head) < 132 or head[128:] != b'DICM':
        return None
    offset = 132
    syntax = None
    while True:
        element = src.read(8)
        if len(element) < 8:
            return None
        group, number = struct.unpack('<HH', element[:4])
        if group != 2:
            break
        if element[4:6] in _LONG_VRS:
            extra = src.read(4)
            if len(extra) < 4:
                return None
            length, size = struct.unpack('<I', extra)[0], 12
        else:
            length, size = struct.unpack('<H', element[6:8])[0], 8
        if length > _PIECE:
            return None  # not a file meta group pydicom would read either
        value = src.read(length)
        if number == 0x0010:
            syntax = value.rstrip(b'\0 ').decode('ascii', 'replace')
        offset += size + length
    return offset if syntax == DEFLATED_SYNTAX else None


def inflates_within(src: IO[bytes], limit: int) -> bool:
    """True when the raw deflate stream read from ``src`` inflates to at most ``limit`` bytes.

    A corrupt stream counts as within (pydicom then reports it as unreadable).
    """
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    total = 0
    try:
        for chunk in iter(lambda: src.read(_PIECE), b''):
            data = inflater.decompress(chunk, _PIECE)
            total += len(data)
            while inflater.unconsumed_tail and total <= limit:
                total += len(inflater.decompress(inflater.unconsumed_tail, _PIECE))
            if total > limit:
                return False
            if inflater.eof:
                break
    except zlib.error:
        return True
    return True


def check_inflated_size(
    path: Union[str, Path], limit: int = MAX_INFLATED_BYTES, content: Optional[bytes] = None,
) -> None:
    """Refuse a deflated data set that inflates past ``limit`` bytes.

    :param content: the whole file, when the caller has read it (the file is not opened then).
    :raises StorageError: ``PAYLOAD_TOO_LARGE`` (413).
    """
    with io.BytesIO(content) if content is not None else open(path, 'rb') as src:
        offset = deflated_offset(src)
        if offset is None:
            return
        src.seek(offset)
        if inflates_within(src, limit):
            return
    raise StorageError(
        'PAYLOAD_TOO_LARGE', f'The deflated data set inflates past {limit} bytes', {'limit': limit},
    )
