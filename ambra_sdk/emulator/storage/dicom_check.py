"""What storage refuses to file: UIDs that are not DICOM UIDs, files that end too early.

* :func:`is_valid_uid`: a UID as DICOM PS3.5 section 9.1 defines it: digits and
  dots, no empty component, no component with a leading zero (``0`` alone is
  fine), at most 64 characters.
* :func:`truncation`: walks the data elements of a Part-10 file by their
  headers only (values are skipped with a seek, never read), so a file whose
  last value, item or sequence ends after the end of the file is found at the
  cost of a few small reads, whatever its size.
"""

from __future__ import annotations

import os
import re
import struct
from typing import Any, BinaryIO, Optional

__all__ = ['MAX_UID_LENGTH', 'is_valid_uid', 'truncation', 'dataset_truncation']

#: Longest UID DICOM allows.
MAX_UID_LENGTH = 64
_UID = re.compile(r'(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*\Z')

#: Explicit-VR value representations with a 2-byte reserved field and a 4-byte length.
_LONG_VRS = frozenset({b'OB', b'OD', b'OF', b'OL', b'OV', b'OW', b'SQ', b'SV', b'UC', b'UN', b'UR', b'UT', b'UV'})
#: Deflated transfer syntaxes: the data set is compressed, its elements are not walked.
DEFLATED = frozenset({'1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.8.1'})
#: The one big-endian transfer syntax (retired, still met).
EXPLICIT_BIG_ENDIAN = '1.2.840.10008.1.2.2'
_UNDEFINED = 0xFFFFFFFF
_ITEM = 0xFFFEE000
_ITEM_END = 0xFFFEE00D
_SEQUENCE_END = 0xFFFEE0DD


def is_valid_uid(value: str) -> bool:
    """True when ``value`` is a DICOM UID (trailing NUL padding already removed by the caller)."""
    return len(value) <= MAX_UID_LENGTH and _UID.match(value) is not None


class _TruncatedError(Exception):
    """The file ends inside the element named by the message."""


class _Walker:
    """Skips over data elements by their headers (see :func:`truncation`)."""

    def __init__(self, src: BinaryIO, size: int) -> None:
        self.src = src
        self.size = size

    def read(self, count: int, what: str) -> bytes:
        data = self.src.read(count)
        if len(data) != count:
            raise _TruncatedError(what)
        return data

    def skip(self, length: int, what: str) -> None:
        end = self.src.tell() + length
        if end > self.size:
            raise _TruncatedError(what)
        self.src.seek(end)

    def header(self, implicit: bool, order: str) -> tuple[int, Optional[bytes], int]:
        """``(tag, vr, length)`` of the next element (``vr`` None when implicit or an item tag)."""
        raw = self.read(8, 'an element header')
        group, element = struct.unpack(order + 'HH', raw[:4])
        tag = group << 16 | element
        if group == 0xFFFE or implicit:
            return tag, None, struct.unpack(order + 'I', raw[4:])[0]
        vr = raw[4:6]
        if vr in _LONG_VRS:
            return tag, vr, struct.unpack(order + 'I', self.read(4, f'({group:04X},{element:04X})'))[0]
        return tag, vr, struct.unpack(order + 'H', raw[6:])[0]

    def dataset(self, implicit: bool, order: str, until_item_end: bool = False, stop: int = 0) -> None:
        """Walk elements to the end of the file (or to an item delimiter / ``stop`` offset)."""
        while True:
            position = self.src.tell()
            if (stop and position >= stop) or (not until_item_end and not stop and position == self.size):
                return
            tag, vr, length = self.header(implicit, order)
            name = f'({tag >> 16:04X},{tag & 0xFFFF:04X})'
            if tag == _ITEM_END:
                return
            if length != _UNDEFINED:
                self.skip(length, name)
            else:  # a sequence (or UN / encapsulated pixel data) of items, up to its delimiter
                self.items(implicit or vr == b'UN', order, name)

    def items(self, implicit: bool, order: str, name: str) -> None:
        while True:
            tag, _vr, length = self.header(True, order)
            if tag == _SEQUENCE_END:
                return
            if tag != _ITEM:
                raise _TruncatedError(name)  # not an item: the sequence is broken
            if length == _UNDEFINED:
                self.dataset(implicit, order, until_item_end=True)
            else:
                self.skip(length, name)


def truncation(path: str, little_endian: bool = True) -> Optional[str]:
    """Where a DICOM file ends too early, or None when every element is complete.

    Explicit or implicit VR is told from the first element of the data set, as
    pydicom does (some files say one in their transfer syntax and use the other).

    :param path: the file (with or without the 128-byte preamble and ``DICM``).
    :param little_endian: the data set is little endian.
    :returns: e.g. ``'the file ends inside (7FE0,0010)'``.
    """
    size = os.path.getsize(path)
    with open(path, 'rb') as src:
        walker = _Walker(src, size)
        try:
            src.seek(132 if src.read(132)[128:] == b'DICM' else 0)
            _skip_file_meta(walker)
            start = src.tell()
            first = src.read(6)
            src.seek(start)
            implicit = not (len(first) == 6 and first[4:6].isalpha() and first[4:6].isupper())
            walker.dataset(implicit, '<' if little_endian else '>')
        except _TruncatedError as exc:
            return f'the file ends inside {exc}'
    return None


def _skip_file_meta(walker: _Walker) -> None:
    """Skip the group 0002 elements (always explicit VR little endian)."""
    while walker.src.tell() < walker.size:
        position = walker.src.tell()
        peek = walker.src.read(2)
        walker.src.seek(position)
        if len(peek) < 2 or struct.unpack('<H', peek)[0] != 0x0002:
            return
        _tag, _vr, length = walker.header(False, '<')
        walker.skip(length, 'the file meta information')


def dataset_truncation(path: str, ds: Any) -> Optional[str]:
    """:func:`truncation` of a file pydicom has read as ``ds`` (None for a deflated data set)."""
    meta = getattr(ds, 'file_meta', None)
    syntax = str(meta.get('TransferSyntaxUID', '')) if meta is not None else ''
    if syntax in DEFLATED:
        return None
    return truncation(path, little_endian=syntax != EXPLICIT_BIG_ENDIAN)
