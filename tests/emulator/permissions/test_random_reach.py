"""Hypothesis: random sequences of calls by several users never reach outside their accounts.

A tiny model (accounts, roles, objects) says what each call may do; the
emulator must refuse everything else, leave the object as it was, and list
only what the caller may see. The model's roles are the document's
(Administrator: every flag; a member without a role: the User column).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ambra_sdk.emulator.permissions import ADMIN_PERMISSIONS, USER_PERMISSIONS

from .world import ACCESS_DENIED_TEXT, PASSWORD, World

#: actor -> {account: role} ('admin' = Administrator, 'user' = no role); 'root' is the sysadmin.
ACTORS: dict[str, dict[str, str]] = {
    'a_admin': {'A': 'admin'},
    'a_user': {'A': 'user'},
    'b_admin': {'B': 'admin'},
    'ab_user': {'A': 'user', 'B': 'user'},
    'root': {},
}
#: op -> (object kind, flag needed, changes the object).
OPS: dict[str, tuple[str, str, bool]] = {
    'study_get': ('study', 'study_view', False),
    'study_set': ('study', 'study_edit', True),
    'study_delete': ('study', 'study_delete', True),
    'storage_schema': ('study', 'study_view', False),
    'storage_phi': ('study', 'study_view', False),
    'storage_delete': ('study', 'study_delete', True),
    'group_get': ('group', 'group_view', False),
    'group_set': ('group', 'group_edit', True),
    'group_delete': ('group', 'group_edit', True),
    'user_set_password': ('user', 'user_edit', True),
    'user_get': ('user', 'account_user_view', False),
    'role_get': ('role', 'role_view', False),
    'role_set': ('role', 'role_edit', True),
    'account_set': ('account', 'account_edit', True),
    'account_user_list': ('account', 'account_user_view', False),
    'study_list': ('list', 'study_view', False),
    'account_list': ('accounts', '', False),
}


@dataclass
class Model:
    """What exists, where, and who holds which role."""

    world: World
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # 'A'/'B' -> account + namespace
    sids: dict[str, str] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    studies: list[dict[str, Any]] = field(default_factory=list)  # uuid, account, study_uid, stored, gone
    groups: list[dict[str, Any]] = field(default_factory=list)
    roles: list[dict[str, Any]] = field(default_factory=list)
    changes: int = 0

    def flags(self, actor: str, account: str) -> Optional[dict[str, int]]:
        role = ACTORS[actor].get(account)
        if role is None:
            return None
        return ADMIN_PERMISSIONS if role == 'admin' else USER_PERMISSIONS

    def may(self, actor: str, account: str, flag: str) -> bool:
        if actor == 'root':
            return True
        flags = self.flags(actor, account)
        return bool(flags and flags.get(flag))


def _build(world: World) -> Model:
    model = Model(world)
    model.accounts['A'] = {'uuid': world.account, 'namespace_id': world.namespace}
    model.accounts['B'] = world.ok('/account/add', {'name': 'Account B'})
    roles = {}
    for name, account in model.accounts.items():
        listed = world.ok('/role/list', {'account_id': account['uuid']})['roles']
        roles[name] = next(r['uuid'] for r in listed if r['name'] == 'Administrator')
        spare = world.ok('/role/add', {'account_id': account['uuid'], 'name': 'Spare ' + name})['uuid']
        model.roles.append({'uuid': spare, 'account': name, 'gone': False})
    for actor, memberships in ACTORS.items():
        if actor == 'root':
            model.sids[actor] = world.admin_sid
            model.users[actor] = {'uuid': world.emulator.user_id, 'accounts': [], 'email': world.emulator.username,
                                  'password': world.emulator.password}
            continue
        first, *rest = memberships
        user = world.emulator.add_user(f'{actor}@example.com', PASSWORD, account_id=model.accounts[first]['uuid'])
        for name in rest:
            world.ok('/account/user/add', {'uuid': model.accounts[name]['uuid'], 'user_id': user['uuid']})
        for name, role in memberships.items():
            if role == 'admin':
                world.ok('/account/user/set', {'uuid': model.accounts[name]['uuid'], 'user_id': user['uuid'],
                                               'role_id': roles[name]})
        model.users[actor] = {'uuid': user['uuid'], 'accounts': list(memberships), 'email': user['email'],
                              'password': PASSWORD}
        model.sids[actor] = world.login(user['email'], PASSWORD)
    for name, account in model.accounts.items():
        namespace = account['namespace_id']
        up = world.upload(namespace)
        stored = world.ok('/study/list', {'filter.study_uid.equals': up['study_uid']})['studies']
        model.studies.append({'uuid': stored[0]['uuid'], 'account': name, 'namespace': namespace,
                              'study_uid': up['study_uid'], 'gone': False, 'stored': True})
        plain = world.ok('/study/add', {'storage_namespace': namespace, 'phi_namespace': namespace,
                                        'study_uid': f'1.2.{len(model.studies)}', 'patient_name': 'PRIVATE^' + name})
        model.studies.append({'uuid': plain['uuid'], 'account': name, 'namespace': namespace,
                              'study_uid': f'1.2.{len(model.studies)}', 'gone': False, 'stored': False})
        group = world.ok('/group/add', {'account_id': account['uuid'], 'name': f'Group {name}'})
        model.groups.append({'uuid': group['uuid'], 'account': name, 'gone': False})
    return model


def _snapshot(model: Model, kind: str, obj: dict[str, Any]) -> Any:
    world = model.world
    if kind == 'study':
        return world.post('/study/get', {'uuid': obj['uuid']}).json()
    if kind in ('group', 'role', 'account'):
        return world.post(f'/{kind}/get', {'uuid': obj['uuid']}).json()
    return world.post('/user/get', {'uuid': obj['uuid']}).json()


def _call(model: Model, actor: str, op: str, obj: dict[str, Any]) -> Any:
    world, sid = model.world, model.sids[actor]
    if op == 'study_get':
        return world.post('/study/get', {'uuid': obj['uuid']}, sid)
    if op == 'study_set':
        return world.post('/study/set', {'uuid': obj['uuid'], 'patient_name': 'HACKED^BY^' + actor}, sid)
    if op == 'study_delete':
        return world.post('/study/delete', {'uuid': obj['uuid']}, sid)
    if op.startswith('storage_'):
        path = f'/study/{obj["namespace"]}/{obj["study_uid"]}'
        if op == 'storage_delete':
            return world.storage_call('DELETE', path, sid)
        return world.storage_call('GET', path + ('/schema' if op == 'storage_schema' else '/phi'), sid)
    if op == 'group_get':
        return world.post('/group/get', {'uuid': obj['uuid']}, sid)
    if op == 'group_set':
        return world.post('/group/set', {'uuid': obj['uuid'], 'name': 'HACKED ' + actor}, sid)
    if op == 'group_delete':
        return world.post('/group/delete', {'uuid': obj['uuid']}, sid)
    if op == 'role_get':
        return world.post('/role/get', {'uuid': obj['uuid']}, sid)
    if op == 'role_set':
        return world.post('/role/set', {'uuid': obj['uuid'], 'permissions': '{"study_delete": 1}'}, sid)
    if op == 'account_set':
        return world.post('/account/set', {'uuid': obj['uuid'], 'vanity': 'hacked-' + actor}, sid)
    if op == 'account_user_list':
        return world.post('/account/user/list', {'uuid': obj['uuid']}, sid)
    if op == 'user_get':
        return world.post('/user/get', {'uuid': obj['uuid']}, sid)
    assert op == 'user_set_password'
    model.changes += 1
    return world.post('/user/set', {'uuid': obj['uuid'], 'password': _new_password(model, actor)}, sid)


def _new_password(model: Model, actor: str) -> str:
    return f'Hijacked-{actor}-{model.changes + 10}'


def _refused(response: Any) -> bool:
    if response.status_code == 412:
        return bool(response.json() == {'status': 'ERROR', 'error_type': 'NOT_PERMITTED'})
    if response.status_code == 403:
        return bool(response.json()['message'] == ACCESS_DENIED_TEXT)
    return False


def _step(model: Model, actor: str, op: str, index: int) -> None:
    kind, flag, changes = OPS[op]
    if kind == 'list':
        seen = {s['uuid'] for s in model.world.ok('/study/list', {}, model.sids[actor])['studies']}
        expected = {s['uuid'] for s in model.studies if not s['gone'] and model.may(actor, s['account'], flag)}
        assert seen == expected, (actor, seen, expected)
        return
    if kind == 'accounts':
        seen = {a['uuid'] for a in model.world.ok('/account/list', {}, model.sids[actor])['accounts']}
        names = list(model.accounts) if actor == 'root' else ACTORS[actor]
        assert seen == {model.accounts[name]['uuid'] for name in names}, (actor, seen)
        return
    if kind == 'user':
        targets = [a for a in ACTORS if a != actor]
        target_name = targets[index % len(targets)]
        obj = model.users[target_name]
        if target_name == 'root':
            allowed = actor == 'root'
        else:
            checks = [model.may(actor, account, flag) for account in obj['accounts']]
            allowed = actor == 'root' or (all(checks) if changes else any(checks))
        gone = False
    elif kind == 'account':
        name = sorted(model.accounts)[index % len(model.accounts)]
        obj = {**model.accounts[name], 'account': name}
        allowed = model.may(actor, name, flag)
        gone = False
    else:
        pool = {'study': model.studies, 'group': model.groups, 'role': model.roles}[kind]
        obj = pool[index % len(pool)]
        allowed = model.may(actor, obj['account'], flag)
        gone = obj['gone']
    before = None if gone else _snapshot(model, kind, obj)
    response = _call(model, actor, op, obj)
    if gone:
        assert response.status_code in (403, 404, 412), response.text
        assert 'PRIVATE' not in response.text
        return
    if not allowed:
        assert _refused(response), (actor, op, response.status_code, response.text)
        assert 'PRIVATE' not in response.text and 'Group' not in response.text
        after = _snapshot(model, kind, obj)
        if kind == 'user':
            before.pop('updated', None)
            after.pop('updated', None)
        assert after == before, (actor, op)
        if op == 'user_set_password':
            model.world.login(obj['email'], obj['password'])  # the old password still works
        return
    if op.startswith('storage_') and not obj['stored']:
        assert response.status_code == 404, (actor, op, response.status_code, response.text)
        return
    if op in ('storage_schema', 'storage_phi') and obj.get('emptied'):
        # its images were deleted through storage: nothing to show, or an empty study
        assert response.status_code in (200, 404), (actor, op, response.status_code, response.text)
        return
    assert response.status_code < 400, (actor, op, response.status_code, response.text)
    if op in ('study_delete', 'group_delete'):
        obj['gone'] = True
    if op == 'storage_delete':
        obj['emptied'] = True  # the images go; the service row stays (issue 22.1), a second DELETE is 202
    if op == 'user_set_password':
        obj['password'] = _new_password(model, actor)
        model.sids[target_name] = model.world.login(obj['email'], obj['password'])


STEPS = st.lists(
    st.tuples(st.sampled_from(sorted(ACTORS)), st.sampled_from(sorted(OPS)), st.integers(0, 7)),
    min_size=1, max_size=14,
)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_no_user_reaches_outside_their_accounts(emulator: Any, steps: list[tuple[str, str, int]]) -> None:
    from tests.helpers.processing import processing_delay

    with processing_delay(emulator, 0):  # about reach, not processing: uploads are listed at once
        world = World(emulator)
        try:
            model = _build(world)
            for actor, op, index in steps:
                _step(model, actor, op, index)
        finally:
            world.close()
