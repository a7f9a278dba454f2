"""Issue 22 point 1: storage deletes never cascade into the service API (plain requests over loopback)."""

from __future__ import annotations

import json
from typing import Any, Dict

import pytest

from .conftest import StorageClient, assert_storage_error


def _service(storage: StorageClient, endpoint: str, **data: Any) -> Any:
    return storage.session.post(storage.emulator.url + endpoint, data={'sid': storage.sid, **data}, timeout=30)


def _study_get(storage: StorageClient, study_uid: str) -> Dict[str, Any]:
    response = _service(storage, '/study/get', study_uid=study_uid, storage_namespace=storage.namespace)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _service_delete_ok(storage: StorageClient, study_uid: str) -> None:
    uuid = _study_get(storage, study_uid)['uuid']
    response = _service(storage, '/study/delete', uuid=uuid)
    assert response.status_code == 200, response.text
    assert response.json()['status'] == 'OK'


def test_storage_study_delete_leaves_the_service_study(storage, ct):
    assert storage.delete(storage.study(ct)).status_code == 202
    assert _study_get(storage, ct['study_uid'])['image_count'] == 0
    assert storage.delete(storage.study(ct)).status_code == 202  # still known to storage
    _service_delete_ok(storage, ct['study_uid'])
    # the service delete is the one that ends the study everywhere
    assert_storage_error(storage.delete(storage.study(ct)), 404, 'STUDY_NOT_FOUND')


def test_deleting_the_last_image_never_removes_the_study(storage, ct):
    assert storage.delete(storage.study(ct) + f"/image/{ct['image_uid']}").status_code == 202
    assert _study_get(storage, ct['study_uid'])['image_count'] == 0
    assert storage.delete(storage.study(ct)).status_code == 202
    _service_delete_ok(storage, ct['study_uid'])


def test_deleting_every_image_of_a_list_never_removes_the_study(storage, ct):
    mr = storage.upload('MR_small.dcm', study_uid=ct['study_uid'])
    body = f"{ct['image_uid']},{mr['image_uid']}"
    assert storage.delete(storage.study(ct) + '/images', data=body).status_code == 202
    # reads need content: an emptied study reads as not found (the emulator's choice, emulator.rst)
    assert_storage_error(storage.get(storage.study(ct) + '/count'), 404, 'STUDY_NOT_FOUND')
    assert _study_get(storage, ct['study_uid'])['image_count'] == 0
    assert storage.delete(storage.study(ct)).status_code == 202
    _service_delete_ok(storage, ct['study_uid'])


def test_a_study_never_stored_answers_404_in_storage(storage):
    added = _service(storage, '/study/add', study_uid='1.2.826.0.1.3680043.8.498.77',
                     storage_namespace=storage.namespace, phi_namespace=storage.namespace)
    assert added.status_code == 200, added.text
    path = f'/study/{storage.namespace}/1.2.826.0.1.3680043.8.498.77'
    assert_storage_error(storage.delete(path), 404, 'STUDY_NOT_FOUND')
    assert_storage_error(storage.delete(path + '/image/1.2.3'), 404, 'STUDY_NOT_FOUND')
    assert_storage_error(storage.delete(path + '/images', data='1.2.3'), 404, 'STUDY_NOT_FOUND')
    _service_delete_ok(storage, '1.2.826.0.1.3680043.8.498.77')


def _derived(storage: StorageClient, ct: Dict[str, Any], operation: str) -> str:
    region = json.dumps({'regions': [{'x': 0, 'y': 0, 'width': 8, 'height': 8}]})
    if operation == 'clone':
        response = storage.post(storage.study(ct) + '/clone')
    else:
        response = storage.post(storage.study(ct) + '/' + operation, data=region,
                                headers={'Content-Type': 'application/json'})
    assert response.status_code == 202, response.text
    return response.text


@pytest.mark.parametrize('operation', ['anonymize', 'crop', 'clone'])
def test_studies_made_by_storage_operations_behave_the_same(storage, ct, operation):
    new_uid = _derived(storage, ct, operation)
    path = f'/study/{storage.namespace}/{new_uid}'
    image_uid = storage.get(path + '/schema').json()['series'][0]['images'][0]['id']
    assert storage.delete(path + f'/image/{image_uid}').status_code == 202  # the last image
    assert _study_get(storage, new_uid)['image_count'] == 0
    assert storage.delete(path).status_code == 202
    assert storage.delete(path).status_code == 202
    _service_delete_ok(storage, new_uid)
    assert_storage_error(storage.delete(path), 404, 'STUDY_NOT_FOUND')
    assert _study_get(storage, ct['study_uid'])['image_count'] == 1  # the original is untouched
