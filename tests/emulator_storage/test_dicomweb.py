"""DICOMweb metadata served by the emulator from the stored files, read through the SDK."""

from __future__ import annotations

import pytest
from pydicom import dcmread

from ambra_sdk.exceptions.storage import NotFound

from .conftest import dicom_path


@pytest.fixture
def uploaded(storage):
    up = storage.upload('SC_rgb_rle_2frame.dcm')
    second = storage.upload('CT_small.dcm', study_uid=up['study_uid'])
    return up, second


def _api(emulator):
    return emulator.api(rate_limits=None)


def test_study_series_and_instance_metadata(storage, emulator, uploaded):
    up, second = uploaded
    api = _api(emulator)
    study = api.Storage.Study
    fqdn = emulator.engine_fqdn
    everything = study.study_dicomweb(fqdn, storage.namespace, up['study_uid'])
    assert sorted(item['00080018'].Value[0] for item in everything) == sorted([up['image_uid'], second['image_uid']])
    series = study.series_dicomweb(fqdn, storage.namespace, up['study_uid'], second['series_uid'])
    assert [item['00080018'].Value[0] for item in series] == [second['image_uid']]
    one = study.image_dicomweb(fqdn, storage.namespace, up['study_uid'], second['series_uid'], second['image_uid'],
                               phi_namespace=storage.namespace)
    source = dcmread(dicom_path('CT_small.dcm'), stop_before_pixels=True)
    assert one['00100010'] == {'vr': 'PN', 'Value': [{'Alphabetic': str(source.PatientName)}]}
    assert one['00280010'] == {'vr': 'US', 'Value': [int(source.Rows)]}
    response = study.image_dicomweb(fqdn, storage.namespace, up['study_uid'], second['series_uid'],
                                    second['image_uid'], use_box=False)
    assert response.headers['Content-Type'] == 'application/dicom+json'
    assert isinstance(response.json(), list) and len(response.json()) == 1


def test_binary_values_and_pixel_data_are_left_out(storage, emulator, uploaded):
    up, _ = uploaded
    api = _api(emulator)
    for item in api.Storage.Study.study_dicomweb(emulator.engine_fqdn, storage.namespace, up['study_uid']):
        assert '7FE00010' not in item
        for element in item.values():
            assert element['vr'] not in ('OB', 'OW', 'OD', 'OF', 'OL', 'OV', 'UN')
            assert 'InlineBinary' not in element and 'BulkDataURI' not in element


@pytest.mark.parametrize('which', ['study', 'series', 'image', 'image_in_other_series'])
def test_unknown_uids_are_404(storage, emulator, uploaded, which):
    up, second = uploaded
    study = _api(emulator).Storage.Study
    fqdn, ns = emulator.engine_fqdn, storage.namespace
    calls = {
        'study': lambda: study.study_dicomweb(fqdn, ns, '9.9.9'),
        'series': lambda: study.series_dicomweb(fqdn, ns, up['study_uid'], '9.9.9'),
        'image': lambda: study.image_dicomweb(fqdn, ns, up['study_uid'], second['series_uid'], '9.9.9'),
        'image_in_other_series': lambda: study.image_dicomweb(
            fqdn, ns, up['study_uid'], up['series_uid'], second['image_uid']),
    }
    with pytest.raises(NotFound):
        calls[which]()
