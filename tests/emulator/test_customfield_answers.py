"""Custom fields in object answers (issue 22 point 4): ``uuid, name, type, value, required, options``."""

from __future__ import annotations

from ambra_sdk.emulator.routes.common import CUSTOMFIELD_KEYS


def _define(client, object_name, name='Code', **extra):
    params = {'account_id': client.emulator.account_id, 'name': name, 'object': object_name, **extra}
    return client.ok('/customfield/add', params)['uuid']


def _only(fields, uuid):
    found = [f for f in fields if f['uuid'] == uuid]
    assert len(found) == 1, fields
    assert tuple(found[0]) == CUSTOMFIELD_KEYS
    return found[0]


def test_the_keys_are_the_vendor_documents():
    assert CUSTOMFIELD_KEYS == ('uuid', 'name', 'type', 'value', 'required', 'options')


def test_account_get_and_list(client):
    account = client.emulator.account_id
    field = _define(client, 'Account', type='number', required='1', options='{"max_length": 4}')
    client.ok('/account/set', {'uuid': account, f'customfield-{field}': '42'})
    expected = {'uuid': field, 'name': 'Code', 'type': 'number', 'value': '42', 'required': 1,
                'options': {'max_length': 4}}
    assert _only(client.ok('/account/get', {'uuid': account})['customfields'], field) == expected
    listed = [a for a in client.ok('/account/list')['accounts'] if a['uuid'] == account][0]
    assert _only(listed['customfields'], field) == expected


def test_group_and_location_get_and_list(client):
    account = client.emulator.account_id
    for kind, plural in (('group', 'groups'), ('location', 'locations')):
        field = _define(client, kind.capitalize(), name=f'{kind} code', type='select')
        added = client.ok(f'/{kind}/add', {'account_id': account, 'name': f'The {kind}'})['uuid']
        assert _only(client.ok(f'/{kind}/get', {'uuid': added})['customfields'], field)['value'] is None
        client.ok(f'/{kind}/set', {'uuid': added, f'customfield-{field}': 'x'})
        entry = _only(client.ok(f'/{kind}/get', {'uuid': added})['customfields'], field)
        assert entry == {'uuid': field, 'name': f'{kind} code', 'type': 'select', 'value': 'x', 'required': 0,
                         'options': None}
        listed = [o for o in client.ok(f'/{kind}/list', {'account_id': account})[plural] if o['uuid'] == added][0]
        assert _only(listed['customfields'], field) == entry


def test_account_member_get_and_list(client):
    account = client.emulator.account_id
    field = _define(client, 'User_account', name='Badge')
    user_id = client.emulator.user_id
    client.ok('/account/user/set', {'uuid': account, 'user_id': user_id, f'customfield-{field}': 'B-7'})
    member = client.ok('/account/user/get', {'uuid': account, 'user_id': user_id})
    assert _only(member['customfields'], field)['value'] == 'B-7'
    listed = [m for m in client.ok('/account/user/list', {'uuid': account})['users'] if m['user_id'] == user_id][0]
    assert _only(listed['customfields'], field)['value'] == 'B-7'


def test_study_fields_of_other_objects_are_not_listed_and_dicom_tag_values_keep_the_shape(client):
    study_field = _define(client, 'Study', name='Arm')
    _define(client, 'Account', name='Not a study field')
    uuid = client.add_study(study_uid='1.2.9.77', **{'customfield-(0010,21B0)': 'history'})
    fields = client.ok('/study/get', {'uuid': uuid})['customfields']
    assert [f['uuid'] for f in fields] == [study_field, None]
    assert fields[1] == {'uuid': None, 'name': None, 'type': None, 'value': 'history', 'required': None,
                         'options': None, 'tag': '(0010,21B0)'}
