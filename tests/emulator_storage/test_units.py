"""Pure functions of the storage emulator: encoders, zip streaming, error bodies, parsers."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pydicom
import pytest

from ambra_sdk.emulator.storage.bundle import parse_anonymize_tags, parse_uid_list
from ambra_sdk.emulator.storage.derive import regions_for
from ambra_sdk.emulator.storage.encoders import encode_jpeg, encode_png, encode_tiff, placeholder_png
from ambra_sdk.emulator.storage.errors import KINDS, StorageError, error_response_body
from ambra_sdk.emulator.storage.render import parse_frame_number, parse_size
from ambra_sdk.emulator.storage.tags import TagFilter, dataset_tags, parse_groups, parse_include_tags
from ambra_sdk.emulator.storage.zipstream import ZipEntry, bytes_chunks, stream_zip

from .conftest import dicom_path
from .imagecheck import jpeg_size, png_info, tiff_size


def _gradient(height=37, width=53):
    y, x = np.mgrid[0:height, 0:width]
    return ((x * 5 + y * 3) % 256).astype(np.uint8)


def test_png_encoder_round_trips():
    grey = _gradient()
    info = png_info(encode_png(grey))
    assert (info['width'], info['height'], info['depth'], info['color']) == (53, 37, 8, 0)
    assert png_info(encode_png(grey.astype(np.uint16) * 257))['depth'] == 16
    assert png_info(encode_png(np.stack([grey] * 3, axis=-1)))['color'] == 2
    assert png_info(placeholder_png())['width'] == 8


def test_tiff_and_jpeg_headers():
    grey = _gradient()
    assert tiff_size(encode_tiff(grey)) == (53, 37)
    assert tiff_size(encode_tiff(np.stack([grey] * 3, axis=-1))) == (53, 37)
    assert jpeg_size(encode_jpeg(grey, 0.9)) == (53, 37)
    flat = encode_jpeg(np.full((8, 8), 7, dtype=np.uint8), 0.1)
    assert jpeg_size(flat) == (8, 8)


def test_stream_zip_builds_a_valid_archive():
    entries = [
        ZipEntry('a/one.bin', bytes_chunks(b'1' * 3000), 3000),
        ZipEntry('two.txt', bytes_chunks(b'hello')),
    ]
    pieces = list(stream_zip(entries, chunk=1024))
    archive = zipfile.ZipFile(io.BytesIO(b''.join(pieces)))
    assert archive.testzip() is None
    assert archive.read('a/one.bin') == b'1' * 3000 and archive.read('two.txt') == b'hello'
    assert len(pieces) > 2


def test_error_body_shape():
    body = json.loads(error_response_body(StorageError('STUDY_NOT_FOUND', exception_data={'study_uid': 'x'})))
    assert body['kind'] == {'code': 18, 'readable_status': 'STUDY_NOT_FOUND'}
    assert body['message'] == KINDS['STUDY_NOT_FOUND'][2]
    assert body['exception_data'] == {'study_uid': 'x'}
    assert body['extended'] is None
    verbose = json.loads(error_response_body(StorageError('UNKNOWN'), verbose=True))
    assert verbose['extended']
    assert StorageError('VALIDATION_ERROR', http_status=422).http_status == 422


def test_parsers():
    assert parse_groups('8, 0x0010') == {8, 16}
    assert parse_groups('') is None
    assert parse_include_tags('00080018,00081111:00080550') == {0x00080018, 0x00081111}
    assert parse_frame_number('3') == (3, None)
    assert parse_frame_number('0.png') == (0, 'png')
    assert parse_size('0') is None and parse_size('64') == (64, 64) and parse_size('10x20') == (10, 20)
    assert parse_uid_list(' 1.2 ,3.4,') == {'1.2', '3.4'}
    assert parse_anonymize_tags('1048592=A,1048608=__DELETE__') == {0x00100010: 'A', 0x00100020: '__DELETE__'}
    with pytest.raises(StorageError):
        parse_anonymize_tags('PatientName=A')
    with pytest.raises(StorageError):
        parse_groups('nope')


def test_regions_pick_the_most_specific_level():
    spec = {
        'regions': ['study'],
        'series': {'s1': {'regions': ['series'], 'instances': {'i1': {'regions': ['instance']}}}},
    }
    assert regions_for(spec, 's1', 'i1', 'regions') == ['instance']
    assert regions_for(spec, 's1', 'i2', 'regions') == ['series']
    assert regions_for(spec, 's2', 'i3', 'regions') == ['study']
    assert regions_for({}, 's', 'i', 'region') is None


def test_dataset_tags_names_vl_and_filters():
    ds = pydicom.dcmread(dicom_path('MR_small.dcm'), stop_before_pixels=True)
    tags = dataset_tags(ds)
    names = [t['name'] for t in tags]
    assert 'PatientName' in names and 'TransferSyntaxUID' in names
    assert all(t['vl'] % 2 == 0 for t in tags if t['vr'] not in ('SQ',) and t['vl'] != 0xFFFFFFFF)
    only = dataset_tags(ds, TagFilter(groups={0x10}))
    assert {t['group'] for t in only} == {0x10}
    assert dataset_tags(ds, TagFilter(include_tags={0x00100010}))[0]['value'] == str(ds.PatientName)
