"""Binary endpoints: frames, thumbnail, diagnostic, tiff, pdf, video, dicom_payload, download."""

from __future__ import annotations

import io
import zipfile

import pydicom
import pytest

from .conftest import assert_storage_error, dicom_bytes, dicom_path
from .imagecheck import jpeg_size, png_info, tiff_size


def test_thumbnail_is_a_small_jpeg(storage, ct):
    response = storage.get(storage.image(ct) + '/frame/0/thumbnail')
    assert response.status_code == 200
    assert response.headers['Content-Type'] == 'image/jpeg'
    assert int(response.headers['Content-Length']) == len(response.content)
    assert jpeg_size(response.content) == (128, 128)


def test_frame_is_a_jpeg_and_suffix_picks_format(storage, ct):
    response = storage.get(storage.image(ct) + '/frame/0', params={'quality': '0.5'})
    assert response.headers['Content-Type'] == 'image/jpeg'
    assert jpeg_size(response.content) == (128, 128)
    png = storage.get(storage.image(ct) + '/frame/0.png')
    assert png.headers['Content-Type'] == 'image/png'
    assert png_info(png.content)['width'] == 128


def test_diagnostic_png_depth_and_size(storage, ct):
    path = storage.image(ct) + '/frame/0/diagnostic'
    info = png_info(storage.get(path).content)
    assert (info['width'], info['height'], info['depth'], info['color']) == (128, 128, 8, 0)
    info16 = png_info(storage.get(path, params={'depth': 16, 'size': '64'}).content)
    assert (info16['width'], info16['depth']) == (64, 16)
    box = png_info(storage.get(path, params={'size': '32x100'}).content)
    assert (box['width'], box['height']) == (32, 32)
    assert_storage_error(storage.get(path, params={'depth': 12}), 412, 'VALIDATION_ERROR')
    assert_storage_error(storage.get(path, params={'size': 'AxB'}), 412, 'VALIDATION_ERROR')


def test_frame_tiff(storage, ct):
    response = storage.get(storage.image(ct) + '/frame/0/tiff', params={'depth': 16})
    assert response.headers['Content-Type'] == 'image/tiff'
    assert tiff_size(response.content) == (128, 128)


@pytest.mark.parametrize('name', ['MR_small_RLE.dcm', 'SC_rgb_rle_2frame.dcm'])
def test_frames_of_compressed_and_multiframe_images(storage, name):
    up = storage.upload(name)
    info = png_info(storage.get(storage.image(up) + '/frame/0/diagnostic').content)
    ds = pydicom.dcmread(dicom_path(name), stop_before_pixels=True)
    assert (info['width'], info['height']) == (ds.Columns, ds.Rows)
    assert info['color'] == (2 if ds.SamplesPerPixel == 3 else 0)
    frames = int(getattr(ds, 'NumberOfFrames', 1))
    last = storage.get(storage.image(up) + f'/frame/{frames - 1}/diagnostic')
    assert last.status_code == 200
    past = storage.get(storage.image(up) + f'/frame/{frames}/diagnostic')
    assert_storage_error(past, 404, 'IMAGE_NOT_FOUND')


def test_image_without_pixels_has_no_frames(storage):
    up = storage.upload('rtplan.dcm')
    assert_storage_error(storage.get(storage.image(up) + '/frame/0'), 404, 'IMAGE_NOT_FOUND')
    assert_storage_error(storage.get(storage.image(up) + '/frame/x'), 412, 'VALIDATION_ERROR')


def test_pdf_and_video_of_a_plain_image(storage, ct):
    body = assert_storage_error(storage.get(storage.image(ct) + '/pdf'), 415, 'NOT_PDF_FILE')
    assert body['kind']['code'] == 39
    body = assert_storage_error(storage.get(storage.image(ct) + '/video'), 415, 'NOT_VIDEO_IN_IMAGE')
    assert body['kind']['code'] == 38


def test_dicom_payload_streams_the_stored_bytes(storage, ct):
    response = storage.get(storage.image(ct), stream=True)
    assert response.status_code == 200
    assert response.headers['Content-Type'] == 'application/dicom'
    original = dicom_bytes('CT_small.dcm')
    assert int(response.headers['Content-Length']) == len(original)
    assert b''.join(response.iter_content(4096)) == original


def _zip(response):
    assert response.status_code == 200, response.text
    assert response.headers['Content-Type'] == 'application/zip'
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.testzip() is None
    return archive


def test_download_dicom_bundle(storage, ct):
    mr = storage.upload('MR_small.dcm', study_uid=ct['study_uid'])
    archive = _zip(storage.get(storage.study(ct) + '/download', params={'bundle': 'dicom'}))
    names = sorted(archive.namelist())
    assert names == ['SER0001/IMG0001.dcm', 'SER0002/IMG0001.dcm']
    uids = {pydicom.dcmread(io.BytesIO(archive.read(n))).SOPInstanceUID for n in names}
    assert uids == {ct['image_uid'], mr['image_uid']}
    assert archive.read('SER0001/IMG0001.dcm') == dicom_bytes('CT_small.dcm')


def test_download_options(storage, ct):
    mr = storage.upload('MR_small.dcm', study_uid=ct['study_uid'])
    path = storage.study(ct) + '/download'
    flat = _zip(storage.get(path, params={'bundle': 'dicom', 'flat_directory': 1}))
    assert sorted(flat.namelist()) == ['IMG0001.dcm', 'IMG0002.dcm']
    one = _zip(storage.get(path, params={'bundle': 'dicom', 'series_uid': mr['series_uid']}))
    assert one.namelist() == ['SER0001/IMG0001.dcm']
    iso = _zip(storage.get(path, params={'bundle': 'iso'}))
    jpgs = [n for n in iso.namelist() if n.endswith('.jpg')]
    assert len(jpgs) == 2 and all(jpeg_size(iso.read(n)) for n in jpgs)
    assert any(n.startswith('VIEWER/') for n in iso.namelist())
    win = _zip(storage.get(path, params={'bundle': 'win', 'exclude_viewer': 1}))
    assert not any(n.endswith('.dcm') or n.startswith('VIEWER/') for n in win.namelist())
    roche = _zip(storage.get(path, params={'bundle': 'dicom', 'roche_directory': 1}))
    assert all(n.count('/') == 3 for n in roche.namelist())


def test_download_anonymize_tags(storage, ct):
    path = storage.study(ct) + '/download'
    params = {'bundle': 'dicom', 'anonymize_tags': f'{0x00100010}=Anon^Patient,{0x00100020}=__DELETE__'}
    archive = _zip(storage.get(path, params=params))
    ds = pydicom.dcmread(io.BytesIO(archive.read('SER0001/IMG0001.dcm')))
    assert ds.PatientName == 'Anon^Patient'
    assert 'PatientID' not in ds
    bad = storage.get(path, params={'bundle': 'dicom', 'anonymize_tags': 'PatientName=x'})
    assert_storage_error(bad, 412, 'ANONYMIZE_TAGS_FORMAT_ERROR')


def test_download_is_streamed_in_chunks(storage, ct):
    response = storage.get(storage.study(ct) + '/download', params={'bundle': 'dicom'}, stream=True)
    assert response.headers.get('Transfer-Encoding') == 'chunked'
    data = b''.join(response.iter_content(1024))
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == ['SER0001/IMG0001.dcm']


def test_download_bad_bundle_and_unknown_study(storage, ct):
    path = storage.study(ct) + '/download'
    assert_storage_error(storage.get(path, params={'bundle': 'image'}), 412, 'VALIDATION_ERROR')
    assert_storage_error(storage.get(path), 412, 'VALIDATION_ERROR')
    missing = f'/study/{storage.namespace}/1.2.3/download'
    assert_storage_error(storage.get(missing, params={'bundle': 'dicom'}), 404, 'STUDY_NOT_FOUND')


def test_download_by_post_form(storage, ct):
    response = storage.post(storage.study(ct) + '/download', data={'bundle': 'dicom', 'flat_directory': '1'})
    assert _zip(response).namelist() == ['IMG0001.dcm']
