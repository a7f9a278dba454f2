"""Answers shaped like the real server's (issue 12, point 4), over real sockets."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from datetime import datetime, timedelta, timezone

import pytest
import requests

from ambra_sdk.exceptions.service import InvalidJson

OFFSET_STAMP = re.compile(r'^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}[+-]\d{2}$')


def _stamp(moment: datetime) -> str:
    return moment.strftime('%Y-%m-%d %H:%M:%S')


def test_timestamps_carry_the_utc_offset(client):
    uuid = client.add_study(study_uid='1.2.9.1')
    study = client.ok('/study/get', {'uuid': uuid})
    assert OFFSET_STAMP.match(study['created']), study['created']
    assert OFFSET_STAMP.match(study['updated']), study['updated']
    user = client.ok('/session/user')
    assert OFFSET_STAMP.match(user['created']), user['created']


def test_timestamp_filters_honour_the_offset_of_the_value(client):
    uuid = client.add_study(study_uid='1.2.9.2')
    created = client.ok('/study/get', {'uuid': uuid})['created']
    moment = datetime.strptime(created[:19], '%Y-%m-%d %H:%M:%S').replace(tzinfo=timezone.utc)
    # the same instant written in another zone still matches, one hour later does not
    pacific = moment.astimezone(timezone(timedelta(hours=-7)))
    same = _stamp(pacific) + '-07:00'
    later = _stamp(pacific + timedelta(hours=1)) + '-07:00'
    assert client.ok('/study/list', {'filter.created.equals': same})['studies']
    assert not client.ok('/study/list', {'filter.created.equals': later})['studies']
    assert client.ok('/study/list', {'filter.created.lt': later})['studies']
    assert not client.ok('/study/list', {'filter.created.gt': later})['studies']
    # a value without an offset is read in filter.tz (a numeric one is a POSIX zone: +7:00 is UTC-7)
    assert client.ok('/study/list', {'filter.created.equals': _stamp(pacific), 'filter.tz': '+7:00'})['studies']
    assert not client.ok('/study/list', {'filter.created.equals': _stamp(pacific), 'filter.tz': '-7:00'})['studies']
    assert not client.ok('/study/list', {'filter.created.equals': _stamp(pacific)})['studies']


@pytest.mark.parametrize('endpoint', ['/study/list', '/account/list', '/account/user/list', '/customcode/list'])
def test_paginated_lists_repeat_more_at_the_top(client, endpoint):
    client.add_study(study_uid='1.2.9.3')
    client.add_study(study_uid='1.2.9.4')
    data = {'page.rows': '1'}
    if endpoint == '/account/user/list':
        data['uuid'] = client.emulator.account_id
    if endpoint == '/customcode/list':
        data['account_id'] = client.emulator.account_id
    answer = client.ok(endpoint, data)
    assert answer['more'] == answer['page']['more']
    if endpoint == '/study/list':
        assert answer['more'] == 1


def test_study_answers_list_the_accounts_custom_fields(client):
    account = client.emulator.account_id
    first = client.ok('/customfield/add', {'account_id': account, 'name': 'Site', 'object': 'Study'})['uuid']
    second = client.ok('/customfield/add', {
        'account_id': account, 'name': 'Arm', 'object': 'Study', 'type': 'select', 'required': '1',
        'options': '{"values": ["A", "B"]}',
    })['uuid']
    site = {'uuid': first, 'name': 'Site', 'type': 'text', 'required': 0, 'options': None}
    arm = {'uuid': second, 'name': 'Arm', 'type': 'select', 'required': 1, 'options': {'values': ['A', 'B']}}
    client.ok('/customfield/add', {'account_id': account, 'name': 'Pager', 'object': 'User'})
    uuid = client.add_study(study_uid='1.2.9.5')
    fields = client.ok('/study/get', {'uuid': uuid})['customfields']
    assert fields == [{**site, 'value': None}, {**arm, 'value': None}]
    client.ok('/study/set', {'uuid': uuid, f'customfield-{second}': 'B'})
    listed = client.ok('/study/list', {'filter.uuid.equals': uuid})['studies'][0]['customfields']
    assert listed == [{**site, 'value': None}, {**arm, 'value': 'B'}]


def test_invalid_json_names_the_parameter_in_a_list_valued_error_type(client):
    body = client.error(
        '/role/add', {'account_id': client.emulator.account_id, 'name': 'R', 'settings': '{not json'}
    )
    assert body['error_type'] == ['INVALID_JSON', 'settings']
    assert body['error_subtype'] == 'settings'


def test_invalid_json_maps_to_the_typed_exception(emulator):
    emulator.reset()
    api = emulator.api()
    with pytest.raises(InvalidJson) as caught:
        api.Role.add(account_id=emulator.account_id, name='R', settings='{not json').get()
    assert caught.value.error_type == ['INVALID_JSON', 'settings']


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        archive.writestr('model.py', 'print(1)\n')
    return buffer.getvalue()


def test_customcode_is_stored_and_its_zip_served(client):
    zipped = _zip_bytes()
    uuid = client.ok(
        '/customcode/add',
        {
            'account_id': client.emulator.account_id, 'name': 'check', 'type': 'AI_CUSTOM_VALIDATION_CODE',
            'language': 'PYTHON', 'code': 'def run(): pass', 'settings': json.dumps({'a': 1}),
            'zip': base64.b64encode(zipped).decode(),
        },
    )['uuid']
    code = client.ok('/customcode/get', {'uuid': uuid})
    assert code['code'] == 'def run(): pass'
    assert code['settings'] == {'a': 1}
    assert code['has_zip'] == 1 and code['is_deployed'] == 0
    assert 'zip' not in code
    response = client.post('/customcode/zip', {'uuid': uuid})
    assert response.status_code == 200
    assert response.headers['Content-Type'] == 'application/zip; charset=ISO-8859-1'
    assert response.content == zipped
    listed = client.ok('/customcode/list', {'account_id': client.emulator.account_id})['customcodes']
    assert [c['uuid'] for c in listed] == [uuid]


def test_customcode_zip_through_the_sdk_returns_the_response(emulator):
    emulator.reset()
    api = emulator.api()
    zipped = _zip_bytes()
    uuid = api.Customcode.add(
        account_id=emulator.account_id, name='n', type='AI_CUSTOM_VALIDATION_CODE', language='PYTHON',
        code='x = 1', zip=base64.b64encode(zipped).decode(),
    ).get().uuid
    response = api.Customcode.zip(uuid=uuid).get()
    assert isinstance(response, requests.Response)
    assert response.headers['Content-Type'] == 'application/zip; charset=ISO-8859-1'
    assert response.content == zipped


def test_customcode_errors(client):
    base = {
        'account_id': client.emulator.account_id, 'name': 'n', 'type': 'AI_CUSTOM_VALIDATION_CODE',
        'language': 'PYTHON', 'code': 'x',
    }
    assert client.error('/customcode/add', {**base, 'type': 'OTHER'})['error_type'] == 'INVALID_TYPE'
    assert client.error('/customcode/add', {**base, 'language': 'PERL'})['error_type'] == 'INVALID_LANGUAGE'
    assert client.error('/customcode/add', {**base, 'settings': '[1]'})['error_type'] == 'NOT_HASH'
    uuid = client.ok('/customcode/add', base)['uuid']
    assert client.post('/customcode/zip', {'uuid': uuid}).status_code == 404
    client.ok('/customcode/deploy', {'uuid': uuid, 'namespace_id': client.emulator.namespace_id})
    assert client.error('/customcode/set', {'uuid': uuid, 'code': 'y'})['error_type'] == 'IS_DEPLOYED'
    assert client.error('/customcode/delete', {'uuid': uuid})['error_type'] == 'IS_DEPLOYED'
