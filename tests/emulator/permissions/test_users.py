"""Issue 15 point 2: who may change a user's password or email, and the password rules."""

from __future__ import annotations

import json

import pytest

from ambra_sdk.emulator.permissions import ADMIN_PERMISSIONS

from .world import PASSWORD, World, assert_not_permitted


def _error(world: World, endpoint: str, data: dict, sid: str) -> str:
    response = world.post(endpoint, data, sid)
    assert response.status_code == 412, response.text
    return str(response.json()['error_type'])


def test_own_password_needs_the_old_one(world: World) -> None:
    user, sid = world.user(None)
    assert _error(world, '/user/set', {'password': 'Fresh-Pass-77'}, sid) == 'INVALID_PASSWORD'
    assert _error(world, '/user/set', {'password': 'Fresh-Pass-77', 'old_password': 'wrong-12'}, sid) == (
        'INVALID_PASSWORD'
    )
    world.ok('/user/set', {'password': 'Fresh-Pass-77', 'old_password': PASSWORD}, sid)
    world.login(user['email'], 'Fresh-Pass-77')


@pytest.mark.parametrize('bad', ['Sh0rt1', 'only-one-digit-1', '12345678901', 'a1234567'])
def test_password_rules_of_the_document(world: World, bad: str) -> None:
    _, sid = world.user(None)
    assert _error(world, '/user/set', {'password': bad, 'old_password': PASSWORD}, sid) == 'BAD_PASSWORD'
    data = {'account_id': world.account, 'email': 'n@example.com', 'first': 'N', 'last': 'U', 'mobile_phone': '1',
            'password': bad}
    assert _error(world, '/user/add', data, world.admin_sid) == 'BAD_PASSWORD'


def test_password_cannot_be_one_of_the_last_three(world: World) -> None:
    _, sid = world.user(None)
    current = PASSWORD
    for new in ('Second-Pass-22', 'Third-Pass-33', 'Fourth-Pass-44'):
        world.ok('/user/set', {'password': new, 'old_password': current}, sid)
        current = new
    for old in ('Second-Pass-22', 'Third-Pass-33', 'Fourth-Pass-44'):
        assert _error(world, '/user/set', {'password': old, 'old_password': current}, sid) == 'BAD_PASSWORD'
    world.ok('/user/set', {'password': PASSWORD, 'old_password': current}, sid)  # four changes ago: allowed again


def test_account_passwd_regexp_setting_applies(world: World) -> None:
    world.ok('/account/set', {'uuid': world.account, 'setting_passwd_regexp': json.dumps(['[A-Z]', '[^A-Za-z0-9]'])})
    _, sid = world.user(None)
    assert _error(world, '/user/set', {'password': 'lowercase-only-12', 'old_password': PASSWORD}, sid) == (
        'BAD_PASSWORD'
    )
    world.ok('/user/set', {'password': 'Upper-And-Symbol-12', 'old_password': PASSWORD}, sid)


def test_nobody_but_a_sysadmin_resets_the_sysadmin(world: World) -> None:
    admin_role = world.role(dict(ADMIN_PERMISSIONS))
    _, sid = world.user(admin_role)
    for data in ({'password': 'Hijack-Pass-99'}, {'email': 'evil@example.com'}, {'first': 'Evil'}):
        assert_not_permitted(world.post('/user/set', {'uuid': world.emulator.user_id, **data}, sid))
    assert_not_permitted(world.post('/user/enable', {'uuid': world.emulator.user_id, 'disable': '1'}, sid))
    world.login(world.emulator.username, world.emulator.password)


def test_account_admin_changes_a_member_password_but_no_one_elses(world: World) -> None:
    admin_role = world.role(dict(ADMIN_PERMISSIONS))
    _, admin_sid = world.user(admin_role)
    member, _ = world.user(None)
    world.ok('/user/set', {'uuid': member['uuid'], 'password': 'Reset-By-Admin-12'}, admin_sid)
    world.login(member['email'], 'Reset-By-Admin-12')
    # a member of two accounts: the admin of one of them is not enough (the document: "only in your account")
    other = world.ok('/account/add', {'name': 'Second home'})['uuid']
    world.ok('/account/user/add', {'uuid': other, 'user_id': member['uuid']})
    assert_not_permitted(world.post('/user/set', {'uuid': member['uuid'], 'password': 'Again-Reset-22'}, admin_sid))
    # a plain member changes nobody
    _, plain_sid = world.user(None)
    stranger, _ = world.user(None)
    assert_not_permitted(world.post('/user/set', {'uuid': stranger['uuid'], 'password': 'Plain-Reset-33'}, plain_sid))


def test_another_users_email_needs_user_modify_others_email(world: World) -> None:
    target, _ = world.user(None)
    _, editor = world.user(world.role({'user_edit': 1}))
    assert_not_permitted(world.post('/user/set', {'uuid': target['uuid'], 'email': 'moved@example.com'}, editor))
    world.ok('/user/set', {'uuid': target['uuid'], 'first': 'Renamed'}, editor)
    _, full = world.user(world.role({'user_edit': 1, 'user_modify_others_email': 1}))
    world.ok('/user/set', {'uuid': target['uuid'], 'email': 'moved@example.com'}, full)


def test_user_get_with_account_id(world: World) -> None:
    me = world.ok('/user/get', {'account_id': world.account}, world.admin_sid)
    assert me['uuid'] == world.emulator.user_id
    target, _ = world.user(None)
    _, viewer = world.user(world.role({'account_user_view': 1}))
    assert world.ok('/user/get', {'uuid': target['uuid'], 'account_id': world.account}, viewer)['uuid'] == (
        target['uuid']
    )
    other = world.ok('/account/add', {'name': 'Not theirs'})['uuid']
    assert_not_permitted(world.post('/user/get', {'uuid': target['uuid'], 'account_id': other}, viewer))
