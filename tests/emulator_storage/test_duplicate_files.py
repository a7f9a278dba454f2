"""``/study/duplicate`` shares the original's files: deleting the copy keeps them (issue 12, point 4)."""

from pathlib import Path

import requests

from tests.helpers.dicoms import dicom_bytes
from tests.helpers.processing import wait_for_study


def _post(emulator, sid, endpoint, **data):
    response = requests.post(emulator.url + endpoint, data={'sid': sid, **data}, timeout=30)
    assert response.status_code == 200, (endpoint, response.text)
    return response.json()


def test_deleting_a_duplicate_keeps_the_originals_files(emulator):
    emulator.reset()
    sid = emulator.login()
    namespace = emulator.namespace_id
    body = dicom_bytes()
    storage = emulator.storage_base_url.format(engine_fqdn=emulator.engine_fqdn)
    image = requests.post('{0}/namespace/{1}/image'.format(storage, namespace), params={'sid': sid},
                          data=body, timeout=30).json()
    study_uid = image['study_uid']
    original = wait_for_study(emulator.url, sid, study_uid, namespace)  # processed after the upload
    group = _post(emulator, sid, '/group/add', account_id=emulator.account_id, name='copies')
    other = _post(emulator, sid, '/group/get', uuid=group['uuid'])['namespace_id']
    _post(emulator, sid, '/study/duplicate', uuid=original['uuid'], namespace_id=other)
    copy = _post(emulator, sid, '/study/get', study_uid=study_uid, storage_namespace=other)
    paths = [Path(row['path']) for row in emulator.state.list_images(namespace, study_uid)]
    assert paths and all(path.exists() for path in paths)

    _post(emulator, sid, '/study/delete', uuid=copy['uuid'])
    assert all(path.exists() for path in paths)
    url = '{0}/study/{1}/{2}/image/{3}/version/{4}'.format(
        storage, namespace, study_uid, image['image_uid'], image['image_version'])
    read = requests.get(url, params={'sid': sid}, timeout=30)
    assert read.status_code == 200, read.text
    assert read.content == body

    _post(emulator, sid, '/study/delete', uuid=original['uuid'])
    assert not any(path.exists() for path in paths)  # the last reference takes the files
