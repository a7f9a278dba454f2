"""The one check covers bundled calls, PHI read through another namespace, jobs and the permission answers."""

from __future__ import annotations

import json

from ambra_sdk.emulator.permissions import ADMIN_PERMISSIONS

from .world import World, assert_permission_denied


def test_bundled_calls_are_checked_one_by_one(world: World) -> None:
    study = world.ok('/study/add', {'storage_namespace': world.namespace, 'phi_namespace': world.namespace,
                                    'study_uid': '7.7', 'patient_name': 'HIDDEN^NAME'})['uuid']
    _, sid = world.outsider()
    calls = [{'URL': '/session/user', 'sid': sid}, {'URL': '/study/get', 'sid': sid, 'uuid': study},
             {'URL': '/study/delete', 'sid': sid, 'uuid': study}]
    response = world.session.post(world.url + '/bundle', data=json.dumps(calls),
                                  headers={'Content-Type': 'application/json'}, timeout=30)
    answers = response.json()
    assert answers[0]['status'] == 'OK'
    assert [a['error_type'] for a in answers[1:]] == ['NOT_PERMITTED', 'NOT_PERMITTED']
    assert 'HIDDEN' not in response.text
    assert world.ok('/study/get', {'uuid': study})['patient_name'] == 'HIDDEN^NAME'


def test_storage_phi_namespace_of_another_account_is_denied(world: World) -> None:
    up = world.upload()
    _, outsider_sid = world.outsider()
    own = world.ok('/session/user', {}, outsider_sid)['namespaces'][-1]['uuid']
    response = world.storage_call('GET', f'/study/{own}/{up["study_uid"]}/schema', outsider_sid,
                                  params={'phi_namespace': world.namespace})
    assert_permission_denied(response, up['study_uid'])


def test_job_is_readable_by_its_creator_and_by_viewers_of_its_namespace(world: World) -> None:
    _, uploader = world.user(world.role({'study_upload': 1}))
    from tests.helpers.dicoms import pydicom_data_file

    with open(pydicom_data_file('CT_small.dcm'), 'rb') as body:
        response = world.storage_call('POST', f'/namespace/{world.namespace}/image', uploader, data=body,
                                      headers={'X-AmbraHealth-Job-Id': 'upload-job-1'})
    assert response.status_code == 200, response.text
    assert world.ok('/job/get', {'id': 'upload-job-1'}, uploader)['state'] == 'DONE'
    _, viewer = world.user(world.role({'study_view': 1}))
    world.ok('/job/get', {'id': 'upload-job-1'}, viewer)
    _, outsider = world.outsider()
    assert world.post('/job/get', {'id': 'upload-job-1'}, outsider).json()['error_type'] == 'NOT_PERMITTED'


def test_permission_answers_follow_the_role(world: World) -> None:
    _, sid = world.user(world.role({'study_view': 1, 'study_delete': 1}))
    flags = world.ok('/session/permissions', {'account_id': world.account}, sid)
    assert flags['study_view'] == 1 and flags['study_delete'] == 1 and flags['account_edit'] == 0
    flags = world.ok('/namespace/permissions', {'namespace_id': world.namespace}, sid)
    assert flags['study_delete'] == 1 and flags['study_edit'] == 0
    admin = world.ok('/session/permissions', {'account_id': world.account})
    assert {k: admin[k] for k in ADMIN_PERMISSIONS} == ADMIN_PERMISSIONS
    _, outsider = world.outsider()
    assert world.post('/session/permissions', {'account_id': world.account}, outsider).json()['error_type'] == (
        'NOT_PERMITTED'
    )


def test_group_member_role_applies_in_the_group_namespace(world: World) -> None:
    group = world.ok('/group/add', {'account_id': world.account, 'name': 'Readers'})
    study = world.ok('/study/add', {'storage_namespace': group['namespace_id'], 'phi_namespace': group['namespace_id'],
                                    'study_uid': '5.5'})['uuid']
    user, sid = world.user(world.role({}))  # no flag in the account
    assert world.post('/study/get', {'uuid': study}, sid).json()['error_type'] == 'NOT_PERMITTED'
    world.ok('/group/user/add', {'uuid': group['uuid'], 'user_id': user['uuid'],
                                 'role_id': world.role({'study_view': 1})})
    assert world.ok('/study/get', {'uuid': study}, sid)['uuid'] == study
    assert [s['uuid'] for s in world.ok('/study/list', {}, sid)['studies']] == [study]


def test_study_answers_carry_the_callers_study_flags(world: World) -> None:
    study = world.ok('/study/add', {'storage_namespace': world.namespace, 'phi_namespace': world.namespace,
                                    'study_uid': '6.6'})['uuid']
    _, sid = world.user(world.role({'study_view': 1, 'study_share': 1}))
    got = world.ok('/study/get', {'uuid': study}, sid)['permissions']
    assert got['study_view'] == 1 and got['study_share'] == 1 and got['study_delete'] == 0
    assert world.ok('/study/permissions', {'uuid': study}, sid) == {'status': 'OK', **got}
    assert world.ok('/study/list', {}, sid)['studies'][0]['permissions'] == got
    assert world.ok('/study/get', {'uuid': study})['permissions']['study_delete'] == 1  # the sysadmin


def test_a_role_of_another_account_grants_nothing_here(world: World) -> None:
    other = world.ok('/account/add', {'name': 'Role source'})['uuid']
    foreign_admin = world.role(dict(ADMIN_PERMISSIONS), account=other)
    _, sid = world.user(foreign_admin)  # a member of A holding B's Administrator role
    assert world.post('/role/list', {'account_id': world.account}, sid).json()['error_type'] == 'NOT_PERMITTED'
    assert world.ok('/session/permissions', {'account_id': world.account}, sid)['account_edit'] == 0


def test_user_namespace_list_gives_the_flags_per_namespace(world: World) -> None:
    user, sid = world.user(world.role({'study_view': 1}))
    rows = {r['uuid']: r for r in world.ok('/user/namespace/list', {}, sid)['namespaces']}
    assert rows[world.namespace]['permissions']['study_view'] == 1
    assert rows[world.namespace]['permissions']['study_delete'] == 0
    assert rows[user['namespace_id']]['permissions']['study_delete'] == 1  # their own namespace


def test_probing_another_namespace_answers_the_same_whether_the_study_exists_or_not(world: World) -> None:
    world.ok('/study/add', {'storage_namespace': world.namespace, 'phi_namespace': world.namespace,
                            'study_uid': '8.8'})
    _, sid = world.outsider()
    for uid in ('8.8', '8.9'):
        for call in ('/study/exists', '/study/get'):
            response = world.post(call, {'study_uid': uid, 'storage_namespace': world.namespace}, sid)
            assert response.json() == {'status': 'ERROR', 'error_type': 'NOT_PERMITTED'}, (call, uid)
