"""An upload's header parsed without the elements known from earlier uploads answers as the whole parse.

The reference is the emulator's read before the shortcut: the whole header
parsed by pydicom (``upload._quick_parse`` returning None), its ``attr``
from ``attribute_map``. Every file is read cold and warm (the memo filled by
the files before it), with changed values, with cut and flipped bytes.
"""

from __future__ import annotations

import io
import json
import random
import warnings
from pathlib import Path
from typing import Any, Dict, List

import pydicom
import pytest
from pydicom.dataelem import DataElement

from ambra_sdk.emulator.storage import tags, upload, upload_header
from ambra_sdk.emulator.storage.errors import StorageError
from ambra_sdk.emulator.storage.studies import header_fields
from tests.helpers.dicoms import pydicom_data_file, save_file_format

pytestmark = pytest.mark.filterwarnings('ignore::UserWarning')

#: Bundled pydicom files: explicit and implicit VR, private tags and sequences, big endian, deflated, no meta.
NAMES = [
    'CT_small.dcm', 'MR_small.dcm', 'MR_small_implicit.dcm', 'MR_small_bigendian.dcm', 'rtplan.dcm',
    'rtstruct.dcm', 'priv_SQ.dcm', 'nested_priv_SQ.dcm', 'UN_sequence.dcm', 'image_dfl.dcm', 'no_meta.dcm',
    'SC_rgb_rle_2frame.dcm', 'reportsi.dcm', 'waveform_ecg.dcm', 'empty_charset_LEI.dcm', 'liver_1frame.dcm',
    'examples_overlay.dcm', 'test-SR.dcm', 'emri_small.dcm',
]


def _sources(tmp_path: Path) -> List[bytes]:
    found: List[bytes] = []
    for name in NAMES:
        try:
            found.append(Path(pydicom_data_file(name)).read_bytes())
        except (AssertionError, ValueError, OSError):
            continue
    ct = pydicom.dcmread(pydicom_data_file('CT_small.dcm'))
    for charset, patient in (('ISO_IR 100', 'M\u00fcller^J\u00f6rg'), ('ISO_IR 192', 'M\u00fcller^J\u00f6rg')):
        ct.SpecificCharacterSet = charset
        ct.PatientName = patient
        found.append(_saved(ct))
    found.extend(_instances(ct, 3))
    # a private UN element of a creator pydicom knows: its VR (LO) comes from the creator (0009,0010)
    assert ct[0x00090010].value == 'GEMS_IDEN_01'
    ct[0x00091001].VR = 'UN'
    ct[0x00091001].value = b'GE_GENESIS_FF '
    found.extend(_instances(ct, 2))
    implicit = pydicom.dcmread(pydicom_data_file('MR_small_implicit.dcm'))
    implicit.add_new(0x00090010, 'LO', 'GEMS_IDEN_01')
    implicit.add_new(0x00091001, 'LO', 'private value')  # implicit VR: its VR comes from the creator
    # 'US or SS': read as -1 with PixelRepresentation 1, 65535 with 0
    implicit.PixelRepresentation = 1
    implicit[0x00280106] = DataElement(0x00280106, 'SS', -1)
    found.extend(_instances(implicit, 2))
    implicit.PixelRepresentation = 0
    implicit[0x00280106] = DataElement(0x00280106, 'US', 65535)
    found.extend(_instances(implicit, 2))
    return found


def _instances(ds: Any, count: int) -> List[bytes]:
    """``count`` new instances of ``ds``'s series: most elements equal, UIDs and numbers not."""
    found = []
    for index in range(count):
        ds.SOPInstanceUID = f'1.2.3.{index + 1}'
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.InstanceNumber = index + 10
        found.append(_saved(ds))
    return found


def _saved(ds: Any) -> bytes:
    out = io.BytesIO()
    save_file_format(ds, out)
    return out.getvalue()


def _outcome(path: Path, quick: bool, monkeypatch: Any) -> Any:
    """What the upload read answers: the refusal, or the attr, the read fields and the record's fields."""
    if not quick:
        monkeypatch.setattr(upload, '_quick_parse', lambda content: None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            try:
                header = upload.read_upload_header(path)
            except StorageError as error:
                return 'refused', error.readable_status, error.message, error.exception_data
            stored = upload.Stored(upload.image_record(header.dataset, 'ns', 'study', path, 1, 'v'), header.dataset,
                                   header)
            attr = stored.attr()
            assert stored.answer_json() == json.dumps(upload.upload_response(stored, attr))  # byte for byte
            if not quick:
                assert attr == tags.attribute_map(header.dataset)
            return 'ok', list(attr.items()), header_fields(header.dataset), stored.record
    finally:
        monkeypatch.undo()


def _fresh() -> None:
    upload_header._KNOWN.clear()  # noqa: SLF001
    tags._ATTR_CACHE.clear()  # noqa: SLF001


def _same(path: Path, data: bytes, monkeypatch: Any) -> Dict[str, Any]:
    path.write_bytes(data)
    expected = _outcome(path, False, monkeypatch)
    assert _outcome(path, True, monkeypatch) == expected
    return {'outcome': expected}


def test_every_file_answers_as_the_whole_parse_cold_and_warm(tmp_path, monkeypatch):
    _fresh()
    sources = _sources(tmp_path)
    target = tmp_path / 'f.dcm'
    for _round in range(2):
        for data in sources:
            _same(target, data, monkeypatch)
    assert upload_header._KNOWN  # noqa: SLF001 - the memo was used


def test_elements_are_left_out_once_known():
    _fresh()
    ct = _instances(pydicom.dcmread(pydicom_data_file('CT_small.dcm')), 2)
    first = upload_header.parse_header_bytes(ct[0], upload.DEFER_SIZE)
    assert first is not None and not first.known
    upload_header.header_attr(first)
    second = upload_header.parse_header_bytes(ct[1], upload.DEFER_SIZE)
    assert second is not None and len(second.known) > 150
    assert len(second.dataset) < 60
    assert {k for k in upload_header.KEPT_KEYWORDS if k in first.dataset} <= {k for k in upload_header.KEPT_KEYWORDS
                                                                               if k in second.dataset}


def test_cut_and_flipped_files_are_refused_or_read_as_before(tmp_path, monkeypatch):
    _fresh()
    rng = random.Random(26)
    sources = _sources(tmp_path)
    target = tmp_path / 'f.dcm'
    for data in sources:
        _same(target, data, monkeypatch)  # warm
    for data in sources[:6] + sources[-6:]:
        for cut in rng.sample(range(len(data)), 25):
            flipped = bytearray(data)
            flipped[cut] ^= 0xFF
            _same(target, data[:cut], monkeypatch)
            _same(target, bytes(flipped), monkeypatch)


def test_element_converts_as_getitem(tmp_path):
    """``tags.element`` (fewer of ``Dataset.__getitem__``'s steps) gives what ``ds[tag]`` gives, for every element."""
    checked = 0
    for data in _sources(tmp_path):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            try:
                ours, theirs = (pydicom.dcmread(io.BytesIO(data), force=True, stop_before_pixels=True) for _ in '12')
            except Exception:  # noqa: BLE001 - a source pydicom cannot read at all
                continue
            for tag in list(theirs.keys()):
                try:
                    expected: Any = theirs[tag]
                except Exception as error:  # noqa: BLE001 - the same refusal is expected
                    expected = type(error)
                try:
                    got: Any = tags.element(ours, int(tag), tags.raw_item(ours, tag))
                except Exception as error:  # noqa: BLE001
                    got = type(error)
                if isinstance(expected, DataElement):
                    assert (got.tag, got.VR, repr(got.value), got.private_creator) == (
                        expected.tag, expected.VR, repr(expected.value), expected.private_creator)
                    assert ours._dict[tag] is got and type(theirs._dict[tag]) is DataElement  # noqa: SLF001
                    checked += 1
                else:
                    assert got == expected
    assert checked > 500
