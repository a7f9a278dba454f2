"""The cheap upload paths give the same answers as the full computations they replace.

* the cached per-study aggregates (``StorageIndex.study_stats``) equal a
  recount over every image after uploads, new versions, deletes and service
  copies;
* ``attribute_map`` answers the same with a cold memo, a warm memo and a
  fully converted dataset;
* ``load_header`` parses small files from memory exactly as from the file.
No timing here: ``bench/bench_addon.py`` measures.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import pydicom
import pytest
import requests

from ambra_sdk.emulator.storage import tags, upload
from ambra_sdk.emulator.storage.index import _stats_of
from ambra_sdk.emulator.storage.routing import index_for
from ambra_sdk.emulator.storage.studies import study_summary

from .conftest import LOCAL_FILES, dicom_path


def _check_stats(storage: Any, namespace: str, study_uid: str) -> dict[str, Any]:
    index = index_for(storage.state)
    cached = index.study_stats(namespace, study_uid)
    assert cached == _stats_of(index.images(namespace, study_uid, latest_only=False))
    study = storage.state.get_study(storage_namespace=namespace, study_uid=study_uid)
    recount = study_summary(None, index.images(namespace, study_uid), len(index.attachments(namespace, study_uid)))
    for field in ('modality', 'image_count', 'series_count', 'size', 'attachment_count'):
        assert study[field] == recount[field], field
    return cached


def _variant(tmp_path: Any, name: str, **changes: Any) -> str:
    ds = pydicom.dcmread(dicom_path('CT_small.dcm'))
    for keyword, value in changes.items():
        setattr(ds, keyword, value)
    path = tmp_path / name
    ds.save_as(str(path))
    return str(path)


def test_study_aggregates_follow_every_change(storage, tmp_path):
    first = storage.upload('CT_small.dcm')
    ns, uid = first['namespace'], first['study_uid']
    assert _check_stats(storage, ns, uid)['image_count'] == 1
    second = storage.upload(_variant(tmp_path, 'b.dcm', SOPInstanceUID='1.2.3.4', SeriesInstanceUID='1.2.3.9',
                                     Modality='MR'))
    stats = _check_stats(storage, ns, uid)
    assert (stats['image_count'], len(stats['series']), stats['modalities']) == (2, 2, ['CT', 'MR'])
    # a new version of the first image (same SOP Instance UID, other content, other series)
    storage.upload(_variant(tmp_path, 'c.dcm', PatientName='New^Name', SeriesInstanceUID='1.2.3.9'))
    stats = _check_stats(storage, ns, uid)
    assert (stats['image_count'], len(stats['series'])) == (2, 1)
    storage.upload('CT_small.dcm')  # the first version again: replaces that row
    _check_stats(storage, ns, uid)
    assert storage.delete(storage.study(second) + '/image/1.2.3.4').status_code == 202
    assert _check_stats(storage, ns, uid)['image_count'] == 1
    storage.upload(_variant(tmp_path, 'd.dcm', SOPInstanceUID='1.2.3.5'))
    assert _check_stats(storage, ns, uid)['image_count'] == 2


def test_study_aggregates_after_a_service_copy(storage):
    up = storage.upload('CT_small.dcm')
    emulator = storage.emulator
    client_sid = emulator.login()
    other = requests.post(emulator.url + '/account/add', data={'sid': client_sid, 'name': 'Copy'}, timeout=30).json()
    study = storage.state.get_study(storage_namespace=up['namespace'], study_uid=up['study_uid'])
    answer = requests.post(emulator.url + '/study/duplicate', timeout=30, data={
        'sid': client_sid, 'uuid': study['uuid'], 'namespace_id': other['namespace_id']}).json()
    assert answer['status'] == 'OK', answer
    index = index_for(storage.state)
    copied = index.study_stats(other['namespace_id'], up['study_uid'])
    assert copied == _stats_of(index.images(other['namespace_id'], up['study_uid'], latest_only=False))
    assert copied['image_count'] == 1


def _all_local_headers() -> list[str]:
    return [dicom_path(name) for name in LOCAL_FILES]


@pytest.mark.parametrize('all_values', [False, True])
def test_attribute_map_memo_changes_nothing(all_values):
    flt = tags.TagFilter(all_dicom_values=all_values)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        reference = {}
        for path in _all_local_headers():
            ds = upload.load_header(path)
            for tag in list(ds.keys()):
                ds[tag]  # convert every element: the memo is not used for converted elements
            reference[path] = json.dumps(tags.attribute_map(ds, flt))
        tags._ATTR_CACHE.clear()
        for _ in range(2):  # cold, then warm
            for path in _all_local_headers():
                assert json.dumps(tags.attribute_map(upload.load_header(path), flt)) == reference[path], path


def test_small_files_parse_from_memory_like_from_the_file(monkeypatch):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        in_memory = {p: json.dumps(tags.dataset_tags(upload.load_header(p))) for p in _all_local_headers()}
        monkeypatch.setattr(upload, 'IN_MEMORY_HEADER', -1)
        for path in _all_local_headers():
            assert json.dumps(tags.dataset_tags(upload.load_header(path))) == in_memory[path], path
