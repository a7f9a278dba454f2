"""Session endpoints, authentication and the global HTTP errors."""

from __future__ import annotations

import requests


def test_login_returns_sid(client):
    response = client.session.post(
        client.url + '/session/login', data={'login': client.emulator.username, 'password': client.emulator.password}
    )
    assert response.status_code == 200
    assert response.headers['Content-Type'] == 'application/json'
    body = response.json()
    assert body['status'] == 'OK'
    assert body['sid'] and body['uuid'] == client.emulator.user_id


def test_login_email_is_case_insensitive(client):
    body = client.ok('/session/login', {'login': 'ADMIN@example.com', 'password': client.emulator.password}, sid=None)
    assert body['sid']


def test_bad_credentials_are_412(client):
    body = client.error('/session/login', {'login': client.emulator.username, 'password': 'wrong'}, sid=None)
    assert body['error_type'] == 'INVALID_CREDENTIALS'
    body = client.error('/session/login', {'login': 'nobody@example.com', 'password': 'x'}, sid=None)
    assert body['error_type'] == 'INVALID_CREDENTIALS'


def test_login_missing_fields(client):
    body = client.error('/session/login', {}, sid=None)
    assert body['error_type'] == 'MISSING_FIELDS'
    assert body['error_subtype'] == ['login', 'password']
    assert body['error_data'] == ['login', 'password']


def test_session_user(client):
    body = client.ok('/session/user')
    assert body['email'] == client.emulator.username
    assert body['uuid'] == client.emulator.user_id
    assert 'password_hash' not in body and 'password_salt' not in body
    assert {ns['uuid'] for ns in body['namespaces']} >= {client.emulator.namespace_id}


def test_session_user_top_fields(client):
    body = client.ok('/session/user', {'fields._top': '["email", "uuid"]'})
    assert body == {'status': 'OK', 'email': client.emulator.username, 'uuid': client.emulator.user_id}


def test_permissions(client):
    body = client.ok('/session/permissions', {'account_id': client.emulator.account_id})
    assert body['study_view'] == 1
    assert client.error('/session/permissions', {})['error_type'] == 'MISSING_FIELDS'
    assert client.error('/session/permissions', {'account_id': 'nope'})['error_type'] == 'NOT_FOUND'


def test_logout_invalidates_sid(client):
    client.ok('/session/logout')
    response = client.post('/session/user')
    assert response.status_code == 401


def test_bad_sid_is_401(client):
    response = client.post('/session/user', sid='not-a-sid')
    assert response.status_code == 401
    response = client.post('/study/list', sid='not-a-sid')
    assert response.status_code == 401


def test_missing_sid_is_401(client):
    assert client.post('/session/user', sid=None).status_code == 401
    assert client.post('/study/list', sid=None).status_code == 401


def test_expired_sid_is_401(client):
    client.emulator.state.set_session_ttl(client.sid, -1)
    assert client.post('/session/user').status_code == 401


def test_basic_auth(client):
    response = client.session.post(
        client.url + '/session/user', auth=(client.emulator.username, client.emulator.password)
    )
    assert response.status_code == 200
    assert response.json()['email'] == client.emulator.username
    response = client.session.post(client.url + '/session/user', auth=(client.emulator.username, 'bad'))
    assert response.status_code == 401


def test_get_with_query_parameters(client):
    response = client.session.get(client.url + '/session/user', params={'sid': client.sid})
    assert response.status_code == 200
    assert response.json()['email'] == client.emulator.username


def test_get_is_405_where_the_doc_says_post(client):
    params = {'login': client.emulator.username, 'password': client.emulator.password}
    assert client.session.get(client.url + '/session/login', params=params).status_code == 405
    for method in ('PUT', 'DELETE', 'PATCH'):
        assert client.session.request(method, client.url + '/session/user').status_code == 405


def test_unknown_endpoint_is_404(client):
    response = client.post('/no/such/endpoint')
    assert response.status_code == 404
    assert requests.post(f'http://{client.emulator.engine_fqdn}/elsewhere').status_code == 404
    outside = requests.post(f'http://{client.emulator.engine_fqdn}/study/list', data={'sid': client.sid})
    assert outside.status_code == 404


def test_requests_log_masks_secrets(client):
    client.emulator.requests_log.clear()
    client.post('/session/login', {'login': 'a@b.c', 'password': 'secret'}, sid=None)
    client.post('/study/list', {'filter.modality.equals': 'CT'})
    first, second = client.emulator.requests_log.entries()
    assert first.path == '/session/login' and first.method == 'POST'
    assert first.form == {'login': 'a@b.c', 'password': '***'}  # the secret parameter table (login is no secret)
    assert first.status == 412
    assert second.form == {'filter.modality.equals': 'CT', 'sid': '***'}
    assert client.emulator.requests_log.paths() == ['/session/login', '/study/list']


def test_reset_restores_seed(client):
    client.add_study(study_uid='1.2.3')
    client.emulator.reset()
    assert client.post('/session/user').status_code == 401
    fresh = client.login()
    assert client.ok('/study/list', sid=fresh)['studies'] == []
    assert client.ok('/session/user', sid=fresh)['email'] == client.emulator.username


def test_bearer_token_is_accepted_as_oauth(client):
    headers = {'Authorization': f'Bearer {client.sid}'}
    assert client.session.post(client.url + '/session/user', headers=headers).status_code == 200
    headers = {'Authorization': 'Bearer nope'}
    assert client.session.post(client.url + '/session/user', headers=headers).status_code == 401
