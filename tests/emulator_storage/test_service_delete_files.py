"""A study deleted through the service loses its stored files too (plain requests)."""

import io

import requests
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid

from tests.helpers.dicoms import save_file_format
from tests.helpers.processing import wait_for_study


def test_service_delete_removes_stored_files(emulator):
    emulator.reset()
    sid = emulator.login()
    namespace = emulator.namespace_id
    dataset = dcmread(str(get_testdata_file('CT_small.dcm')))
    dataset.StudyInstanceUID = generate_uid()
    dataset.SOPInstanceUID = generate_uid()
    dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    body = io.BytesIO()
    save_file_format(dataset, body)
    storage = emulator.storage_base_url.format(engine_fqdn=emulator.engine_fqdn)
    image = requests.post('{0}/namespace/{1}/image'.format(storage, namespace), params={'sid': sid},
                          data=body.getvalue(), timeout=30).json()
    from pathlib import Path

    rows = emulator.state.list_images(namespace, image['study_uid'])
    paths = [Path(row['path']) for row in rows]
    assert paths and all(path.exists() for path in paths)
    study = wait_for_study(emulator.url, sid, image['study_uid'], namespace)  # processed after the upload
    deleted = requests.post(emulator.url + '/study/delete', data={'sid': sid, 'uuid': study['uuid']}, timeout=30)
    assert deleted.status_code == 200, deleted.text
    assert not any(path.exists() for path in paths)
    schema = requests.get('{0}/study/{1}/{2}/schema'.format(storage, namespace, image['study_uid']),
                          params={'sid': sid}, timeout=30)
    assert schema.status_code == 404
