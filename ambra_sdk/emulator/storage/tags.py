"""DICOM dataset -> the JSON tag shapes of the storage API.

``image_json`` / ``json`` return ``{"tags": [{group, element, vr, vl, value, name}]}``
per image. Names come from pydicom's data dictionary (the keyword, e.g.
``Manufacturer``); private and unknown tags are named ``?``. Multi-valued tags
hold their first value unless ``all_dicom_values`` is set, in which case the
values are joined with a backslash. Group-length elements (``gggg,0000``) are
left out, so a normal file has 7 group-2 tags.

:func:`attribute_map` runs for every upload (the ``attr`` of the answer). The
images of a study share most of their values, so the JSON value of a small
public element is memoised by its raw bytes and decoding context
(:func:`_raw_key`); only the values that differ (UIDs, numbers) go through
pydicom's conversion. :func:`converted` does the same for the few values an
upload reads itself (patient and series fields, SOP class, numbers).
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Callable, Dict, Iterator, List, Optional, Set, Tuple

from pydicom.datadict import dictionary_VR, keyword_for_tag, tag_for_keyword
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.valuerep import PersonName

from ambra_sdk.emulator.storage.errors import StorageError

try:  # pydicom >= 3
    from pydicom.dataelem import convert_raw_data_element as _convert_raw
    from pydicom.dataset import PIXEL_KEYWORDS as _PIXEL_TAGS
    from pydicom.valuerep import AMBIGUOUS_VR as _AMBIGUOUS_VRS
except ImportError:  # pragma: no cover - pydicom 2: ``Dataset.__getitem__`` only
    _convert_raw = None  # type: ignore[assignment]
    _PIXEL_TAGS = _AMBIGUOUS_VRS = set()  # type: ignore[assignment]

#: Patient-level tags returned by ``phi`` / ``image_phi``.
PATIENT_KEYWORDS = (
    'PatientName', 'PatientID', 'IssuerOfPatientID', 'OtherPatientIDs', 'OtherPatientNames',
    'PatientBirthDate', 'PatientBirthTime', 'PatientSex', 'PatientAge', 'PatientSize',
    'PatientWeight', 'PatientAddress', 'PatientTelephoneNumbers', 'EthnicGroup',
    'PatientComments', 'PatientMotherBirthName', 'MilitaryRank',
)

#: Study-level tags that ``tag`` returns in addition to the patient-level ones.
STUDY_KEYWORDS = (
    'StudyInstanceUID', 'StudyID', 'AccessionNumber', 'StudyDate', 'StudyTime',
    'StudyDescription', 'ReferringPhysicianName', 'InstitutionName', 'ModalitiesInStudy',
)

_BINARY_VRS = {'OB', 'OW', 'OD', 'OF', 'OL', 'OV', 'UN', 'OB or OW', 'US or OW'}
_INT_VRS = {'US', 'SS', 'UL', 'SL', 'UV', 'SV', 'AT'}
_FLOAT_VRS = {'FL', 'FD'}
_FIXED_SIZE = {'US': 2, 'SS': 2, 'UL': 4, 'SL': 4, 'FL': 4, 'FD': 8, 'AT': 4, 'UV': 8, 'SV': 8}
_MAX_INLINE_BINARY = 1024
_UNDEFINED = 0xFFFFFFFF


@dataclass(frozen=True)
class TagFilter:
    """Query options of the tag endpoints.

    :ivar groups: keep only these top-level groups (None = all).
    :ivar include_tags: keep only these top-level tags (None = all).
    :ivar exclude_unnamed: drop tags named ``?``.
    :ivar all_dicom_values: join multi-values with ``\\`` instead of taking the first.
    """

    groups: Optional[Set[int]] = None
    include_tags: Optional[Set[int]] = None
    exclude_unnamed: bool = False
    all_dicom_values: bool = False

    def keeps(self, tag: int, name: str) -> bool:
        """True when a top-level tag passes the filter."""
        if self.groups is not None and (tag >> 16) not in self.groups:
            return False
        if self.include_tags is not None and tag not in self.include_tags:
            return False
        return not (self.exclude_unnamed and name == '?')


def parse_groups(text: Optional[str]) -> Optional[Set[int]]:
    """Parse ``groups``: comma-separated decimal ints or ``0x`` hex values.

    :raises StorageError: VALIDATION_ERROR on a bad item.
    """
    if text is None or not text.strip():
        return None
    result: Set[int] = set()
    for item in text.split(','):
        item = item.strip()
        if not item:
            continue
        try:
            result.add(int(item, 16) if item.lower().startswith('0x') else int(item))
        except ValueError:
            raise StorageError(
                'VALIDATION_ERROR', f'Bad group value: {item}', {'groups': text},
            ) from None
    return result


def parse_include_tags(text: Optional[str]) -> Optional[Set[int]]:
    """Parse ``include_tags``: ``00080018,00080020``; nested ``a:b`` keeps ``a``.

    :raises StorageError: VALIDATION_ERROR on a bad item.
    """
    if text is None or not text.strip():
        return None
    result: Set[int] = set()
    for item in text.split(','):
        top = item.strip().split(':', 1)[0].replace('(', '').replace(')', '').replace(' ', '')
        top = top.replace(',', '')
        if not top:
            continue
        try:
            result.add(int(top, 16))
        except ValueError:
            raise StorageError(
                'VALIDATION_ERROR', f'Bad tag value: {item}', {'include_tags': text},
            ) from None
    return result


@functools.lru_cache(maxsize=65536)
def tag_name(tag: int) -> str:
    """Dictionary keyword of ``tag``, or ``?`` for private / unknown tags."""
    if (tag >> 16) % 2 == 1:
        return '?'
    return keyword_for_tag(tag) or '?'


def _scalar(value: Any, vr: str) -> Any:
    if isinstance(value, PersonName):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        if len(value) > _MAX_INLINE_BINARY:
            return None
        return base64.b64encode(bytes(value)).decode('ascii')
    if vr in _INT_VRS and isinstance(value, int):
        return int(value)
    if vr in _FLOAT_VRS and isinstance(value, float):
        return float(value)
    if isinstance(value, (int, float, str)) and vr not in _INT_VRS | _FLOAT_VRS:
        return str(value)
    return value if isinstance(value, (int, float, str)) or value is None else str(value)


def element_value(elem: DataElement, all_values: bool) -> Any:
    """JSON value of a (non-sequence) element, honouring ``all_dicom_values``."""
    value = elem.value
    vr = str(elem.VR)
    if value is None and vr in _BINARY_VRS:
        return None  # a big blob left on disk
    if value is None or value == '':
        return ''
    if vr in _BINARY_VRS:
        return _scalar(bytes(value) if isinstance(value, (bytes, bytearray)) else value, vr)
    if isinstance(value, (MultiValue, list, tuple)):
        items = [_scalar(v, vr) for v in value]
        if not items:
            return ''
        if all_values:
            return '\\'.join('' if v is None else str(v) for v in items)
        return items[0]
    return _scalar(value, vr)


def _value_length(elem: DataElement) -> int:
    vr = str(elem.VR)
    value = elem.value
    if value is None:
        return 0
    count = len(value) if isinstance(value, (MultiValue, list, tuple)) else 1
    if vr in _FIXED_SIZE:
        return _FIXED_SIZE[vr] * count
    if isinstance(value, (bytes, bytearray)):
        length = len(value)
    elif isinstance(value, (MultiValue, list, tuple)):
        length = len('\\'.join(str(v) for v in value).encode('utf-8', 'replace'))
    else:
        length = len(str(value).encode('utf-8', 'replace'))
    return length + (length % 2)


def raw_item(ds: Dataset, tag: int) -> Any:
    """The stored element without reading a deferred value (its ``value`` is then None).

    What ``ds.get_item(tag, keep_deferred=True)`` returns (pydicom 3; pydicom 2's
    ``get_item`` reads deferred values), read from the data set's own mapping:
    an upload reads a few dozen elements this way.
    """
    return ds._dict.get(tag)  # type: ignore[call-overload]  # a plain int finds a BaseTag key


#: Specific Character Set (pydicom converts it with its default encoding).
_CHARSET_TAG = 0x00080005


def element(ds: Dataset, tag: int, raw: Any) -> DataElement:
    """``ds[tag]`` (``raw``: its stored item, :func:`raw_item`), with fewer of ``Dataset.__getitem__``'s steps.

    A stored public element whose value was read (not deferred) is converted
    by pydicom exactly as ``ds[tag]`` converts it (``convert_raw_data_element``
    with the data set's encoding) and replaces the stored item the same way;
    ``__getitem__``'s other steps do nothing for such an element (no deferred
    read, no private creator, no pixel cache, no sequence, no ambiguous VR to
    correct). Every other element goes through ``ds[tag]``.
    """
    if (
        _convert_raw is not None
        and type(raw) is RawDataElement
        and raw.value is not None
        and not tag & 0x10000
        and tag != _CHARSET_TAG
        and tag not in _PIXEL_TAGS
    ):
        elem = _convert_raw(raw, encoding=ds.original_character_set or ds._character_set, ds=ds)
        if elem.VR != 'SQ' and elem.VR not in _AMBIGUOUS_VRS:
            ds._dict[tag] = elem  # type: ignore[index]  # an int finds the BaseTag key
            return elem
    return ds[tag]


def _raw_vr(raw: RawDataElement, tag: int) -> Optional[str]:
    if raw.VR:
        return str(raw.VR)
    try:
        return str(dictionary_VR(tag))
    except KeyError:
        return None


def _element_at(ds: Dataset, tag: int, raw: Any) -> Optional[tuple[int, DataElement]]:
    """``(vl, element)`` of one element of ``ds`` (``raw`` is its stored item), None if undecodable.

    Big binary (or unknown-VR) values are not read: they come back with a
    ``None`` value, so a large deferred blob never lands in memory.
    """
    vl = None
    if isinstance(raw, RawDataElement):
        vl = raw.length
        vr = _raw_vr(raw, tag)
        if vl > _MAX_INLINE_BINARY and vl != _UNDEFINED and (vr is None or vr in _BINARY_VRS):
            return int(vl), DataElement(tag, vr or 'UN', None)
    try:
        elem = element(ds, tag, raw)
    except Exception:  # pragma: no cover - undecodable element
        return None
    if vl is None:
        vl = _value_length(elem)
    return int(vl), elem


def _iter_elements(ds: Dataset) -> Iterator[tuple[int, int, DataElement]]:
    """Yield ``(tag, vl, element)`` in tag order, reading vl before conversion (see :func:`_element_at`)."""
    for tag in sorted(ds.keys()):
        found = _element_at(ds, int(tag), raw_item(ds, tag))
        if found is not None:
            yield int(tag), found[0], found[1]


def dataset_tags(ds: Dataset, flt: TagFilter = TagFilter(), top_level: bool = True) -> List[Dict[str, Any]]:
    """List the tags of ``ds`` (plus its file meta at top level) as JSON dicts.

    :param ds: a dataset read with ``stop_before_pixels=True``.
    :param flt: filter options (applied to top-level tags only).
    :param top_level: include ``ds.file_meta`` and apply ``flt``.
    """
    result: List[Dict[str, Any]] = []
    sources: List[Dataset] = []
    meta = getattr(ds, 'file_meta', None) if top_level else None
    if meta is not None:
        sources.append(meta)
    sources.append(ds)
    for source in sources:
        for tag, vl, elem in _iter_elements(source):
            if tag & 0xFFFF == 0:
                continue  # group length
            name = tag_name(tag)
            if top_level and not flt.keeps(tag, name):
                continue
            entry: Dict[str, Any] = {
                'group': tag >> 16,
                'element': tag & 0xFFFF,
                'vr': str(elem.VR),
                'vl': vl,
                'name': name,
            }
            if str(elem.VR) == 'SQ':
                entry['value'] = [
                    {'tags': dataset_tags(item, top_level=False)} for item in (elem.value or [])
                ]
            else:
                entry['value'] = element_value(elem, flt.all_dicom_values)
            result.append(entry)
    return result


#: Memo of :func:`attribute_map`: ``{(encoding, all_values): {raw key: (name, JSON value) or None}}``
#: (None: an element the map leaves out); raw keys come from :func:`_raw_key`.
_ATTR_CACHE: Dict[Any, Dict[Tuple[Any, ...], Optional[Tuple[str, Any]]]] = {}
#: A memo (of :data:`_ATTR_CACHE` or :data:`_CONVERTED`) is emptied when it grows past this many entries.
_ATTR_CACHE_MAX = 8192
#: Only values up to this many bytes are memoised.
_ATTR_CACHE_VALUE_MAX = 256
_NOT_CACHED_VRS = frozenset({'SQ', 'UN'})
#: Memo of :func:`converted`: ``{(function, encoding, raw key): result}``.
_CONVERTED: Dict[Tuple[Any, ...], Any] = {}
#: :data:`_ATTR_CACHE` is emptied when it holds this many ``(encoding, all_values)`` memos.
_ATTR_CONTEXTS_MAX = 8


#: pydicom >= 3 names the read encoding ``original_character_set`` (pydicom 2: ``read_encoding``).
_HAS_ORIGINAL_CHARSET = hasattr(Dataset, 'original_character_set')


def _encoding_key(ds: Dataset) -> Any:
    """The text encoding pydicom decodes ``ds``'s elements with, as a hashable value."""
    read = ds.original_character_set if _HAS_ORIGINAL_CHARSET else ds.read_encoding
    encoding = read or ds._character_set
    return encoding if isinstance(encoding, str) else tuple(encoding)


def _raw_key(raw: Any, tag: int) -> Optional[Tuple[Any, ...]]:
    """Memo key of a stored element whose conversion depends only on the key and the encoding, else None.

    The key is ``(tag, VR, raw bytes, little endian)``. Left out (converted
    by pydicom every time): converted or deferred elements, values over
    :data:`_ATTR_CACHE_VALUE_MAX` bytes, implicit-VR private tags (their VR
    depends on the private creator), ambiguous VRs (``US or SS``: corrected
    from other elements), ``UN`` and sequences.
    """
    if type(raw) is not RawDataElement:
        return None
    value = raw.value
    if value is None or len(value) > _ATTR_CACHE_VALUE_MAX:
        return None
    vr = raw.VR
    if vr is None:
        try:
            vr = dictionary_VR(tag)  # KeyError for private tags
        except KeyError:
            return None
    vr = str(vr)
    if ' or ' in vr or vr in _NOT_CACHED_VRS:
        return None
    return (tag, vr, bytes(value), bool(raw.is_little_endian))


def _memo(cache: Dict[Any, Any], key: Any, value: Any, limit: int = _ATTR_CACHE_MAX) -> None:
    """Store ``value`` in ``cache`` (emptied first when it holds ``limit`` entries)."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value


@functools.lru_cache(maxsize=1024)
def _keyword_tag(keyword: str) -> Optional[int]:
    """``tag_for_keyword``, remembered."""
    return tag_for_keyword(keyword)


def has(ds: Dataset, keyword: str) -> bool:
    """``keyword in ds`` for a dictionary keyword, without pydicom's keyword-to-tag steps."""
    tag = _keyword_tag(keyword)
    return keyword in ds if tag is None else tag in ds._dict  # type: ignore[operator]  # an int finds a BaseTag


def converted(ds: Dataset, keyword: str, convert: Callable[[Any], Any], default: Any = None) -> Any:
    """Return ``convert(ds.get(keyword, default))``, memoised across datasets.

    The images of a study share most values (patient, study, series): the
    result for a stored element is kept by its raw bytes (:func:`_raw_key`)
    and the dataset's encoding, so pydicom converts each distinct value once
    instead of once per upload. The element stays unconverted in ``ds``.

    :param ds: the dataset.
    :param keyword: the element's keyword.
    :param convert: a pure function of the value returning an immutable
        result; a module-level function, as it is part of the memo key.
    :param default: value given to ``convert`` when ``ds`` lacks the element.
    """
    tag = _keyword_tag(keyword)
    if tag is None:
        return convert(ds.get(keyword, default))
    raw = raw_item(ds, tag)
    if raw is None:
        return convert(default)
    key = _raw_key(raw, tag)
    if key is None:
        if type(raw) is DataElement and ' or ' not in raw.VR:
            return convert(raw.value)  # converted already: what ``ds.get`` would return, without its lookups
        return convert(ds.get(keyword, default))
    memo_key = (convert, _encoding_key(ds), key)
    try:
        return _CONVERTED[memo_key]
    except KeyError:
        pass
    result = convert(element(ds, tag, raw).value)  # what ``ds.get(keyword)`` returns
    _memo(_CONVERTED, memo_key, result)
    return result


def attribute_map(ds: Dataset, flt: TagFilter = TagFilter()) -> Dict[str, Any]:
    """Top-level attributes as ``{keyword-or-GGGGEEEE: value}`` (no sequences/binaries).

    Used by ``attribute`` and the ``attr`` field of an upload response.
    Elements whose answer is known from an earlier dataset (same tag, VR,
    bytes, byte order and encoding, see :func:`_raw_key`) cost one dict
    lookup; the others are converted by pydicom.
    """
    result: Dict[str, Any] = {}
    for _tag, _raw, entry in attribute_entries(ds, flt):
        if entry is not None:
            result[entry[0]] = entry[1]
    return result


#: One element of :func:`attribute_entries`: its tag, its stored item, and its ``(name, value)`` (None: left out).
AttrEntry = Tuple[int, Any, Optional[Tuple[str, Any]]]


def attribute_entries(ds: Dataset, flt: TagFilter = TagFilter()) -> List[AttrEntry]:
    """The elements of :func:`attribute_map` in tag order, with the stored item each came from.

    Group lengths and elements pydicom cannot decode are not listed; an
    element the map leaves out (sequences, binaries) is listed with None.
    """
    entries: List[AttrEntry] = []
    append = entries.append
    encoding = _encoding_key(ds)
    all_values = flt.all_dicom_values
    keeps_all = flt.groups is None and flt.include_tags is None and not flt.exclude_unnamed
    memo = _ATTR_CACHE.get((encoding, all_values))
    if memo is None:
        memo = {}
        _memo(_ATTR_CACHE, (encoding, all_values), memo, _ATTR_CONTEXTS_MAX)
    raw_type = RawDataElement
    # ``items()`` yields the stored items as they are: nothing is converted or read here.
    # (int tags: ``BaseTag`` compares in Python, a plain int in C)
    elements = [(int(tag), raw) for tag, raw in ds.items()]
    elements.sort(key=itemgetter(0))
    for tag, raw in elements:
        if not tag & 0xFFFF:
            continue  # group length
        if not keeps_all and not flt.keeps(tag, tag_name(tag)):
            continue
        key: Optional[Tuple[Any, ...]] = None
        if type(raw) is raw_type:
            value = raw.value
            if value is not None:
                key = (tag, raw.VR, value, raw.is_little_endian)
                try:
                    hit = memo[key]
                except KeyError:
                    pass
                else:
                    append((tag, raw, hit))
                    continue
        entry = _attr_entry(ds, tag, raw, all_values)
        if entry is _UNDECODABLE:
            continue
        if key is not None and memoisable(raw, tag, entry):
            _memo(memo, key, entry)
        append((tag, raw, entry))
    return entries


def memoisable(raw: Any, tag: int, entry: Optional[Tuple[str, Any]]) -> bool:
    """True when ``entry``, the ``attribute_map`` entry of the stored item ``raw``, may be memoised by its raw bytes."""
    immutable = entry is None or entry[1] is None or isinstance(entry[1], (str, int, float))
    return immutable and _raw_key(raw, tag) is not None


#: What :func:`_attr_entry` returns for an element pydicom cannot decode.
_UNDECODABLE = ('', None)


def _attr_entry(ds: Dataset, tag: int, raw: Any, all_values: bool) -> Optional[Tuple[str, Any]]:
    """``(name, JSON value)`` of one element of :func:`attribute_map`, None when the map leaves it out.

    :return: ``_UNDECODABLE`` when pydicom cannot decode it.
    """
    hit = _attr_value(ds, tag, raw, all_values)
    if hit is None:
        return _UNDECODABLE
    if hit[0] in _SKIPPED_ATTR_VRS:
        return None
    name = tag_name(tag)
    return (name if name != '?' else f'{tag:08X}', hit[1])


#: VRs that ``attribute_map`` leaves out.
_SKIPPED_ATTR_VRS = frozenset(_BINARY_VRS | {'SQ'})


def _attr_value(ds: Dataset, tag: int, raw: Any, all_values: bool) -> Optional[tuple[str, Any]]:
    """``(VR, JSON value)`` of one element for :func:`attribute_map` (None: undecodable).

    A stored sequence is not decoded: :func:`attribute_map` leaves sequences out.
    """
    if isinstance(raw, RawDataElement) and _raw_vr(raw, tag) == 'SQ':
        return 'SQ', None
    found = _element_at(ds, tag, raw)
    if found is None:
        return None
    elem = found[1]
    vr = str(elem.VR)
    return vr, None if vr in _SKIPPED_ATTR_VRS else element_value(elem, all_values)


def keyword_values(ds: Dataset, keywords: tuple[str, ...]) -> Dict[str, Any]:
    """``{keyword: value}`` for the listed keywords that ``ds`` has."""
    result: Dict[str, Any] = {}
    for keyword in keywords:
        if keyword in ds:
            result[keyword] = element_value(ds[keyword], True)
    return result


def phi_tags(ds: Dataset) -> List[Dict[str, Any]]:
    """Tag dicts (``image_json`` shape) of the patient- and study-level tags."""
    wanted = set(PATIENT_KEYWORDS) | set(STUDY_KEYWORDS)
    return [t for t in dataset_tags(ds, top_level=False) if t['name'] in wanted]
