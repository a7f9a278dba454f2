"""Issue 12 point 3: ``/account/add`` makes default roles and the caller its Administrator; delete rules."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ambra_sdk.emulator.permissions import ADMIN_PERMISSIONS, USER_PERMISSIONS
from ambra_sdk.exceptions.service import NotPermitted

from .world import PASSWORD, World


def _add_account(api: Any, name: str) -> dict[str, Any]:
    response = api.service_post('/account/add', required_sid=True, data={'name': name})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_account_add_makes_default_roles_and_caller_administrator(world: World) -> None:
    api = world.emulator.api()
    added = _add_account(api, 'Suite account')
    roles = {r.name: r for r in api.Role.list(account_id=added['uuid']).all()}
    assert {'Administrator', 'User'} <= set(roles)
    admin_role = api.Role.get(uuid=roles['Administrator'].uuid).get()
    assert dict(admin_role.permissions) == ADMIN_PERMISSIONS
    assert dict(api.Role.get(uuid=roles['User'].uuid).get().permissions) == USER_PERMISSIONS
    api.Role.set(uuid=roles['User'].uuid, permissions=json.dumps({'study_delete': 1})).get()
    assert api.Role.get(uuid=roles['User'].uuid).get().permissions['study_delete'] == 1
    me = api.User.get(account_id=added['uuid']).get()
    assert me.uuid == world.emulator.user_id
    members = api.Account.user_list(uuid=added['uuid']).all()
    mine = [m for m in members if m.user_id == world.emulator.user_id]
    assert len(mine) == 1 and mine[0].role_name == 'Administrator'


def test_account_creator_administers_the_new_account_without_being_sysadmin(world: World) -> None:
    # a member whose role has account_edit may create accounts; in the new one they are Administrator
    sid = world.actor('member_with', ['account_edit'])
    added = world.ok('/account/add', {'name': 'Mine'}, sid)
    role = world.ok('/role/add', {'account_id': added['uuid'], 'name': 'Readers'}, sid)
    world.ok('/role/set', {'uuid': role['uuid'], 'permissions': '{"study_view": 1}'}, sid)
    world.ok('/group/add', {'account_id': added['uuid'], 'name': 'Team'}, sid)
    # ... and still nothing in the seeded account beyond account_edit
    assert world.post('/role/list', {'account_id': world.account}, sid).json()['error_type'] == 'NOT_PERMITTED'


@pytest.mark.parametrize('path', ['/account/delete', '/account/delete/'])
def test_account_delete_with_and_without_trailing_slash(world: World, path: str) -> None:
    added = world.ok('/account/add', {'name': 'Short lived'})
    world.ok('/group/add', {'account_id': added['uuid'], 'name': 'G'})
    assert world.ok(path, {'uuid': added['uuid']}) == {'status': 'OK'}
    assert world.post('/account/get', {'uuid': added['uuid']}).json()['error_type'] == 'NOT_FOUND'
    assert world.ok('/role/list', {'account_id': world.account})['roles']  # other accounts untouched
    left = [ns for ns in world.emulator.state.list_objects('namespace') if ns.get('account_id') == added['uuid']]
    assert left == []


@pytest.mark.parametrize('path', ['/account/delete', '/account/delete/'])
def test_account_with_studies_is_not_empty(world: World, path: str) -> None:
    added = world.ok('/account/add', {'name': 'Busy'})
    world.ok('/study/add', {'storage_namespace': added['namespace_id'], 'phi_namespace': added['namespace_id'],
                            'study_uid': '1.2'})
    response = world.post(path, {'uuid': added['uuid']})
    assert response.status_code == 412 and response.json() == {'status': 'ERROR', 'error_type': 'NOT_EMPTY'}
    assert world.ok('/account/get', {'uuid': added['uuid']})['name'] == 'Busy'


def test_sdk_raises_not_permitted_and_access_denied_for_an_outsider(world: World) -> None:
    from ambra_sdk.api import Api
    from ambra_sdk.exceptions.storage import AccessDenied

    up = world.upload()
    study = world.ok('/study/list')['studies'][0]['uuid']
    user, _ = world.outsider()
    api = Api.with_creds(world.emulator.url, user['email'], PASSWORD,
                         storage_base_url=world.emulator.storage_base_url)
    with pytest.raises(NotPermitted):
        api.Study.get(uuid=study).get()
    with pytest.raises(NotPermitted):
        api.Study.delete(uuid=study).get()
    with pytest.raises(AccessDenied):
        api.Storage.Study.schema(engine_fqdn=world.emulator.engine_fqdn, namespace=world.namespace,
                                 study_uid=up['study_uid'])
    assert list(api.Study.list().all()) == []
    assert world.ok('/study/get', {'uuid': study})['uuid'] == study  # nothing happened to it
