"""An upload's header parsed by pydicom without the elements whose ``attr`` answer an earlier upload gave.

The images of a study share most of their elements byte for byte (patient,
study, equipment, acquisition); only UIDs, numbers and a few values differ.
The answer of ``POST /namespace/{ns}/image`` holds every element (its
``attr``), so pydicom used to parse all of them, about 1.5 us per element for
the few hundred of a CT slice. Here the upload's element headers are walked
first (:func:`ambra_sdk.dicom_walk.clean_walk`, a clean file only); an
element whose ``(tag, VR, value bytes)`` met an earlier upload with the same
Specific Character Set bytes gets its ``attr`` entry from that memo
(:data:`_KNOWN`), and pydicom parses a shorter file of the others, byte for
byte (:func:`~ambra_sdk.dicom_walk.shortened`), with the same options as
before. The entry of an element depends only on those bytes and the
encoding (the rule of :func:`ambra_sdk.emulator.storage.tags._raw_key`: no
private tags, no ambiguous VRs, no ``UN`` or sequences, values of at most 256
bytes; the memo holds only what that rule lets through).

Never left out (:data:`KEPT_TAGS`): the elements the emulator reads from an
upload (UIDs, the image record's fields, the service study's fields), the
Specific Character Set, those an ambiguous VR's conversion looks at, and
the data set's first element (it decides pydicom's VR check); the private
creators too in an Implicit VR file or one with a private ``UN`` element
(their VR comes from the creator). A file the walk cannot vouch for is parsed whole, as before, and so
is every file over :data:`~ambra_sdk.emulator.storage.upload.IN_MEMORY_HEADER`.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from operator import itemgetter
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

from pydicom import dcmread
from pydicom.datadict import tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset

from ambra_sdk.dicom_walk import CHARSET, CleanWalk, Element, clean_walk, shortened
from ambra_sdk.emulator.storage import tags
from ambra_sdk.emulator.storage.studies import SERVICE_FIELDS

__all__ = ['ParsedHeader', 'parse_header_bytes', 'header_attr', 'header_attr_json', 'KEPT_KEYWORDS']

#: The keywords the emulator reads from an upload's data set (its checks, the image record, the service study).
KEPT_KEYWORDS = (
    'StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID', 'SOPClassUID', 'NumberOfFrames', 'Rows', 'Columns',
    'InstanceNumber', 'SeriesNumber', 'Modality', 'SeriesDescription', 'MIMETypeOfEncapsulatedDocument',
    *SERVICE_FIELDS.values(),
    # read by pydicom's conversion of an ambiguous VR ('US or SS', 'OB or OW', 'US or OW')
    'BitsAllocated', 'PixelRepresentation', 'WaveformBitsAllocated', 'LUTDescriptor',
)
#: The tags of :data:`KEPT_KEYWORDS` and the Specific Character Set.
KEPT_TAGS: FrozenSet[int] = frozenset(t for t in map(tag_for_keyword, KEPT_KEYWORDS) if t is not None) | {CHARSET}
#: Only values up to this many bytes are looked up (the memo's own bound).
_VALUE_MAX = tags._ATTR_CACHE_VALUE_MAX  # noqa: SLF001 - one rule for both memos

#: ``{Specific Character Set bytes (None: absent): {element bytes: attr entry}}``: the element's bytes
#: (tag, VR, length and value, as in the file) stand for its ``(tag, VR, value)``; an entry is
#: ``(name, JSON value, the JSON text of that item of attr)``, or None for an element ``attr`` leaves out.
_KNOWN: Dict[Optional[bytes], Dict[bytes, Optional[Tuple[str, Any, str]]]] = {}
#: :data:`_KNOWN` holds at most this many character sets.
_CONTEXTS_MAX = 8

#: An element left out of the parse and its ``attr`` entry.
Known = Tuple[int, Optional[Tuple[str, Any, str]]]


@dataclass
class ParsedHeader:
    """What :func:`parse_header_bytes` read.

    :ivar dataset: pydicom's parse (no pixel data); without the elements of ``known``.
    :ivar known: the elements left out, with their ``attr`` entries (tag order).
    :ivar context: the memo's key for this file (its Specific Character Set bytes).
    :ivar resume: where the walk stopped, for the truncation check (``(offset, implicit)``).
    :ivar unknown: the parsed elements the memo may learn: ``(tag, element bytes)``.
    """

    dataset: Dataset
    known: List[Known] = field(default_factory=list)
    context: Optional[bytes] = None
    resume: Optional[Tuple[int, bool]] = None
    unknown: List[Tuple[int, bytes]] = field(default_factory=list)


def _charset(data: bytes, walk: CleanWalk) -> Optional[bytes]:
    for tag, _vr, _start, value_start, end in walk.elements:
        if tag == CHARSET:
            return data[value_start:end]
        if tag > CHARSET:
            break
    return None


def _is_private_creator(tag: int) -> bool:
    return bool(tag & 0x10000) and 0x10 <= tag & 0xFFFF <= 0xFF


def parse_header_bytes(data: bytes, defer_size: int) -> Optional[ParsedHeader]:
    """Parse ``data`` (a whole file) without the elements whose ``attr`` entry is known.

    :return: None when the walk cannot vouch for the file (the caller parses it whole).
    :raises Exception: what pydicom raises (the caller maps it, as for a whole parse).
    """
    walk = clean_walk(data, True)
    if walk is None:
        return None
    context = _charset(data, walk)
    get = _KNOWN.get(context, {}).get
    known: List[Known] = []
    unknown: List[Tuple[int, bytes]] = []
    parsed: List[Element] = []
    if walk.elements:
        keep, add, note, learn = KEPT_TAGS, parsed.append, known.append, unknown.append
        limit = _VALUE_MAX
        elements = iter(walk.elements)
        add(next(elements))  # the first element decides pydicom's VR check
        for element in elements:
            tag, _vr, start, value_start, end = element
            if not tag & 0xFFFF:
                note((tag, None))  # a group length: attr leaves it out, nothing reads it
            elif tag in keep or end - value_start > limit:
                add(element)
            else:
                raw = data[start:end]
                hit = get(raw, element)
                if hit is element:
                    add(element)
                    learn((tag, raw))
                else:
                    note((tag, hit))  # type: ignore[arg-type]
        if known and (walk.implicit or any(e[1] == b'UN' and e[0] & 0x10000 for e in parsed)):
            _keep_creators(walk.elements, parsed, known)  # the VR of such a private element comes from its creator
    content = data if not known else shortened(data, walk, parsed)
    dataset = dcmread(io.BytesIO(content), stop_before_pixels=True, defer_size=defer_size)
    return ParsedHeader(dataset, known, context, (walk.stop, walk.implicit), unknown)


def _keep_creators(elements: List[Element], parsed: List[Element], known: List[Known]) -> None:
    """Move the private creators from ``known`` to ``parsed`` (both stay in tag order)."""
    creators = {tag for tag, _entry in known if _is_private_creator(tag)}
    if not creators:
        return
    known[:] = [item for item in known if item[0] not in creators]
    parsed.extend(e for e in elements if e[0] in creators)
    parsed.sort(key=_first)


#: An ``attr`` entry: ``(name, JSON value)``, or ``(name, JSON value, JSON text)`` from :data:`_KNOWN`.
Entry = Tuple[Any, ...]


def _merged(header: ParsedHeader, text: bool = False) -> List[Tuple[int, Optional[Entry]]]:
    """Every top-level element's ``attr`` entry in tag order: the parsed ones and the known ones.

    The entries pydicom converted here are remembered for the next uploads.

    :param text: give every entry as ``(name, JSON value, JSON text)`` (:func:`_entry_json`).
    """
    entries = tags.attribute_entries(header.dataset)
    if header.unknown:
        _learn(header, entries)
    merged: List[Tuple[int, Optional[Entry]]]
    if text:
        merged = [(tag, entry and (entry[0], entry[1], _entry_json(entry))) for tag, _raw, entry in entries]
    else:
        merged = [(tag, entry) for tag, _raw, entry in entries]
    if header.known:
        merged += header.known
        merged.sort()  # by tag (tags are unique: the entries are never compared)
    return merged


def header_attr(header: ParsedHeader) -> Dict[str, Any]:
    """The ``attr`` answer of the whole file: ``attribute_map`` of the parse, plus the known entries."""
    result: Dict[str, Any] = {}
    for _tag, entry in _merged(header):
        if entry is not None:
            result[entry[0]] = entry[1]
    return result


def header_attr_json(header: ParsedHeader) -> str:
    """``json.dumps(header_attr(header))``, from the entries' JSON texts (:func:`_entry_json`)."""
    present = [entry for _tag, entry in _merged(header, text=True) if entry is not None]
    if len(set(map(_NAME, present))) != len(present):  # a name twice: the dict keeps the last value
        return json.dumps(header_attr(header))
    return '{' + ', '.join(map(_TEXT, present)) + '}'


_NAME, _TEXT = itemgetter(0), itemgetter(2)


#: ``{id(entry): (entry, its JSON text)}`` for the entries of ``tags._ATTR_CACHE`` (the same tuples
#: upload after upload); the entry is kept, so its id is not reused.
_ENTRY_JSON: Dict[int, Tuple[Entry, str]] = {}


def _entry_json(entry: Entry) -> str:
    """``"name": value`` as ``json.dumps`` writes that item of a dict (ASCII, default separators)."""
    found = _ENTRY_JSON.get(id(entry))
    if found is not None and found[0] is entry:
        return found[1]
    name, value = entry[0], entry[1]
    kind = type(value)
    if kind is str:
        text = encode_basestring_ascii(value)
    elif kind is int or (kind is float and _FINITE(value)):
        text = repr(value)  # an exact int or finite float: what json's encoder writes (int.__repr__, float.__repr__)
    else:
        text = json.dumps(value)
    text = encode_basestring_ascii(name) + ': ' + text
    if value is None or kind in _IMMUTABLE:  # the entry of a memo never changes
        tags._memo(_ENTRY_JSON, id(entry), (entry, text))  # noqa: SLF001 - one bound for every memo
    return text


#: Value types whose JSON text cannot change after it is written.
_IMMUTABLE = (str, int, float, bool)
_FINITE = math.isfinite


def _learn(header: ParsedHeader, entries: List[tags.AttrEntry]) -> None:
    """Remember the entries of the elements :func:`parse_header_bytes` did not know (when the memo may hold them)."""
    memo = _KNOWN.get(header.context)
    if memo is None:
        if len(_KNOWN) >= _CONTEXTS_MAX:
            _KNOWN.clear()
        memo = _KNOWN[header.context] = {}
    converted = {tag: (raw, entry) for tag, raw, entry in entries}
    for tag, key in header.unknown:
        found = converted.get(tag)
        if found is not None and type(found[0]) is RawDataElement and tags.memoisable(found[0], tag, found[1]):
            entry = found[1]
            tags._memo(memo, key, entry and (entry[0], entry[1], _entry_json(entry)))  # noqa: SLF001 - one bound


def _first(item: Element) -> int:
    return item[0]
