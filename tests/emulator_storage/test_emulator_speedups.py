"""Emulator shortcuts answer as the long way: conversion memo, study merge, reused connection threads."""

import threading
import warnings

import pydicom
import requests

from ambra_sdk.emulator.state import State
from ambra_sdk.emulator.storage import tags, upload
from ambra_sdk.emulator.storage.studies import SERVICE_FIELDS
from tests.helpers.dicoms import pydicom_data_file


def _values(ds, converted):
    out = {}
    for keyword in (*SERVICE_FIELDS.values(), 'SOPClassUID', 'InstanceNumber', 'SeriesNumber', 'Modality',
                    'SeriesDescription', 'NumberOfFrames', 'SeriesInstanceUID', 'Missing'):
        if keyword == 'Missing':
            keyword = 'MIMETypeOfEncapsulatedDocument'
        if converted:
            out[keyword] = (tags.converted(ds, keyword, upload._int_or_none),
                            tags.converted(ds, keyword, upload._text_or_empty, ''))
        else:
            out[keyword] = (upload._int_or_none(ds.get(keyword)), str(ds.get(keyword, '') or ''))
    return out


def test_converted_equals_pydicom_cold_and_warm(tmp_path):
    names = ['CT_small.dcm', 'MR_small.dcm', 'rtplan.dcm', 'MR_small_RLE.dcm', 'SC_rgb_rle_2frame.dcm']
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        paths = [pydicom_data_file(n) for n in names]
        for charset, name in (('ISO_IR 100', 'M\u00fcller^J\u00f6rg'), ('ISO_IR 192', 'M\u00fcller^J\u00f6rg')):
            ds = pydicom.dcmread(paths[0])
            ds.SpecificCharacterSet = charset
            ds.PatientName = name
            ds.save_as(str(tmp_path / (charset + '.dcm')))
            paths.append(str(tmp_path / (charset + '.dcm')))
        expected = [_values(upload.load_header(p), False) for p in paths]
        tags._CONVERTED.clear()
        for _ in range(2):
            assert [_values(upload.load_header(p), True) for p in paths] == expected


def test_merge_study_writes_what_update_study_writes(tmp_path):
    a, b = State(str(tmp_path / 'a')), State(str(tmp_path / 'b'))
    try:
        for state in (a, b):
            state.add_study('ns', '1.2', uuid='u', patient_name='X', customfields=[{'a': 1}])
        fields = {'patient_name': 'Y', 'image_count': 3, 'phantom': 0, 'study_description': 'd'}
        updated = a.update_study('u', **fields)
        with b.transaction():
            merged = b.merge_study(b.get_study('u'), fields)
        for study in (updated, merged):
            study.pop('updated')
            study.pop('created')
        assert merged == updated
    finally:
        a.close()
        b.close()


def test_connection_threads_are_reused(emulator):
    url = emulator.url.replace('/api/v3', '/_emulator/info')
    requests.get(url, headers=emulator.control_headers(), timeout=30)
    before = {t.ident for t in threading.enumerate() if '-conn-' in t.name}
    for _ in range(20):
        assert requests.get(url, headers=emulator.control_headers(), timeout=30).status_code == 200
    after = {t.ident for t in threading.enumerate() if '-conn-' in t.name}
    assert before and len(after - before) <= 1


def test_concurrent_connections_are_all_served(emulator):
    url = emulator.url.replace('/api/v3', '/_emulator/info')
    results = []
    threads = [threading.Thread(target=lambda: results.append(requests.get(url, headers=emulator.control_headers(), timeout=30).status_code))
               for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [200] * 24
