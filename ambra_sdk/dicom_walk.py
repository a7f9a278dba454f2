"""THE walk over DICOM element headers (values are skipped, never decoded): one module for the SDK and the emulator.

Two walks share the tables and the header layout of this module:

* :func:`clean_walk` vouches only for files pydicom reads without a
  question: a ``DICM`` preamble, file meta information then a data set in
  Explicit or Implicit VR Little Endian as the transfer syntax says, known
  VRs, elements in increasing tag order, every length defined and inside the
  bytes, up to the pixel data or the end of the file. It lists the top-level
  elements (all of them, or only those a caller keeps) so that a caller can
  hand pydicom a shorter file of the elements it needs, byte for byte
  (:func:`shortened`): the client's header probe
  (:mod:`ambra_sdk.addon.header_walk`) and the emulator's upload parse
  (:mod:`ambra_sdk.emulator.storage.upload_header`). Anything else: None, and
  the caller parses the whole file as before.
* :func:`truncation_of` tolerates everything pydicom reads (implicit or
  explicit VR as the first element says, big endian, sequences and items of
  undefined length, encapsulated pixel data) and says where a file ends too
  early: what the emulator's storage refuses
  (:mod:`ambra_sdk.emulator.storage.dicom_check`).

Both loops are written out (one ``unpack`` per element, the position in a
local): they run once per element of every file.
"""

import struct
from typing import Any, FrozenSet, List, NamedTuple, Optional, Tuple

__all__ = [
    'VRS', 'LONG_VRS', 'UNDEFINED', 'PIXEL_TAGS', 'CHARSET', 'EXPLICIT_LE', 'IMPLICIT_LE',
    'Element', 'CleanWalk', 'clean_walk', 'shortened', 'truncation_of',
]

EXPLICIT_LE = '1.2.840.10008.1.2.1'
IMPLICIT_LE = '1.2.840.10008.1.2'
#: A length of "undefined" (a sequence or item ended by a delimiter).
UNDEFINED = 0xFFFFFFFF
#: Where ``dcmread(stop_before_pixels=True)`` stops: (7FE0,0008), (7FE0,0009), (7FE0,0010).
PIXEL_TAGS = frozenset({0x7FE00008, 0x7FE00009, 0x7FE00010})
#: (0008,0005) Specific Character Set: pydicom always keeps it (it decodes the other values).
CHARSET = 0x00080005
#: The VRs pydicom knows.
VRS = frozenset({
    b'AE', b'AS', b'AT', b'CS', b'DA', b'DS', b'DT', b'FD', b'FL', b'IS', b'LO', b'LT', b'OB', b'OD', b'OF',
    b'OL', b'OV', b'OW', b'PN', b'SH', b'SL', b'SQ', b'SS', b'ST', b'SV', b'TM', b'UC', b'UI', b'UL', b'UN',
    b'UR', b'US', b'UT', b'UV',
})
#: Explicit-VR value representations with a 2-byte reserved field and a 4-byte length.
LONG_VRS = frozenset({b'OB', b'OD', b'OF', b'OL', b'OV', b'OW', b'SQ', b'SV', b'UC', b'UN', b'UR', b'UT', b'UV'})

_ITEM = 0xFFFEE000
_ITEM_END = 0xFFFEE00D
_SEQUENCE_END = 0xFFFEE0DD
_EXPLICIT = struct.Struct('<HH2sH')
_LONG = struct.Struct('<I')
_IMPLICIT = struct.Struct('<HHI')
#: Header length of an explicit VR element by its VR (12: a reserved field and a 4-byte length).
_HEAD_OF_VR = {vr: 12 if vr in LONG_VRS else 8 for vr in VRS}
_FIRST_PIXEL_TAG = min(PIXEL_TAGS)
_META_SHORT = struct.Struct('<H')
_META_TAG = struct.Struct('<HH')


#: One top-level element of a clean walk: ``(tag, VR (None in implicit VR), start, value start, end)``
#: (a plain tuple: a walk makes hundreds of them).
Element = Tuple[int, Optional[bytes], int, int, int]


class CleanWalk(NamedTuple):
    """What :func:`clean_walk` found.

    :ivar body: offset of the data set (the end of the file meta information).
    :ivar implicit: the data set is in Implicit VR Little Endian.
    :ivar elements: the top-level elements listed (in tag order; the first one always).
    :ivar stop: where the walk stopped: the pixel data element, or the end of the bytes.
    """

    body: int
    implicit: bool
    elements: List[Element]
    stop: int


def _explicit_header(data: Any, pos: int, size: int) -> Optional[Tuple[int, int, int, int]]:
    """``(group, element, header length, value length)`` of an explicit VR element, None when odd."""
    group, element, vr, length = _EXPLICIT.unpack_from(data, pos)
    if vr not in VRS:
        return None
    if vr in LONG_VRS:
        if pos + 12 > size:
            return None
        return group, element, 12, _LONG.unpack_from(data, pos + 8)[0]
    return group, element, 8, length


def _meta_end(data: Any, size: int) -> Optional[Tuple[int, Optional[bytes]]]:
    """End of the file meta group and its transfer syntax, None when the walk cannot vouch for it."""
    if size < 132 or data[128:132] != b'DICM':
        return None
    pos = 132
    syntax = None
    while pos + 8 <= size and data[pos:pos + 2] == b'\x02\x00':
        found = _explicit_header(data, pos, size)
        if found is None:
            return None
        _group, element, head, length = found
        end = pos + head + length
        if length == UNDEFINED or end > size:
            return None
        if element == 0x0010:
            syntax = bytes(data[pos + head:end]).rstrip(b'\x00 ')
        pos = end
    return pos, syntax


def clean_walk(data: Any, whole: bool, keep: Optional[FrozenSet[int]] = None) -> Optional[CleanWalk]:
    """Walk a clean Part-10 header (see the module docstring), or None when it cannot vouch for it.

    :param data: the file, or its first bytes (bytes or a memory map).
    :param whole: ``data`` is the whole file (else a walk reaching its end proves nothing).
    :param keep: list only these tags (and the first element, which decides
        pydicom's VR check); None lists every top-level element before the pixel data.
    """
    size = len(data)
    found = _meta_end(data, size)
    if found is None:
        return None
    body, syntax = found
    if syntax == EXPLICIT_LE.encode():
        implicit = False
    elif syntax == IMPLICIT_LE.encode():
        implicit = True
    else:
        return None
    if body + 8 > size:
        return None
    raw_vr = data[body + 4:body + 6]
    if (not (0x40 < raw_vr[0] < 0x5B and 0x40 < raw_vr[1] < 0x5B)) != implicit:
        return None  # pydicom would switch the VR mode: let it
    elements: List[Element] = []
    append = elements.append
    pos, previous, first = body, 0x0002FFFF, True
    last = size - 8  # the last offset an element header fits at
    keep_all, kept = keep is None, keep or frozenset()
    # Two loops written out (one per syntax): they run once per element of every file.
    if implicit:
        implicit_unpack = _IMPLICIT.unpack_from
        while pos <= last:
            group, element, length = implicit_unpack(data, pos)
            tag = group << 16 | element
            if tag <= previous or group == 0xFFFE:
                return None
            if tag >= _FIRST_PIXEL_TAG and tag in PIXEL_TAGS:
                break
            end = pos + 8 + length
            if end > size or length == UNDEFINED:
                return None
            if keep_all or first or tag in kept:
                append((tag, None, pos, pos + 8, end))
                first = False
            previous, pos = tag, end
        else:  # the end of the bytes, or fewer than 8 left (pydicom's walk ends there too)
            if not whole:
                return None  # the walk reached the end of a prefix: only the file can tell
        return CleanWalk(body, implicit, elements, pos)
    explicit_unpack, long_unpack, head_of = _EXPLICIT.unpack_from, _LONG.unpack_from, _HEAD_OF_VR
    while pos <= last:
        group, element, vr, length = explicit_unpack(data, pos)
        head = head_of.get(vr)
        if head is None:
            return None
        if head == 12:
            if pos + 12 > size:
                return None
            length = long_unpack(data, pos + 8)[0]
        tag = group << 16 | element
        if tag <= previous or group == 0xFFFE:
            return None
        if tag >= _FIRST_PIXEL_TAG and tag in PIXEL_TAGS:
            break
        end = pos + head + length
        if end > size or length == UNDEFINED:
            return None
        if keep_all or first or tag in kept:
            append((tag, vr, pos, pos + head, end))
            first = False
        previous, pos = tag, end
    else:
        if not whole:
            return None
    return CleanWalk(body, implicit, elements, pos)


def shortened(data: Any, walk: CleanWalk, elements: Optional[List[Element]] = None) -> bytes:
    """The preamble and file meta information of ``data`` then ``elements`` (default: the walk's), byte for byte."""
    kept = [data[:walk.body]]
    kept.extend([data[e[2]:e[4]] for e in (walk.elements if elements is None else elements)])
    return b''.join(kept)


# ------------------------------------------------------------------ truncation


class _TruncatedError(Exception):
    """The file ends inside the element named by the message."""


def _tag_name(tag: int) -> str:
    return f'({tag >> 16:04X},{tag & 0xFFFF:04X})'


class _Walker:
    """Skips over data elements by their headers (see :func:`truncation_of`).

    Works on bytes or a read-only memory map of the file and integer offsets:
    no read or seek system call per element, and nothing of a value is touched.
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

    def header(self, implicit: bool, meta: bool = False) -> Tuple[int, Optional[bytes], int]:
        """``(tag, vr, length)`` of the next element (``vr`` None when implicit or an item tag)."""
        pos = self.pos
        if pos + 8 > self.size:
            raise _TruncatedError('an element header')
        tag_struct, short, long = (_META_TAG, _META_SHORT, _LONG) if meta else (self.tag_struct, self.short, self.long)
        group, element = tag_struct.unpack_from(self.data, pos)
        tag = group << 16 | element
        if group == 0xFFFE or implicit:
            self.pos = pos + 8
            return tag, None, long.unpack_from(self.data, pos + 4)[0]
        vr = bytes(self.data[pos + 4:pos + 6])
        if vr in LONG_VRS:
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
        long_vrs = LONG_VRS
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
                elif vr in long_vrs:
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
            if length != UNDEFINED:
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
            if length == UNDEFINED:
                self.dataset(implicit, until_item_end=True)
            else:
                self.skip(length, owner)


def _skip_file_meta(walker: _Walker) -> None:
    """Skip the group 0002 elements (always explicit VR little endian)."""
    while walker.pos + 2 <= walker.size and _META_SHORT.unpack_from(walker.data, walker.pos)[0] == 0x0002:
        _tag, _vr, length = walker.header(False, meta=True)
        if walker.pos + length > walker.size:
            raise _TruncatedError('the file meta information')
        walker.pos += length


def truncation_of(data: Any, little_endian: bool = True, resume: Optional[Tuple[int, bool]] = None) -> Optional[str]:
    """Where a file's content ends too early, or None when every element is complete.

    Explicit or implicit VR is told from the first element of the data set, as
    pydicom does (some files say one in their transfer syntax and use the other).

    :param data: the file's content (bytes or a memory map), with or without
        the 128-byte preamble and ``DICM``.
    :param little_endian: the data set is little endian.
    :param resume: ``(offset, implicit)`` where a :func:`clean_walk` of the
        same ``data`` stopped (its ``stop`` and ``implicit``): everything before
        is complete, the walk goes on from there.
    :returns: e.g. ``'the file ends inside (7FE0,0010)'``.
    """
    if not len(data):
        return 'the file is empty'
    walker = _Walker(data, little_endian)
    try:
        if resume is not None:
            walker.pos, implicit = resume
        else:
            walker.pos = 132 if data[128:132] == b'DICM' else 0
            _skip_file_meta(walker)
            first = data[walker.pos:walker.pos + 6]
            implicit = not (len(first) == 6 and first[4:6].isalpha() and first[4:6].isupper())
        walker.dataset(implicit)
    except _TruncatedError as exc:
        return f'the file ends inside {exc}'
    return None
