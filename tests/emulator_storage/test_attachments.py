"""Attachments (post, get, latest, render to image, delete) and wrap."""

from __future__ import annotations

import io
import json

import pydicom

from .conftest import assert_storage_error
from .imagecheck import tiny_pdf


def _attach(storage, up, name='report.pdf', data=None, content_type='application/pdf', **params):
    files = {'data': (name, io.BytesIO(data if data is not None else tiny_pdf()), content_type)}
    return storage.post(storage.study(up) + '/attachment', files=files, params=params)


def test_post_and_get_attachment(storage, ct):
    pdf = tiny_pdf('report')
    response = _attach(storage, ct, data=pdf)
    assert response.status_code == 202, response.text
    att = response.json()
    assert att['name'] == 'report.pdf' and att['size'] == len(pdf)
    schema = storage.get(storage.study(ct) + '/schema').json()
    assert [(a['id'], a['version']) for a in schema['attachments']] == [(att['id'], att['version'])]
    assert storage.get(storage.study(ct) + '/count').json()['attachments'] == 1
    path = storage.study(ct) + f"/attachment/{att['id']}/version/{att['version']}"
    got = storage.get(path)
    assert got.status_code == 200 and got.content == pdf
    assert got.headers['Content-Type'] == 'application/pdf'
    assert int(got.headers['Content-Length']) == len(pdf)
    assert storage.get(path + '/report.pdf').content == pdf
    missing = storage.get(storage.study(ct) + f"/attachment/{att['id']}/version/nope")
    assert_storage_error(missing, 404, 'ATTACHMENT_NOT_FOUND_EXCEPTION')


def test_latest_attachment(storage, ct):
    _attach(storage, ct, data=tiny_pdf('one'))
    _attach(storage, ct, name='note.txt', data=b'plain text', content_type='text/plain')
    base = storage.study(ct) + '/attachment/latest'
    assert storage.get(base).content == b'plain text'
    assert storage.get(base + '/anything.txt').content == b'plain text'
    pdf = storage.get(storage.study(ct) + '/attachment/latest.pdf')
    assert pdf.content == tiny_pdf('one')
    none = storage.get(storage.study(ct) + '/attachment/latest.png')
    assert_storage_error(none, 404, 'ATTACHMENT_NOT_FOUND_EXCEPTION')


def test_static_ids_are_deterministic(storage, ct):
    first = _attach(storage, ct, static_ids=1).json()
    second = _attach(storage, ct, static_ids=1).json()
    assert (first['id'], first['version']) == (second['id'], second['version'])
    assert storage.get(storage.study(ct) + '/count').json()['attachments'] == 1


def test_attachment_image_and_wrap_images(storage, ct):
    att = _attach(storage, ct).json()
    path = storage.study(ct) + f"/attachment/{att['id']}/version/{att['version']}/image"
    response = storage.post(path)
    assert response.status_code == 202
    body = response.json()
    assert body['study_uid'] == ct['study_uid']
    pdf = storage.get(storage.image(body) + '/pdf')
    assert pdf.status_code == 200 and pdf.content.startswith(b'%PDF') and pdf.content.rstrip().endswith(b'%%EOF')
    wrapped = _attach(storage, ct, wrap_images=1).json()['wrapped']
    assert storage.get(storage.study(ct) + '/count', params={'images_only': 1}).json() == {'images': 3}
    assert wrapped['image_uid']


def test_return_html(storage, ct):
    response = _attach(storage, ct, return_html=1)
    assert response.headers['Content-Type'].startswith('text/html')
    assert json.loads(response.text)['name'] == 'report.pdf'


def test_delete_attachment(storage, ct):
    att = _attach(storage, ct).json()
    path = storage.study(ct) + f"/attachment/{att['id']}/version/{att['version']}"
    assert storage.delete(path).status_code == 202
    assert_storage_error(storage.get(path), 404, 'ATTACHMENT_NOT_FOUND_EXCEPTION')
    assert_storage_error(storage.delete(path), 404, 'ATTACHMENT_NOT_FOUND_EXCEPTION')
    assert storage.get(storage.study(ct) + '/count').json()['attachments'] == 0


def test_attachment_to_unknown_study(storage):
    response = storage.post(
        f'/study/{storage.namespace}/4.5.6/attachment', files={'data': ('a.txt', io.BytesIO(b'x'))},
    )
    assert_storage_error(response, 404, 'STUDY_NOT_FOUND')
    assert_storage_error(
        storage.post(f'/study/{storage.namespace}/4.5.6/attachment'), 412, 'VALIDATION_ERROR',
    )


def test_wrap_pdf_then_read_it_back(storage, tmp_path):
    pdf = tiny_pdf('wrapped')
    path = tmp_path / 'doc.pdf'
    path.write_bytes(pdf)
    tags = json.dumps({'PatientName': 'Wrap^Test', '00100020': 'W-1'})
    with open(path, 'rb') as fp:
        response = storage.post(
            f'/namespace/{storage.namespace}/wrap', params={'tags': tags},
            data={'tags': tags}, files={'file': fp}, headers={'X-File-Size': str(len(pdf))},
        )
    assert response.status_code == 202, response.text
    up = response.json()
    assert up['attr']['PatientName'] == 'Wrap^Test'
    assert up['attr']['PatientID'] == 'W-1'
    assert storage.get(storage.image(up) + '/pdf').content.startswith(b'%PDF-1.4')
    ds = pydicom.dcmread(io.BytesIO(storage.get(storage.image(up)).content))
    assert ds.SOPClassUID == '1.2.840.10008.5.1.4.1.1.104.1'
    study = storage.state.get_study(storage_namespace=storage.namespace, study_uid=up['study_uid'])
    assert study['patient_name'] == 'Wrap^Test'


def test_wrap_video_is_served_by_video(storage):
    data = b'\x00\x00\x00\x18ftypmp42' + b'\x00' * 64
    response = storage.post(
        f'/namespace/{storage.namespace}/wrap', files={'file': ('clip.mp4', io.BytesIO(data), 'video/mp4')},
        headers={'X-File-Size': str(len(data))},
    )
    up = response.json()
    video = storage.get(storage.image(up) + '/video')
    assert video.status_code == 200 and video.content.rstrip(b'\x00') == data.rstrip(b'\x00')
    assert_storage_error(storage.get(storage.image(up) + '/pdf'), 415, 'NOT_PDF_FILE')


def test_wrap_errors(storage):
    url = f'/namespace/{storage.namespace}/wrap'
    files = {'file': ('a.pdf', io.BytesIO(tiny_pdf()), 'application/pdf')}
    assert_storage_error(storage.post(url, files=files), 412, 'VALIDATION_ERROR')
    too_big = storage.post(url, files=files, headers={'X-File-Size': str(2 ** 31)})
    assert_storage_error(too_big, 413, 'PAYLOAD_TOO_LARGE')
    bad_tags = storage.post(
        url, files={'file': ('a.pdf', io.BytesIO(tiny_pdf()))}, data={'tags': '{oops'},
        headers={'X-File-Size': '10'},
    )
    assert_storage_error(bad_tags, 400, 'JSON_DESERIALIZE_EXCEPTION')
