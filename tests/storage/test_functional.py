"""Every storage method against the emulator (real HTTP over loopback)."""

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

import pytest
from box import Box
from requests import Response

from ambra_sdk.exceptions.base import AmbraResponseException
from ambra_sdk.exceptions.storage import (
    AttachmentNotFoundException,
    ImageNotFound,
    IncompleteDownload,
    NotFound,
    NotPdfFile,
    NotVideoInImage,
    StudyNotFound,
    UnexpectedStorageResponse,
)
from ambra_sdk.storage.boxes import ImageJsonBox, JsonBox

pydicom_data = pytest.importorskip('pydicom.data')
pytest.importorskip('werkzeug')


@dataclass
class Env:
    api: Any
    emulator: Any
    engine_fqdn: str
    namespace: str
    study_uid: str
    image_uid: str
    image_version: str

    @property
    def study(self):
        return (self.engine_fqdn, self.namespace, self.study_uid)

    @property
    def image(self):
        return self.study + (self.image_uid, self.image_version)

    def last_request(self, path_part, method=None):
        for entry in reversed(list(self.emulator.requests_log)):
            if path_part in entry.path and (method is None or entry.method == method):
                return entry
        raise AssertionError('no request to {}'.format(path_part))


def ct_small():
    return pydicom_data.get_testdata_file('CT_small.dcm')


@pytest.fixture
def env(request):
    try:
        import ambra_sdk.emulator.storage  # noqa: F401
    except ImportError:
        pytest.skip('the emulator storage routes are not available')
    emulator = request.getfixturevalue('emulator')
    api = request.getfixturevalue('api')
    namespace = api.Session.user().get().namespace_id
    with open(ct_small(), 'rb') as opened:
        uploaded = api.Storage.Image.upload(emulator.engine_fqdn, namespace, opened)
    return Env(api, emulator, emulator.engine_fqdn, namespace, uploaded.study_uid, uploaded.image_uid,
               uploaded.image_version)


def _attach(env, content=b'%PDF-1.4 report', name='report.pdf', mime='application/pdf'):
    response = env.api.Storage.Study.post_attachment(*env.study, (name, io.BytesIO(content), mime))
    return Box(response.json())


def _wrap(env, content, name, mime):
    response = env.api.Storage.Image.wrap(env.engine_fqdn, env.namespace, (name, io.BytesIO(content), mime))
    return Box(response.json())


# ---------------------------------------------------------------- Study (31)


def test_schema(env):
    schema = env.api.Storage.Study.schema(*env.study)
    assert type(schema) is Box
    assert schema.series[0].images[0].id == env.image_uid
    assert schema.series[0].images[0].version == env.image_version
    assert type(env.api.Storage.Study.schema(*env.study, use_box=False)) is Response


def test_schema_attachments_only_sent_as_int(env):
    """Fix: the reference sent attachments_only=True (typo); the vendor expects 1/0."""
    env.api.Storage.Study.schema(*env.study, attachments_only=True, extended=False)
    params = env.last_request('/schema').params
    assert params['attachments_only'] == '1'
    assert params['extended'] == '0'


def test_schema_unknown_study(env):
    with pytest.raises(StudyNotFound) as info:
        env.api.Storage.Study.schema(env.engine_fqdn, env.namespace, '1.2.3.4')
    assert isinstance(info.value, NotFound)
    assert info.value.http_status_code == 404


def test_delete(env):
    response = env.api.Storage.Study.delete(*env.study)
    assert response.status_code == 202
    with pytest.raises(StudyNotFound):
        env.api.Storage.Study.schema(*env.study)


def test_delete_image(env):
    response = env.api.Storage.Study.delete_image(*env.study, env.image_uid, x_ambrahealth_job_id='job-7')
    assert response.status_code == 202
    with pytest.raises(NotFound):
        env.api.Storage.Study.schema(*env.study)


def test_delete_image_unknown(env):
    with pytest.raises(ImageNotFound):
        env.api.Storage.Study.delete_image(*env.study, '9.9.9')


def test_delete_images(env):
    assert env.api.Storage.Study.delete_images(*env.study, env.image_uid).status_code == 202
    with pytest.raises(NotFound):
        env.api.Storage.Study.count(*env.study)


def test_delete_images_empty_body(env):
    with pytest.raises(AmbraResponseException):
        env.api.Storage.Study.delete_images(*env.study, '')


def test_count(env):
    count = env.api.Storage.Study.count(*env.study, images_only=True)
    assert count.images == 1
    assert env.last_request('/count').params['images_only'] == '1'


def test_tag(env):
    tags = env.api.Storage.Study.tag(*env.study)
    assert type(tags) is Box
    assert tags.study_uid == env.study_uid


def test_attribute(env):
    attributes = env.api.Storage.Study.attribute(*env.image)
    assert attributes.Manufacturer == 'GE MEDICAL SYSTEMS'


def test_image_phi(env):
    assert env.api.Storage.Study.image_phi(*env.image).PatientID == '1CT1'


def test_phi(env):
    assert env.api.Storage.Study.phi(*env.study).PatientID == '1CT1'


def test_thumbnail(env):
    response = env.api.Storage.Study.thumbnail(*env.image, 0, depth=8)
    assert response.content[:2] == b'\xff\xd8'


def test_diagnostic(env):
    response = env.api.Storage.Study.diagnostic(*env.image, 0, size='64x64')
    assert response.content[:8] == b'\x89PNG\r\n\x1a\n'


def test_frame(env, tmp_path):
    response = env.api.Storage.Study.frame(*env.image, '0', quality=0.5)
    assert response.content[:2] == b'\xff\xd8'
    env.api.Storage.Study.frame(*env.image, '0', to_path=tmp_path / 'f.jpg')
    assert (tmp_path / 'f.jpg').read_bytes()[:2] == b'\xff\xd8'


def test_frame_tiff(env, tmp_path):
    buffer = io.BytesIO()
    env.api.Storage.Study.frame_tiff(*env.image, '0', to_file=buffer)
    assert buffer.getvalue()[:4] == b'II*\x00'


def test_pdf(env, tmp_path):
    wrapped = _wrap(env, b'%PDF-1.4 wrapped body', 'doc.pdf', 'application/pdf')
    args = (env.engine_fqdn, env.namespace, wrapped.study_uid, wrapped.image_uid, wrapped.image_version)
    # DICOM pads odd-length values with one NUL byte
    assert env.api.Storage.Study.pdf(*args).content.rstrip(b'\x00') == b'%PDF-1.4 wrapped body'
    env.api.Storage.Study.pdf(*args, to_path=tmp_path / 'doc.pdf')
    assert (tmp_path / 'doc.pdf').read_bytes().rstrip(b'\x00') == b'%PDF-1.4 wrapped body'


def test_pdf_of_a_ct_image(env):
    with pytest.raises(NotPdfFile):
        env.api.Storage.Study.pdf(*env.image)


def test_image_json(env):
    image_json = env.api.Storage.Study.image_json(*env.image)
    assert type(image_json) is ImageJsonBox
    assert len(list(image_json.get_tags({'group': 2}))) == 7
    assert image_json.tag_by_name('Manufacturer').value == 'GE MEDICAL SYSTEMS'


def test_json(env):
    json_box = env.api.Storage.Study.json(*env.study, all_dicom_values=True)
    assert type(json_box) is JsonBox
    assert isinstance(json_box[0], ImageJsonBox)  # a lazy subclass, see differences.rst
    assert json_box[0].tag_by_name('Manufacturer').value == 'GE MEDICAL SYSTEMS'


def test_attachment(env, tmp_path):
    attachment = _attach(env)
    response = env.api.Storage.Study.attachment(*env.study, attachment.id, attachment.version)
    assert response.content == b'%PDF-1.4 report'
    named = env.api.Storage.Study.attachment(*env.study, attachment.id, attachment.version, file_name='r.pdf')
    assert named.content == b'%PDF-1.4 report'
    env.api.Storage.Study.attachment(*env.study, attachment.id, attachment.version, to_path=tmp_path / 'r.pdf')
    assert (tmp_path / 'r.pdf').read_bytes() == b'%PDF-1.4 report'


def test_latest(env, tmp_path):
    _attach(env, b'first')
    _attach(env, b'second', 'second.txt', 'text/plain')
    assert env.api.Storage.Study.latest(*env.study).content == b'second'
    env.api.Storage.Study.latest(*env.study, file_name='x.txt', to_path=tmp_path / 'x')
    assert (tmp_path / 'x').read_bytes() == b'second'


def test_post_attachment(env, tmp_path):
    path = tmp_path / 'notes.txt'
    path.write_bytes(b'some notes')
    response = env.api.Storage.Study.post_attachment(*env.study, str(path), x_ambrahealth_job_id='j')
    assert response.status_code == 202
    assert env.api.Storage.Study.count(*env.study).attachments == 1


def test_attachment_image(env):
    attachment = _attach(env)
    image = env.api.Storage.Study.attachment_image(*env.study, attachment.id, attachment.version, static_ids=True)
    assert type(image) is Box
    assert image.study_uid == env.study_uid


def test_download(env, tmp_path):
    target = tmp_path / 'study.zip'
    progress = []
    response = env.api.Storage.Study.download(
        *env.study, 'dicom', to_path=target, progress=lambda done, total: progress.append(done),
    )
    assert response.status_code == 200
    with zipfile.ZipFile(target) as archive:
        assert any(name.endswith('.dcm') for name in archive.namelist())
    assert progress and progress[-1] == target.stat().st_size
    assert [p.name for p in tmp_path.iterdir()] == ['study.zip']


def test_download_streams_by_default(env):
    response = env.api.Storage.Study.download(*env.study, 'iso')
    assert response.raw.tell() == 0 or not response._content_consumed  # body not read yet
    assert response.content[:2] == b'PK'


def test_download_truncated_leaves_no_file(env, tmp_path):
    env.emulator.faults.add('/storage/study/*/image/*/version/*', truncate_body=True)
    target = tmp_path / 'image.dcm'
    with pytest.raises(IncompleteDownload) as info:
        env.api.Storage.Image.dicom_payload(*env.image, to_path=target)
    assert info.value.expected == 39206  # CT_small.dcm
    assert info.value.received < info.value.expected
    assert list(tmp_path.iterdir()) == []


def test_download_truncated_keeps_previous_file(env, tmp_path):
    target = tmp_path / 'study.zip'
    target.write_bytes(b'previous')
    env.emulator.faults.add('/storage/study/*/download', truncate_body=True)
    with pytest.raises(IncompleteDownload):
        env.api.Storage.Study.download(*env.study, 'dicom', to_path=target)
    assert target.read_bytes() == b'previous'
    assert [p.name for p in tmp_path.iterdir()] == ['study.zip']


def test_delete_attachment(env):
    attachment = _attach(env)
    response = env.api.Storage.Study.delete_attachment(*env.study, attachment.id, attachment.version)
    assert response.status_code == 202
    with pytest.raises(AttachmentNotFoundException):
        env.api.Storage.Study.attachment(*env.study, attachment.id, attachment.version)


def test_video(env, tmp_path):
    wrapped = _wrap(env, b'\x00\x00\x00\x18ftypmp42 fake video', 'clip.mp4', 'video/mp4')
    args = (env.engine_fqdn, env.namespace, wrapped.study_uid, wrapped.image_uid, wrapped.image_version)
    env.api.Storage.Study.video(*args, reencode_video=False, to_path=tmp_path / 'clip.mp4')
    assert (tmp_path / 'clip.mp4').read_bytes().startswith(b'\x00\x00\x00\x18ftyp')
    with pytest.raises(NotVideoInImage):
        env.api.Storage.Study.video(*env.image)


def test_split(env):
    response = env.api.Storage.Study.split(*env.study)
    new_uid = response.text
    assert new_uid and new_uid != env.study_uid
    assert env.api.Storage.Study.count(env.engine_fqdn, env.namespace, new_uid).images == 1


def test_merge(env):
    other = env.api.Storage.Study.clone(*env.study, new_image_uids=True).text
    response = env.api.Storage.Study.merge(*env.study, other, delete_secondary_study=True, x_ambrahealth_job_id='j')
    assert response.status_code == 202
    assert env.api.Storage.Study.count(*env.study).images == 2
    with pytest.raises(StudyNotFound):
        env.api.Storage.Study.count(env.engine_fqdn, env.namespace, other)


def test_merge_delete_secondary_study_sent_as_int(env):
    """Fix: the reference sent delete_secondary_study=True; the vendor expects 1/0."""
    other = env.api.Storage.Study.clone(*env.study).text
    env.api.Storage.Study.merge(*env.study, other, delete_secondary_study=False)
    assert env.last_request('/merge').params['delete_secondary_study'] == '0'
    assert env.api.Storage.Study.count(env.engine_fqdn, env.namespace, other).images == 1


def test_anonymize(env):
    region = {'regions': [{'x': 1, 'y': 1, 'width': 10, 'height': 10}]}
    response = env.api.Storage.Study.anonymize(*env.study, region, color='ff0000', is_ai=True)
    assert response.text and response.text != env.study_uid
    assert env.last_request('/anonymize').params['is_ai'] == 'true'


def test_crop(env):
    response = env.api.Storage.Study.crop(*env.study, {'region': {'x': 0, 'y': 0, 'width': 64, 'height': 64}})
    new_uid = response.text
    assert env.api.Storage.Study.count(env.engine_fqdn, env.namespace, new_uid).images == 1


def test_cache(env):
    assert env.api.Storage.Study.cache(*env.study).status_code == 202


def test_hl7_to_sr(env):
    report = env.emulator.state.add_object('hl7', {'message': 'OBX|1|TX|||Normal study'})
    response = env.api.Storage.Study.hl7_to_sr(*env.study, report['uuid'])
    assert response.status_code == 202
    assert response.json()['study_uid'] == env.study_uid


def test_clone(env):
    new_uid = env.api.Storage.Study.clone(*env.study, new_image_uids=True, new_series_uids=False).text
    assert new_uid != env.study_uid
    params = env.last_request('/clone').params
    assert (params['new_image_uids'], params['new_series_uids']) == ('true', 'false')


def test_create_rt(env):
    result = env.api.Storage.Study.create_rt(*env.study, json.dumps({'name': 'rt', 'rois': []}))
    assert type(result) is Box
    assert result.study_uid == env.study_uid


# ---------------------------------------------------------------- Image (4)


def test_upload(env, tmp_path):
    uploaded = env.api.Storage.Image.upload(env.engine_fqdn, env.namespace, ct_small(), x_ambrahealth_job_id='j')
    assert type(uploaded) is Box
    assert uploaded.image_uid == env.image_uid
    assert uploaded.namespace == env.namespace


def test_wrap(env):
    response = env.api.Storage.Image.wrap(
        env.engine_fqdn, env.namespace, ('scan.pdf', io.BytesIO(b'%PDF-1.4 x'), 'application/pdf'),
        tags=json.dumps({'PatientName': 'Wrapped^Doc'}), render_wrapped_pdf=True,
    )
    assert response.status_code == 202
    assert response.json()['image_uid']


def test_cadsr(env):
    response = env.api.Storage.Image.cadsr(*env.image)
    assert response.json() == []


def test_dicom_payload(env, tmp_path):
    from pydicom import dcmread

    target = tmp_path / 'image.dcm'
    env.api.Storage.Image.dicom_payload(*env.image, pretranscode=False, to_path=target)
    assert dcmread(target).SOPInstanceUID == env.image_uid


# ---------------------------------------------------------------- re-login


def test_relogin_on_access_denied_rewinds_the_upload(env):
    """Fix: after a re-login the reference re-sent an already read file."""
    env.emulator.faults.add('/storage/namespace/*/image', expire_sid=True, times=1)
    with open(ct_small(), 'rb') as opened:
        uploaded = env.api.Storage.Image.upload(env.engine_fqdn, env.namespace, opened)
    assert uploaded.image_uid == env.image_uid
    uploads = [e for e in env.emulator.requests_log if e.path.endswith('/image') and e.method == 'POST']
    assert [e.status for e in uploads[-2:]] == [403, 200]


def test_unexpected_status(env):
    env.emulator.faults.add('/storage/study/*/schema', status=418, times=1)
    with pytest.raises(UnexpectedStorageResponse) as info:
        env.api.Storage.Study.schema(*env.study)
    assert info.value.http_status_code == 418


def test_every_method_has_a_functional_test():
    from .helpers import load_spec

    spec = load_spec()
    if not spec:
        pytest.skip('../shared/spec/storage_endpoints.json is not available')
    missing = [e['method'] for e in spec if 'test_{}'.format(e['method']) not in globals()]
    assert missing == []
