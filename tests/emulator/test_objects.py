"""Users, accounts, groups, locations, roles, custom fields, links, namespaces and jobs."""

from __future__ import annotations

import pytest


def test_user_add_get_set_login(client):
    account = client.emulator.account_id
    added = client.ok(
        '/user/add',
        {'account_id': account, 'first': 'Ann', 'last': 'Lee', 'email': 'ann@example.com',
         'password': 'Secret-123', 'mobile_phone': '555'},
    )
    assert added['uuid'] and added['namespace_id']
    user = client.ok('/user/get', {'uuid': added['uuid']})
    assert user['name'] == 'Ann Lee' and user['email'] == 'ann@example.com'
    assert 'password_hash' not in user
    assert client.error(
        '/user/add',
        {'account_id': account, 'first': 'A', 'last': 'B', 'email': 'ann@example.com', 'password': 'Secret-123',
         'mobile_phone': '1'},
    )['error_type'] == 'DUPLICATE_EMAIL'
    ann_sid = client.ok('/session/login', {'login': 'ann@example.com', 'password': 'Secret-123'}, sid=None)['sid']
    assert client.ok('/session/user', sid=ann_sid)['uuid'] == added['uuid']
    assert client.error('/user/set', {'password': 'New-Secret-12'}, sid=ann_sid)['error_type'] == 'INVALID_PASSWORD'
    client.ok('/user/set', {'password': 'New-Secret-12', 'old_password': 'Secret-123', 'last': 'Li'}, sid=ann_sid)
    assert client.ok('/user/get', sid=ann_sid)['name'] == 'Ann Li'
    client.ok('/session/login', {'login': 'ann@example.com', 'password': 'New-Secret-12'}, sid=None)
    client.ok('/user/enable', {'uuid': added['uuid'], 'disable': '1'})
    assert client.post('/session/user', sid=ann_sid).status_code == 401
    assert client.error(
        '/session/login', {'login': 'ann@example.com', 'password': 'New-Secret-12'}, sid=None
    )['error_type'] == 'DISABLED'
    members = client.ok('/account/user/list', {'uuid': account})['users']
    assert {m['user_email'] for m in members} == {client.emulator.username, 'ann@example.com'}


def test_user_get_defaults_to_caller_and_404(client):
    assert client.ok('/user/get')['uuid'] == client.emulator.user_id
    assert client.error('/user/get', {'uuid': 'nope'})['error_type'] == 'NOT_FOUND'


def test_account_lifecycle(client):
    added = client.ok('/account/add', {'name': 'Second'})
    uuid = added['uuid']
    assert client.error('/account/add', {'name': 'second'})['error_type'] == 'DUPLICATE_NAME'
    client.ok('/account/set', {'uuid': uuid, 'vanity': 'second', 'setting_foo': 'bar', 'session_expire': '30'})
    account = client.ok('/account/get', {'uuid': uuid})
    assert account['vanity'] == 'second' and account['settings'] == {'foo': 'bar'}
    assert account['session_expire'] == 30 and account['namespace_id'] == added['namespace_id']
    assert client.ok('/account/settings', {'account_id': uuid})['settings'] == {'foo': 'bar'}
    listed = client.ok('/account/list', {'sort_by': 'name-asc'})
    assert [a['name'] for a in listed['accounts']] == ['Emulator Account', 'Second']
    assert client.ok('/account/list', {'filter.name.like': 'sec%'})['accounts'][0]['uuid'] == uuid
    client.ok('/account/delete', {'uuid': uuid})
    assert client.error('/account/get', {'uuid': uuid})['error_type'] == 'NOT_FOUND'


def test_account_members(client):
    account = client.emulator.account_id
    other = client.ok('/account/add', {'name': 'Other'})['uuid']
    role = client.ok('/role/add', {'account_id': other, 'name': 'Reader', 'permissions': '{"study_view": 1}'})['uuid']
    assert client.error('/account/user/add', {'uuid': other, 'email': client.emulator.username})[
        'error_type'
    ] == 'ALREADY_EXISTS'
    client.ok('/user/add', {'account_id': account, 'first': 'B', 'last': 'C', 'email': 'b@example.com',
                            'password': 'Secret-123', 'mobile_phone': '1'})
    client.ok('/account/user/add', {'uuid': other, 'email': 'b@example.com', 'role_id': role})
    user_id = [m for m in client.ok('/account/user/list', {'uuid': other})['users'] if m['user_email'] == 'b@example.com'][
        0
    ]['user_id']
    member = client.ok('/account/user/get', {'uuid': other, 'user_id': user_id})
    assert member['role_name'] == 'Reader'
    assert client.error('/role/delete', {'uuid': role})['error_type'] == 'IN_USE'
    client.ok('/account/user/set', {'uuid': other, 'user_id': user_id, 'account_alias': 'bee'})
    assert client.ok('/account/user/get', {'uuid': other, 'user_id': user_id})['account_alias'] == 'bee'
    client.ok('/account/user/delete', {'uuid': other, 'user_id': user_id})
    assert client.error('/account/user/get', {'uuid': other, 'user_id': user_id})['error_type'] == 'USER_NOT_FOUND'
    client.ok('/role/delete', {'uuid': role})


@pytest.mark.parametrize(('kind', 'plural'), [('group', 'groups'), ('location', 'locations')])
def test_group_and_location(client, kind, plural):
    account = client.emulator.account_id
    added = client.ok(f'/{kind}/add', {'name': 'One', 'account_id': account})
    client.ok(f'/{kind}/add', {'name': 'Two', 'account_id': account, 'must_approve': '1'})
    assert client.error(f'/{kind}/add', {'name': 'X', 'account_id': 'nope'})['error_type'] == 'ACCOUNT_NOT_FOUND'
    obj = client.ok(f'/{kind}/get', {'uuid': added['uuid']})
    assert obj['name'] == 'One' and obj['namespace_id'] == added['namespace_id']
    client.ok(f'/{kind}/set', {'uuid': added['uuid'], 'name': 'Uno'})
    listed = client.ok(f'/{kind}/list', {'account_id': account, 'sort_by': 'name-desc'})
    assert [g['name'] for g in listed[plural]] == ['Uno', 'Two']
    assert [g['name'] for g in client.ok(f'/{kind}/list', {'account_id': account, 'filter.must_approve.equals': '1'})[
        plural
    ]] == ['Two']
    client.ok(f'/{kind}/user/add', {'uuid': added['uuid'], 'user_id': client.emulator.user_id})
    users = client.ok(f'/{kind}/user/list', {'uuid': added['uuid']})['users']
    assert [u['user_id'] for u in users] == [client.emulator.user_id]
    client.ok(f'/{kind}/user/delete', {'uuid': added['uuid'], 'user_id': client.emulator.user_id})
    assert client.ok(f'/{kind}/user/list', {'uuid': added['uuid']})['users'] == []
    # a namespace of a group/location can hold studies, and then cannot be deleted
    namespace = added['namespace_id']
    client.add_study(study_uid='4.4', storage_namespace=namespace, phi_namespace=namespace)
    assert client.error(f'/{kind}/delete', {'uuid': added['uuid']})['error_type'] == 'NOT_EMPTY'
    assert client.ok('/namespace/engine/fqdn', {'namespace_id': namespace}, sid=None)['engine_fqdn'] == (
        client.emulator.engine_fqdn
    )


def test_role(client):
    account = client.emulator.account_id
    uuid = client.ok('/role/add', {'account_id': account, 'name': 'R', 'permissions': '{"study_view": 1}'})['uuid']
    client.ok('/role/set', {'uuid': uuid, 'permission_study_edit': '1', 'description': 'd'})
    role = client.ok('/role/get', {'uuid': uuid})
    assert role['permissions'] == {'study_view': 1, 'study_edit': '1'} and role['description'] == 'd'
    assert 'R' in [r['name'] for r in client.ok('/role/list', {'account_id': account})['roles']]
    client.ok('/role/delete', {'uuid': uuid})
    assert client.error('/role/get', {'uuid': uuid})['error_type'] == 'NOT_FOUND'


def test_customfield(client):
    account = client.emulator.account_id
    uuid = client.ok('/customfield/add', {'account_id': account, 'name': 'Site', 'object': 'study', 'required': '1'})[
        'uuid'
    ]
    field = client.ok('/customfield/get', {'uuid': uuid})
    assert field['object'] == 'Study' and field['required'] == 1 and field['type'] == 'text'
    assert client.error('/customfield/add', {'account_id': account, 'name': 'x', 'object': 'Planet'})[
        'error_type'
    ] == 'INVALID_OBJECT'
    client.ok('/customfield/set', {'uuid': uuid, 'name': 'Place'})
    assert client.ok('/customfield/lookup', {'account_id': account, 'name': 'place'})['uuid'] == uuid
    assert [f['uuid'] for f in client.ok('/customfield/list', {'account_id': account})['customfields']] == [uuid]
    client.ok('/customfield/delete', {'uuid': uuid})
    assert client.error('/customfield/lookup', {'account_id': account, 'name': 'place'})['error_type'] == 'NOT_FOUND'


def test_link(client):
    study = client.add_study(study_uid='3.3')
    added = client.ok('/link/add', {'study_id': study, 'action': 'STUDY_VIEW', 'password': 'pw', 'max_hits': '1'})
    assert added['url'] and added['redirect_url']
    link = client.ok('/link/get', {'uuid': added['uuid']})
    assert link['study_id'] == study and link['has_password'] == 1 and 'password' not in link
    assert client.ok('/link/status', {'uuid': added['uuid']}, sid=None)['action'] == 'STUDY_VIEW'
    assert client.error('/link/session', {'uuid': added['uuid'], 'password': 'bad'}, sid=None)[
        'error_type'
    ] == 'INVALID_CREDENTIALS'
    session = client.ok('/link/session', {'uuid': added['uuid'], 'password': 'pw'}, sid=None)
    assert client.ok('/session/user', sid=session['sid'])['uuid'] == client.emulator.user_id
    assert client.error('/link/session', {'uuid': added['uuid'], 'password': 'pw'}, sid=None)[
        'error_type'
    ] == 'NOT_FOUND'
    assert [x['uuid'] for x in client.ok('/link/list', {'study_id': study})['links']] == [added['uuid']]
    assert client.error('/link/add', {'study_id': study, 'action': 'DANCE'})['error_type'] == 'INVALID_ACTION'
    client.ok('/link/delete', {'uuid': added['uuid']})
    assert client.ok('/link/list', {'study_id': study})['links'] == []


def test_namespace(client):
    namespace = client.emulator.namespace_id
    answer = client.ok('/namespace/engine/fqdn', {'namespace_id': namespace}, sid=None)
    assert answer == {
        'status': 'OK',
        'engine_fqdn': client.emulator.engine_fqdn,
        'engine_url': f'http://{client.emulator.engine_fqdn}',
        'storage_namespace': namespace,
    }
    study = client.add_study(study_uid='8.8')
    assert client.ok('/namespace/engine/fqdn', {'study_id': study}, sid=None)['storage_namespace'] == namespace
    assert client.error('/namespace/engine/fqdn', {'namespace_id': 'nope'}, sid=None)['error_type'] == 'NOT_FOUND'
    settings = client.ok('/namespace/settings', {'uuid': namespace, 'no_dup_share': '1'})
    assert settings['no_dup_share'] == '1'
    assert client.ok('/namespace/permissions', {'namespace_id': namespace})['study_view'] == 1
    names = [n['name'] for n in client.ok('/user/namespace/list')['namespaces']]
    assert 'Emulator Account' in names


def test_job_get(client):
    state = client.emulator.state
    job = state.add_job('anonymize', job_id='job-1')
    assert client.ok('/job/get', {'id': 'job-1'})['state'] == 'QUEUED'
    state.update_job(job['id'], 'DONE', result='1.2.3')
    answer = client.ok('/job/get', {'id': 'job-1'})
    assert answer['state'] == 'DONE' and answer['result'] == '1.2.3'
    assert client.error('/job/get', {'id': 'nope'})['error_type'] == 'NOT_FOUND'
    assert client.post('/job/get', {'id': 'job-1'}, sid=None).status_code == 401


def test_add_user_helper_and_study_visibility(client):
    emulator = client.emulator
    other_account = client.ok('/account/add', {'name': 'Elsewhere'})
    client.add_study(study_uid='1.1')
    client.add_study(
        study_uid='2.2', storage_namespace=other_account['namespace_id'], phi_namespace=other_account['namespace_id']
    )
    user = emulator.add_user('viewer@example.com', 'Viewer-123')
    assert 'password_hash' not in user and user['email'] == 'viewer@example.com'
    sid = client.ok('/session/login', {'login': 'viewer@example.com', 'password': 'Viewer-123'}, sid=None)['sid']
    assert [s['study_uid'] for s in client.ok('/study/list', sid=sid)['studies']] == ['1.1']
    assert [s['study_uid'] for s in client.ok('/study/list')['studies']] == ['2.2', '1.1']  # admin sees all
    assert [a['name'] for a in client.ok('/account/list', sid=sid)['accounts']] == ['Emulator Account']


def test_reset_hooks(client):
    from ambra_sdk.emulator import registry

    seen = []

    def hook(state):
        seen.append(state)

    registry.on_reset(hook)
    try:
        client.emulator.reset()
        assert seen == [client.emulator.state]
    finally:
        registry._RESET_HOOKS.remove(hook)
