"""Study operations: clone, split, merge, anonymize, crop, hl7_to_sr, create_rt."""

from __future__ import annotations

import io
import json

import numpy as np
import pydicom

from .conftest import assert_storage_error

RT_BODY = {
    'structureSetLabel': 'Label', 'structureSetName': 'Name', 'structureSetDescription': 'Desc',
    'instanceNumber': '1', 'structureSetDate': 1625486773319, 'structureSetTime': 1625486773319,
    'referencedFrameOfReferenceList': [{'frameOfReferenceUID': '1.2.3', 'rtReferencedStudies': []}],
    'structureSetROISequences': [{
        'roiNumber': '1', 'referencedFrameOfReferenceUID': '1.2.3', 'roiName': 'Tumour',
        'roiGenerationAlgorithm': 'MANUAL',
    }],
    'roiContours': [{
        'referencedROINumber': '1', 'roiDisplayColor': '333',
        'contourSequences': [{
            'contourNumber': '3', 'contourGeometricType': 'OPEN_PLANAR',
            'contourData': [{'x': 5.6, 'y': 123.9, 'z': 43.2}, {'x': 1, 'y': 2, 'z': 3}],
        }],
    }],
    'rtROIObservations': [{'observationNumber': '11', 'referencedROINumber': '1', 'rtROIInterpretedType': 'EXTERNAL'}],
}


def _ids(storage, namespace, study_uid):
    schema = storage.get(f'/study/{namespace}/{study_uid}/schema').json()
    return {(s['uid'], i['id']) for s in schema['series'] for i in s['images']}


def _pixels(storage, namespace, study_uid):
    schema = storage.get(f'/study/{namespace}/{study_uid}/schema').json()
    image = schema['series'][0]['images'][0]
    data = storage.get(f"/study/{namespace}/{study_uid}/image/{image['id']}/version/{image['version']}").content
    return pydicom.dcmread(io.BytesIO(data))


def test_clone(storage, ct):
    response = storage.post(storage.study(ct) + '/clone')
    assert response.status_code == 202
    new_uid = response.text
    assert new_uid and new_uid != ct['study_uid']
    assert _ids(storage, storage.namespace, new_uid) == _ids(storage, storage.namespace, ct['study_uid'])
    renewed = storage.post(storage.study(ct) + '/clone', params={'new_image_uids': 'true', 'new_series_uids': 'true'})
    new_ids = _ids(storage, storage.namespace, renewed.text)
    assert len(new_ids) == 1 and new_ids.isdisjoint(_ids(storage, storage.namespace, ct['study_uid']))
    assert storage.state.get_study(storage_namespace=storage.namespace, study_uid=new_uid)['image_count'] == 1


def test_split(storage, ct):
    mr = storage.upload('MR_small.dcm', study_uid=ct['study_uid'])
    response = storage.post(
        storage.study(ct) + '/split', params={'series_uid': mr['series_uid'], 'delete_series_from_original': '1'},
    )
    assert response.status_code == 200
    new_uid = response.text
    assert _ids(storage, storage.namespace, new_uid) == {(mr['series_uid'], mr['image_uid'])}
    assert _ids(storage, storage.namespace, ct['study_uid']) == {(ct['series_uid'], ct['image_uid'])}
    assert_storage_error(
        storage.post(storage.study(ct) + '/split', params={'series_uid': '9.9'}), 404, 'SERIES_NOT_FOUND',
    )


def test_merge(storage, ct):
    mr = storage.upload('MR_small.dcm')
    response = storage.get(
        storage.study(ct) + '/merge', params={'secondary_study_uid': mr['study_uid'], 'delete_secondary_study': 'True'},
    )
    assert response.status_code == 202
    assert (mr['series_uid'], mr['image_uid']) in _ids(storage, storage.namespace, ct['study_uid'])
    assert_storage_error(storage.get(storage.study(mr) + '/schema'), 404, 'STUDY_NOT_FOUND')
    assert_storage_error(
        storage.get(storage.study(ct) + '/merge', params={'secondary_study_uid': '5.5'}), 404, 'STUDY_NOT_FOUND',
    )


def test_anonymize_obscures_regions(storage, ct):
    region = {'regions': [{'x': 10, 'y': 20, 'width': 30, 'height': 40}]}
    response = storage.post(
        storage.study(ct) + '/anonymize', data=json.dumps(region),
        params={'color': '#ffffff', 'keep_image_uids': '1', 'new_study_uid': '1.2.826.0.1.99'},
        headers={'Content-Type': 'application/json; charset=utf-8'},
    )
    assert response.status_code == 202 and response.text == '1.2.826.0.1.99'
    before = _pixels(storage, storage.namespace, ct['study_uid']).pixel_array
    after_ds = _pixels(storage, storage.namespace, '1.2.826.0.1.99')
    after = after_ds.pixel_array
    assert after_ds.SOPInstanceUID == ct['image_uid']
    patch = after[20:60, 10:40]
    assert np.all(patch == patch.flat[0]) and not np.all(before[20:60, 10:40] == patch)
    assert np.array_equal(after[:20], before[:20])
    bad = storage.post(storage.study(ct) + '/anonymize', data='not json')
    assert_storage_error(bad, 400, 'JSON_DESERIALIZE_EXCEPTION')


def test_crop(storage, ct):
    spec = {'series': {ct['series_uid']: {'region': {'x': 0, 'y': 0, 'width': 50, 'height': 20}}}}
    response = storage.post(storage.study(ct) + '/crop', data=json.dumps(spec))
    assert response.status_code == 202
    cropped = _pixels(storage, storage.namespace, response.text)
    assert (cropped.Rows, cropped.Columns) == (20, 50)
    assert cropped.pixel_array.shape == (20, 50)
    assert cropped.SOPInstanceUID != ct['image_uid']


def test_hl7_to_sr(storage, ct):
    report = storage.state.add_object('hl7', {'message': 'OBX|1|TX|||Normal study'})
    response = storage.post(storage.study(ct) + f"/hl7/{report['uuid']}/sr")
    assert response.status_code == 202
    body = response.json()
    assert body['study_uid'] == ct['study_uid']
    tags = storage.get(storage.image(body) + '/json').json()['tags']
    assert next(t for t in tags if t['name'] == 'Modality')['value'] == 'SR'
    assert next(t for t in tags if t['name'] == 'PatientName')['value'] == 'CompressedSamples^CT1'


def test_hl7_to_sr_of_an_unknown_report_is_500_and_stores_nothing(storage, ct):
    before = storage.get(storage.study(ct) + '/schema').json()
    body = assert_storage_error(
        storage.post(storage.study(ct) + '/hl7/1234-abcd/sr'), 500, 'DOWNSTREAM_SERVER_ERROR',
    )
    assert body['exception_data'] == {'hl7_uuid': '1234-abcd'}
    assert storage.get(storage.study(ct) + '/schema').json() == before


def test_create_rt(storage, ct):
    response = storage.post(
        storage.study(ct) + '/rt', data=json.dumps(RT_BODY),
        headers={'Content-Type': 'application/json; charset=utf-8'},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body['namespace'] == storage.namespace and body['study_uid'] == ct['study_uid']
    assert body['attr']['Modality'] == 'RTSTRUCT'
    ds = pydicom.dcmread(io.BytesIO(storage.get(storage.image(body)).content))
    assert ds.StructureSetROISequence[0].ROIName == 'Tumour'
    assert [float(v) for v in ds.ROIContourSequence[0].ContourSequence[0].ContourData] == [5.6, 123.9, 43.2, 1, 2, 3]
    assert_storage_error(storage.post(storage.study(ct) + '/rt', data='[1'), 400, 'JSON_DESERIALIZE_EXCEPTION')


def test_operations_on_unknown_study(storage):
    base = f'/study/{storage.namespace}/8.8.8'
    for method, path in (('POST', '/clone'), ('POST', '/split'), ('GET', '/merge'), ('POST', '/crop'),
                         ('POST', '/anonymize'), ('POST', '/rt'), ('POST', '/hl7/x/sr')):
        response = storage.request(method, base + path, data='{}')
        assert_storage_error(response, 404, 'STUDY_NOT_FOUND')


def test_job_header_records_a_job(storage, ct):
    job_id = '3f0b5bb4-6b0e-4d1c-9d39-0a4f7f1f5e21'
    response = storage.post(
        storage.study(ct) + '/anonymize', data='{}', headers={'X-AmbraHealth-Job-Id': job_id},
    )
    assert response.status_code == 202
    job = storage.state.get_job(job_id)
    assert job['state'] == 'DONE' and job['result'] == response.text
    assert job['study_uid'] == ct['study_uid']
    failed_id = '3f0b5bb4-6b0e-4d1c-9d39-0a4f7f1f5e22'
    storage.get(f'/study/{storage.namespace}/0.0/merge', params={'secondary_study_uid': '1.1'},
                headers={'X-AmbraHealth-Job-Id': failed_id})
    failed = storage.state.get_job(failed_id)
    assert failed['state'] == 'FAILED' and failed['error_type'] == 'STUDY_NOT_FOUND'
