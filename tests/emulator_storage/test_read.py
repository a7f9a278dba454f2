"""JSON read endpoints: schema, count, json, image_json, tag, phi, image_phi, attribute, cadsr."""

from __future__ import annotations

import pydicom

from .conftest import assert_storage_error, dicom_bytes, dicom_path


def test_schema_lists_series_images_and_attachments(storage, ct):
    mr = storage.upload('MR_small.dcm', study_uid=ct['study_uid'])
    schema = storage.get(storage.study(ct) + '/schema').json()
    assert schema['study_uid'] == ct['study_uid']
    images = {i['id']: i['version'] for s in schema['series'] for i in s['images']}
    assert images == {ct['image_uid']: ct['image_version'], mr['image_uid']: mr['image_version']}
    assert {s['modality'] for s in schema['series']} == {'CT', 'MR'}
    assert schema['attachments'] == []
    extended = storage.get(storage.study(ct) + '/schema', params={'extended': 1}).json()
    assert 'phi_version' in extended['series'][0]['images'][0]
    only = storage.get(storage.study(ct) + '/schema', params={'attachments_only': 'True'}).json()
    assert 'series' not in only and only['attachments'] == []


def test_count(storage, ct):
    storage.upload('MR_small.dcm', study_uid=ct['study_uid'])
    path = storage.study(ct) + '/count'
    assert storage.get(path).json() == {'images': 2, 'attachments': 0}
    assert storage.get(path, params={'images_only': 1}).json() == {'images': 2}
    assert storage.get(path, params={'attachments_only': 1}).json() == {'attachments': 0}
    assert storage.get(path, params={'count_files': 1}).json() == {'images': 2, 'attachments': 0}


def test_image_json_tags(storage, ct):
    body = storage.get(storage.image(ct) + '/json').json()
    tags = body['tags']
    group2 = [t for t in tags if t['group'] == 2]
    assert len(group2) == 7
    manufacturer = next(t for t in tags if t['name'] == 'Manufacturer')
    assert manufacturer == {
        'group': 8, 'element': 0x70, 'vr': 'LO', 'vl': 18, 'name': 'Manufacturer',
        'value': 'GE MEDICAL SYSTEMS',
    }
    assert all(set(t) == {'group', 'element', 'vr', 'vl', 'value', 'name'} for t in tags)
    private = [t for t in tags if t['group'] % 2 == 1]
    assert private and all(t['name'] == '?' for t in private)
    assert not any(t['group'] == 0x7FE0 for t in tags)  # pixel data is never listed


def test_image_json_multi_values(storage, ct):
    first = storage.get(storage.image(ct) + '/json').json()['tags']
    joined = storage.get(storage.image(ct) + '/json', params={'all_dicom_values': 1}).json()['tags']
    image_type_1 = next(t for t in first if t['name'] == 'ImageType')['value']
    image_type_all = next(t for t in joined if t['name'] == 'ImageType')['value']
    ds = pydicom.dcmread(dicom_path('CT_small.dcm'), stop_before_pixels=True)
    assert image_type_1 == ds.ImageType[0]
    assert image_type_all == '\\'.join(ds.ImageType)


def test_image_json_filters(storage, ct):
    path = storage.image(ct) + '/json'
    only_8 = storage.get(path, params={'groups': '8'}).json()['tags']
    assert only_8 and {t['group'] for t in only_8} == {8}
    assert storage.get(path, params={'groups': '0x0010'}).json()['tags'][0]['group'] == 0x10
    picked = storage.get(path, params={'include_tags': '00080070,00100010'}).json()['tags']
    assert [t['name'] for t in picked] == ['Manufacturer', 'PatientName']
    named = storage.get(path, params={'exclude_unnamed': 1}).json()['tags']
    assert named and all(t['name'] != '?' for t in named)
    bad = storage.get(path, params={'groups': 'zz'})
    assert_storage_error(bad, 412, 'VALIDATION_ERROR')


def test_study_json_is_one_object_per_image(storage, ct):
    mr = storage.upload('MR_small.dcm', study_uid=ct['study_uid'])
    body = storage.get(storage.study(ct) + '/json').json()
    assert isinstance(body, list) and len(body) == 2
    manufacturers = [next(t for t in item['tags'] if t['name'] == 'Manufacturer')['value'] for item in body]
    assert 'GE MEDICAL SYSTEMS' in manufacturers
    series = storage.get(storage.study(ct) + '/json', params={'series_uid': mr['series_uid']}).json()
    assert [i['image_uid'] for i in series] == [mr['image_uid']]


def test_tag_phi_image_phi_attribute(storage, ct):
    tag = storage.get(storage.study(ct) + '/tag').json()
    names = {t['name'] for t in tag['tags']}
    assert {'PatientName', 'PatientID', 'StudyInstanceUID'} <= names
    phi = storage.get(storage.study(ct) + '/phi').json()
    assert phi['PatientName'] == 'CompressedSamples^CT1'
    assert phi['PatientID'] == '1CT1'
    image_phi = storage.get(storage.image(ct) + '/phi').json()
    assert image_phi['PatientName'] == 'CompressedSamples^CT1'
    assert 'StudyInstanceUID' not in image_phi
    attr = storage.get(storage.image(ct) + '/attribute').json()
    assert attr['Manufacturer'] == 'GE MEDICAL SYSTEMS'
    assert attr['Rows'] == 128
    only = storage.get(storage.image(ct) + '/attribute', params={'groups': '40'}).json()
    assert set(only) >= {'Rows', 'Columns'} and 'Manufacturer' not in only


def test_cadsr_is_an_empty_array(storage, ct):
    response = storage.get(storage.image(ct) + '/cadsr')
    assert response.status_code == 200 and response.json() == []


def test_unknown_study_and_image(storage, ct):
    ns = storage.namespace
    for suffix in ('/schema', '/count', '/tag', '/phi', '/json'):
        assert_storage_error(storage.get(f'/study/{ns}/9.9.9{suffix}'), 404, 'STUDY_NOT_FOUND')
    base = storage.study(ct) + '/image/9.9.9/version/abc'
    for suffix in ('/json', '/phi', '/attribute', '/cadsr', '/frame/0', '/pdf', ''):
        body = assert_storage_error(storage.get(base + suffix), 404, 'IMAGE_NOT_FOUND')
        assert body['exception_data']['image_uid'] == '9.9.9'
    wrong_version = storage.study(ct) + f"/image/{ct['image_uid']}/version/deadbeef/json"
    assert_storage_error(storage.get(wrong_version), 404, 'IMAGE_NOT_FOUND')


def test_bad_or_missing_sid_is_access_denied_everywhere(storage, ct):
    for path in ('/schema', '/count', '/json', '/phi', '/tag'):
        assert_storage_error(storage.get(storage.study(ct) + path, sid='bad'), 403, 'ACCESS_DENIED')
        assert_storage_error(storage.get(storage.study(ct) + path, sid=None), 403, 'ACCESS_DENIED')
    assert_storage_error(storage.delete(storage.study(ct), sid='bad'), 403, 'ACCESS_DENIED')
    # the study is still there
    assert storage.get(storage.study(ct) + '/count').status_code == 200


def test_expired_session_is_access_denied(storage, ct):
    storage.state.delete_session(storage.sid)
    assert_storage_error(storage.get(storage.study(ct) + '/schema'), 403, 'ACCESS_DENIED')


def test_head_is_allowed_on_get_endpoints(storage, ct):
    response = storage.request('HEAD', storage.study(ct) + '/schema')
    assert response.status_code == 200 and response.content == b''


def test_star_version_means_latest(storage, ct):
    path = storage.study(ct) + f"/image/{ct['image_uid']}/version/*/json"
    assert storage.get(path).json()['image_version'] == ct['image_version']
    payload = storage.get(storage.study(ct) + f"/image/{ct['image_uid']}/version/*")
    assert payload.status_code == 200 and payload.content == dicom_bytes('CT_small.dcm')
