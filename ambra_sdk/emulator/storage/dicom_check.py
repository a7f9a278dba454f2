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

import mmap
import os
import re
import struct
from typing import Any, Optional

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


def _tag_name(tag: int) -> str:
    return f'({tag >> 16:04X},{tag & 0xFFFF:04X})'


class _Walker:
    """Skips over data elements by their headers (see :func:`truncation`).

    Works on a read-only memory map of the file and integer offsets: no read
    or seek system call per element, and nothing of a value is touched.
    """

    def __init__(self, data: Any, little_endian: bool = True) -> None:
        self.data = data
        self.size = len(data)
        self.pos = 0
        order = '<' if little_endian else '>'
        self.tag_struct = struct.Struct(order + 'HH')
        self.short = struct.Struct(order + 'H')
        self.long = struct.Struct(order + 'I')
        #: One unpack per element header: ``(group, element, vr, short length)`` / ``(group, element, long length)``.
        self.explicit = struct.Struct(order + 'HH2sH')
        self.implicit = struct.Struct(order + 'HHI')

    def header(self, implicit: bool, meta: bool = False) -> tuple[int, Optional[bytes], int]:
        """``(tag, vr, length)`` of the next element (``vr`` None when implicit or an item tag)."""
        pos = self.pos
        if pos + 8 > self.size:
            raise _TruncatedError('an element header')
        tag_struct, short, long = (_META_TAG, _META_SHORT, _META_LONG) if meta else (
            self.tag_struct, self.short, self.long)
        group, element = tag_struct.unpack_from(self.data, pos)
        tag = group << 16 | element
        if group == 0xFFFE or implicit:
            self.pos = pos + 8
            return tag, None, long.unpack_from(self.data, pos + 4)[0]
        vr = bytes(self.data[pos + 4:pos + 6])
        if vr in _LONG_VRS:
            if pos + 12 > self.size:
                raise _TruncatedError(_tag_name(tag))
            self.pos = pos + 12
            return tag, vr, long.unpack_from(self.data, pos + 8)[0]
        self.pos = pos + 8
        return tag, vr, short.unpack_from(self.data, pos + 6)[0]

    def skip(self, length: int, tag: int) -> None:
        end = self.pos + length
        if end > self.size:
            raise _TruncatedError(_tag_name(tag))
        self.pos = end

    def dataset(self, implicit: bool, until_item_end: bool = False) -> None:
        """Walk elements to the end of the file (or to an item delimiter).

        The loop is :meth:`header` and :meth:`skip` written out (one ``unpack``
        per element, the position in a local): the same walk and the same
        messages, at about half the CPU of the calls.
        """
        data, size, pos = self.data, self.size, self.pos
        explicit_unpack, implicit_unpack = self.explicit.unpack_from, self.implicit.unpack_from
        long_unpack = self.long.unpack_from
        vr: Optional[bytes] = None
        while until_item_end or pos < size:
            if pos + 8 > size:
                raise _TruncatedError('an element header')
            if implicit:
                group, element, length = implicit_unpack(data, pos)
                pos += 8
            else:
                group, element, vr, length = explicit_unpack(data, pos)
                if group == 0xFFFE:
                    length = implicit_unpack(data, pos)[2]
                    vr = None
                    pos += 8
                elif vr in _LONG_VRS:
                    if pos + 12 > size:
                        raise _TruncatedError(_tag_name(group << 16 | element))
                    length = long_unpack(data, pos + 8)[0]
                    pos += 12
                else:
                    pos += 8
            tag = group << 16 | element
            if tag == _ITEM_END:
                self.pos = pos
                return
            if length != _UNDEFINED:
                pos += length
                if pos > size:
                    raise _TruncatedError(_tag_name(tag))
            else:  # a sequence (or UN / encapsulated pixel data) of items, up to its delimiter
                self.pos = pos
                self.items(implicit or vr == b'UN', tag)
                pos = self.pos
        self.pos = pos

    def items(self, implicit: bool, owner: int) -> None:
        while True:
            tag, _vr, length = self.header(True)
            if tag == _SEQUENCE_END:
                return
            if tag != _ITEM:
                raise _TruncatedError(_tag_name(owner))  # not an item: the sequence is broken
            if length == _UNDEFINED:
                self.dataset(implicit, until_item_end=True)
            else:
                self.skip(length, owner)


_META_TAG = struct.Struct('<HH')
_META_SHORT = struct.Struct('<H')
_META_LONG = struct.Struct('<I')


def truncation(path: str, little_endian: bool = True, data: Optional[bytes] = None) -> Optional[str]:
    """Where a DICOM file ends too early, or None when every element is complete.

    Explicit or implicit VR is told from the first element of the data set, as
    pydicom does (some files say one in their transfer syntax and use the other).

    :param path: the file (with or without the 128-byte preamble and ``DICM``).
    :param little_endian: the data set is little endian.
    :param data: the whole content of ``path`` when the caller has read it
        already (then the file is not opened again).
    :returns: e.g. ``'the file ends inside (7FE0,0010)'``.
    """
    if data is not None:
        return _walk(data, little_endian)
    if os.path.getsize(path) == 0:
        return 'the file is empty'
    with open(path, 'rb') as src, mmap.mmap(src.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        return _walk(mapped, little_endian)


def _walk(data: Any, little_endian: bool) -> Optional[str]:
    """:func:`truncation` of a file's content (bytes or a memory map)."""
    if not len(data):
        return 'the file is empty'
    walker = _Walker(data, little_endian)
    try:
        walker.pos = 132 if data[128:132] == b'DICM' else 0
        _skip_file_meta(walker)
        first = data[walker.pos:walker.pos + 6]
        implicit = not (len(first) == 6 and first[4:6].isalpha() and first[4:6].isupper())
        walker.dataset(implicit)
    except _TruncatedError as exc:
        return f'the file ends inside {exc}'
    return None


def _skip_file_meta(walker: _Walker) -> None:
    """Skip the group 0002 elements (always explicit VR little endian)."""
    while walker.pos + 2 <= walker.size and _META_SHORT.unpack_from(walker.data, walker.pos)[0] == 0x0002:
        tag, _vr, length = walker.header(False, meta=True)
        if walker.pos + length > walker.size:
            raise _TruncatedError('the file meta information')
        walker.pos += length


def dataset_truncation(path: str, ds: Any, data: Optional[bytes] = None) -> Optional[str]:
    """:func:`truncation` of a file pydicom has read as ``ds`` (None for a deflated data set).

    :param data: the file's content, when the caller holds it (see :func:`truncation`).
    """
    meta = getattr(ds, 'file_meta', None)
    syntax = str(meta.get('TransferSyntaxUID', '')) if meta is not None else ''
    if syntax in DEFLATED:
        return None
    return truncation(path, little_endian=syntax != EXPLICIT_BIG_ENDIAN, data=data)
