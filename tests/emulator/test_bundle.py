"""Bundled calls (``POST /api/v3/bundle``) with templated values."""

from __future__ import annotations

import json

import requests


def test_bundle_with_templates(client):
    client.add_study(study_uid='1.1', patient_name='A^B')
    calls = [
        {'URL': '/session/login', 'login': client.emulator.username, 'password': client.emulator.password},
        {'URL': '/study/list', 'sid': '{{sid}}'},
        {'URL': '/study/get', 'sid': '{{sid}}', 'uuid': '{{studies.[0].uuid}}', 'fields.study': ['patient_name']},
        {'URL': '/study/get', 'sid': '{{sid}}', 'uuid': 'nope'},
        {'URL': '/study/list'},
    ]
    response = requests.post(client.url + '/bundle', json=calls)
    assert response.status_code == 200
    login, listed, study, missing, no_sid = response.json()
    assert login['HTTP_STATUS_CODE'] == 200 and login['sid']
    assert listed['studies'][0]['patient_name'] == 'A^B'
    assert study == {'status': 'OK', 'patient_name': 'A^B', 'HTTP_STATUS_CODE': 200}
    assert missing['HTTP_STATUS_CODE'] == 412 and missing['error_type'] == 'NOT_FOUND'
    assert no_sid['HTTP_STATUS_CODE'] == 401


def test_malformed_bundle_is_400(client):
    for body in ('not json', '{"URL": "/session/user"}', '[{"no_url": 1}]'):
        assert requests.post(client.url + '/bundle', data=body).status_code == 400
    assert requests.get(client.url + '/bundle').status_code == 405


def test_bundle_body_read_whatever_the_content_type(client):
    calls = json.dumps([{'URL': '/session/user', 'sid': client.sid}])
    for content_type in ('application/json', 'application/x-www-form-urlencoded', 'text/plain'):
        response = requests.post(client.url + '/bundle', data=calls, headers={'Content-Type': content_type})
        assert response.status_code == 200, content_type
        assert response.json()[0]['HTTP_STATUS_CODE'] == 200


def test_nested_bundle_and_unknown_url_answer_error_hashes(client):
    calls = [
        {'URL': '/bundle', 'sid': client.sid},
        {'URL': '/no/such/method', 'sid': client.sid},
        {'URL': '/session/user', 'sid': client.sid},
    ]
    nested, unknown, user = requests.post(client.url + '/bundle', json=calls).json()
    assert nested['HTTP_STATUS_CODE'] == 400 and nested['error_type'] == 'NESTED_BUNDLE'
    assert unknown['HTTP_STATUS_CODE'] == 404
    assert user['HTTP_STATUS_CODE'] == 200


def test_empty_bundle(client):
    response = requests.post(client.url + '/bundle', json=[])
    assert response.status_code == 200 and response.json() == []
