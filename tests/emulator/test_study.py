"""Studies: add/get/set/delete and the list machinery (filter, sort, fields, pages)."""

from __future__ import annotations

import json

import pytest

PATIENTS = [
    # patient_name, patientid, modality, study_date, accession_number, image_count
    ('DOE^JANE', 'P1', 'CT', '20200101', 'A1', 10),
    ('ROE^RICHARD', 'P2', 'MR', '20200215', 'A2', 20),
    ('SMITH^ANNA', 'P3', 'US', '20210310', 'A3', 30),
    ('JACKSON^JACK', 'P4', 'CT', '20220420', None, 40),
]


@pytest.fixture
def studies(client):
    """Four studies, added in PATIENTS order; returns their uuids."""
    uuids = []
    for number, (name, pid, modality, date, accession, count) in enumerate(PATIENTS, start=1):
        fields = {
            'study_uid': f'1.2.3.{number}',
            'patient_name': name,
            'patientid': pid,
            'modality': modality,
            'study_date': date,
            'image_count': str(count),
        }
        if accession:
            fields['accession_number'] = accession
        uuids.append(client.add_study(**fields))
    return uuids


def names(answer):
    return [s['patient_name'] for s in answer['studies']]


def test_add_get_set_delete(client):
    namespace = client.emulator.namespace_id
    added = client.ok(
        '/study/add',
        {'study_uid': '9.9', 'storage_namespace': namespace, 'phi_namespace': namespace, 'patient_name': 'A^B'},
    )
    assert added['engine_fqdn'] == client.emulator.engine_fqdn
    study = client.ok('/study/get', {'uuid': added['uuid']})
    assert study['study_uid'] == '9.9'
    assert study['storage_namespace'] == namespace and study['phi_namespace'] == namespace
    assert study['engine_fqdn'] == client.emulator.engine_fqdn
    assert study['phantom'] == 1 and study['customfields'] == []
    by_triplet = client.ok(
        '/study/get', {'study_uid': '9.9', 'storage_namespace': namespace, 'phi_namespace': namespace}
    )
    assert by_triplet['uuid'] == added['uuid']
    client.ok('/study/set', {'uuid': added['uuid'], 'patient_name': 'C^D', 'image_count': '3'})
    study = client.ok('/study/get', {'uuid': added['uuid']})
    assert study['patient_name'] == 'C^D' and study['image_count'] == 3
    client.ok('/study/delete', {'uuid': added['uuid']})
    assert client.error('/study/get', {'uuid': added['uuid']})['error_type'] == 'NOT_FOUND'


def test_add_errors(client):
    namespace = client.emulator.namespace_id
    uuid = client.add_study(study_uid='1.1')
    duplicate = client.error(
        '/study/add', {'study_uid': '1.1', 'storage_namespace': namespace, 'phi_namespace': namespace}
    )
    assert duplicate['error_type'] == 'ALREADY_EXISTS'
    assert duplicate['error_subtype'] == uuid
    assert duplicate['error_data']['uuid'] == uuid
    missing = client.error('/study/add', {'study_uid': '1.2'})
    assert missing['error_type'] == 'MISSING_FIELDS'
    assert missing['error_subtype'] == ['storage_namespace', 'phi_namespace']
    unknown = client.error('/study/add', {'study_uid': '1.3', 'storage_namespace': 'x', 'phi_namespace': 'x'})
    assert unknown['error_type'] == 'NAMESPACE_NOT_FOUND'
    assert client.post('/study/add', {'study_uid': '1.4'}, sid=None).status_code == 401


def test_customfields(client):
    field = client.ok(
        '/customfield/add', {'account_id': client.emulator.account_id, 'name': 'Priority', 'object': 'Study'}
    )['uuid']
    uuid = client.add_study(study_uid='5.5', **{f'customfield-{field}': 'high'})
    study = client.ok('/study/get', {'uuid': uuid, 'customfield_h': '1'})
    assert study['customfields'] == [
        {'uuid': field, 'name': 'Priority', 'type': 'text', 'value': 'high', 'required': 0, 'options': None},
    ]
    assert study['customfield_h'] == {field: 'high'}
    listed = client.ok('/study/list', {f'filter.customfield-{field}.equals': 'HIGH'})
    assert [s['uuid'] for s in listed['studies']] == [uuid]
    bad = client.error('/study/set', {'uuid': uuid, 'customfield-nope': '1'})
    assert bad['error_type'] == 'INVALID_CUSTOMFIELD'


def test_list_default_order_is_newest_first(client, studies):
    answer = client.ok('/study/list')
    assert [s['uuid'] for s in answer['studies']] == list(reversed(studies))
    assert answer['page'] == {'more': 0, 'number': 1, 'rows': 100}
    row = answer['studies'][0]
    for key in ('uuid', 'study_uid', 'storage_namespace', 'phi_namespace', 'engine_fqdn', 'customfields'):
        assert key in row


@pytest.mark.parametrize(
    ('condition', 'value', 'expected'),
    [
        ('equals', 'ct', ['JACKSON^JACK', 'DOE^JANE']),
        ('not_equals', 'CT', ['SMITH^ANNA', 'ROE^RICHARD']),
        ('like', 'c%', ['JACKSON^JACK', 'DOE^JANE']),
        ('in', '["MR", "US"]', ['SMITH^ANNA', 'ROE^RICHARD']),
        ('gt', 'CT', ['SMITH^ANNA', 'ROE^RICHARD']),
        ('ge', 'MR', ['SMITH^ANNA', 'ROE^RICHARD']),
        ('lt', 'MR', ['JACKSON^JACK', 'DOE^JANE']),
        ('le', 'MR', ['JACKSON^JACK', 'ROE^RICHARD', 'DOE^JANE']),
    ],
)
def test_filter_conditions_on_text(client, studies, condition, value, expected):
    assert names(client.ok('/study/list', {f'filter.modality.{condition}': value})) == expected


@pytest.mark.parametrize(
    ('condition', 'value', 'expected'),
    [
        ('equals', 'A1', ['DOE^JANE']),
        ('equals_or_null', 'A1', ['JACKSON^JACK', 'DOE^JANE']),
        ('not_equals', 'A1', ['SMITH^ANNA', 'ROE^RICHARD']),
        ('not_equals_or_null', 'A1', ['JACKSON^JACK', 'SMITH^ANNA', 'ROE^RICHARD']),
        ('in', '["A2", "A3"]', ['SMITH^ANNA', 'ROE^RICHARD']),
        ('in_or_null', '["A2"]', ['JACKSON^JACK', 'ROE^RICHARD']),
    ],
)
def test_filter_null_conditions(client, studies, condition, value, expected):
    assert names(client.ok('/study/list', {f'filter.accession_number.{condition}': value})) == expected


def test_filter_numbers_and_dates(client, studies):
    assert names(client.ok('/study/list', {'filter.image_count.gt': '25'})) == ['JACKSON^JACK', 'SMITH^ANNA']
    assert names(client.ok('/study/list', {'filter.image_count.le': '20'})) == ['ROE^RICHARD', 'DOE^JANE']
    assert names(client.ok('/study/list', {'filter.image_count.in': '[10, 40]'})) == ['JACKSON^JACK', 'DOE^JANE']
    assert names(client.ok('/study/list', {'filter.study_date.ge': '2021-01-01'})) == ['JACKSON^JACK', 'SMITH^ANNA']
    assert names(client.ok('/study/list', {'filter.study_date.lt': '20200201'})) == ['DOE^JANE']


def test_filters_are_anded(client, studies):
    answer = client.ok('/study/list', {'filter.modality.equals': 'CT', 'filter.patient_name.like': '%jane'})
    assert names(answer) == ['DOE^JANE']


def test_like_wildcards(client, studies):
    assert names(client.ok('/study/list', {'filter.patient_name.like': '_OE^%'})) == ['ROE^RICHARD', 'DOE^JANE']
    assert names(client.ok('/study/list', {'filter.patient_name.like': 'jack'})) == []


def test_filter_created_with_tz(client, studies):
    state = client.emulator.state
    for uuid, stamp in zip(studies, ['2020-01-01 10:00:00.5', '2020-01-01 12:00:00', '2020-01-02 00:30:00', '2020-01-03 00:00:00']):
        state.update_study(uuid, created=stamp)
    answer = client.ok('/study/list', {'filter.created.gt': '2020-01-01 11:00:00'})
    assert names(answer) == ['JACKSON^JACK', 'SMITH^ANNA', 'ROE^RICHARD']
    # 2020-01-01 09:00:00 at UTC-4 is 13:00 UTC (a numeric filter.tz is a POSIX zone: '+4:00' is UTC-4)
    answer = client.ok('/study/list', {'filter.created.gt': '2020-01-01 09:00:00', 'filter.tz': '+4:00'})
    assert names(answer) == ['JACKSON^JACK', 'SMITH^ANNA']
    # microseconds: without them the stored timestamps are truncated to seconds
    assert names(client.ok('/study/list', {'filter.created.equals': '2020-01-01 10:00:00'})) == ['DOE^JANE']
    assert names(client.ok('/study/list', {'filter.created.gt': '2020-01-01 10:00:00'})) == [
        'JACKSON^JACK', 'SMITH^ANNA', 'ROE^RICHARD',
    ]
    assert names(client.ok('/study/list', {'filter.created.gt': '2020-01-01 10:00:00.1'}))[-1] == 'DOE^JANE'
    # an Olson zone name (UTC+1 in winter)
    answer = client.ok('/study/list', {'filter.created.le': '2020-01-02 01:30:00', 'filter.tz': 'Europe/Paris'})
    assert names(answer) == ['SMITH^ANNA', 'ROE^RICHARD', 'DOE^JANE']
    assert names(client.ok('/study/list', {'filter.created.equals': '2020-01-01'})) == ['ROE^RICHARD', 'DOE^JANE']


def test_invalid_filters(client, studies):
    bad_field = client.error('/study/list', {'filter.bogus.equals': 'x'})
    assert bad_field == {'status': 'ERROR', 'error_type': 'INVALID_FIELD', 'error_subtype': 'filter.bogus.equals'}
    bad_condition = client.error('/study/list', {'filter.modality.about': 'x'})
    assert bad_condition['error_type'] == 'INVALID_CONDITION'
    assert bad_condition['error_subtype'] == 'filter.modality.about'
    assert client.error('/study/list', {'filter.modality': 'x'})['error_type'] == 'INVALID_CONDITION'
    # /study/list documents no INVALID_JSON: a value of "in" that is no JSON array is a bad filter clause
    bad_in = client.error('/study/list', {'filter.modality.in': '[oops'})
    assert bad_in == {'status': 'ERROR', 'error_type': 'INVALID_CONDITION', 'error_subtype': 'filter.modality.in'}


def test_sort(client, studies):
    assert names(client.ok('/study/list', {'sort_by': 'patient_name-asc'})) == [
        'DOE^JANE', 'JACKSON^JACK', 'ROE^RICHARD', 'SMITH^ANNA',
    ]
    assert names(client.ok('/study/list', {'sort_by': 'modality-asc,patient_name-desc'})) == [
        'JACKSON^JACK', 'DOE^JANE', 'ROE^RICHARD', 'SMITH^ANNA',
    ]
    assert names(client.ok('/study/list', {'sort_by': 'image_count-desc'}))[0] == 'JACKSON^JACK'
    # nulls last ascending, first descending
    assert names(client.ok('/study/list', {'sort_by': 'accession_number-asc'}))[-1] == 'JACKSON^JACK'
    assert names(client.ok('/study/list', {'sort_by': 'accession_number-desc'}))[0] == 'JACKSON^JACK'
    assert names(client.ok('/study/list', {'sort_by': 'created-asc'})) == [p[0] for p in PATIENTS]


def test_invalid_sort(client, studies):
    assert client.error('/study/list', {'sort_by': 'bogus-asc'}) == {
        'status': 'ERROR', 'error_type': 'INVALID_SORT_FIELD', 'error_subtype': 'bogus',
    }
    assert client.error('/study/list', {'sort_by': 'patient_name-sideways'}) == {
        'status': 'ERROR', 'error_type': 'INVALID_SORT_ORDER', 'error_subtype': 'patient_name',
    }


def test_fields(client, studies):
    answer = client.ok('/study/list', {'fields.study': json.dumps(['uuid', 'patient_name'])})
    assert all(set(s) == {'uuid', 'patient_name'} for s in answer['studies'])
    answer = client.ok('/study/list', {'fields': '["modality"]'})
    assert all(set(s) == {'modality'} for s in answer['studies'])
    answer = client.ok('/study/list', {'fields._top': '["page"]'})
    assert answer == {'status': 'OK', 'page': {'more': 0, 'number': 1, 'rows': 100}}
    study = client.ok('/study/get', {'uuid': studies[0], 'fields.study': '["study_uid"]'})
    assert study == {'status': 'OK', 'study_uid': '1.2.3.1'}
    # /study/list documents no INVALID_JSON: a fields.* that is not JSON is ignored
    assert client.ok('/study/list', {'fields.study': 'not json'})['studies'][0]['uuid']


def test_pagination(client, studies):
    first = client.ok('/study/list', {'page.rows': '3', 'sort_by': 'patient_name-asc'})
    assert names(first) == ['DOE^JANE', 'JACKSON^JACK', 'ROE^RICHARD']
    assert first['page'] == {'more': 1, 'number': 1, 'rows': 3}
    second = client.ok('/study/list', {'page.rows': '3', 'page.number': '2', 'sort_by': 'patient_name-asc'})
    assert names(second) == ['SMITH^ANNA']
    assert second['page'] == {'more': 0, 'number': 2, 'rows': 3}
    beyond = client.ok('/study/list', {'page.rows': '3', 'page.number': '9'})
    assert beyond['studies'] == [] and beyond['page']['more'] == 0
    big = client.ok('/study/list', {'page.rows': '9999'})
    assert big['page']['rows'] == 5000
    # /study/list documents no INVALID_INTEGER: a malformed page.rows is ignored (the default page)
    assert client.ok('/study/list', {'page.rows': 'many'})['page']['rows'] == 100


def test_count_exists_sync_star(client, studies):
    assert client.ok('/study/count', {'filter.modality.equals': 'CT'})['count'] == 2
    namespace = client.emulator.namespace_id
    assert client.ok('/study/exists', {'uuid': studies[0]})['exists'] == 1
    assert client.ok('/study/exists', {'study_uid': '1.2.3.1', 'storage_namespace': namespace})['exists'] == 1
    assert client.ok('/study/exists', {'study_uid': 'nope', 'storage_namespace': namespace})['exists'] == 0
    client.emulator.state.update_study(studies[0], phantom=1)
    client.ok('/study/sync', {'uuid': studies[0], 'image_count': '7'})
    study = client.ok('/study/get', {'uuid': studies[0]})
    assert study['phantom'] == 0 and study['image_count'] == 7
    client.ok('/study/star', {'uuid': studies[0], 'star': '1'})
    assert client.ok('/study/get', {'uuid': studies[0]})['star'] == 1
    assert client.error('/study/star', {'uuid': studies[0], 'star': 'maybe'})['error_type'] == 'INVALID_FLAG'


def test_duplicate(client, studies):
    group = client.ok('/group/add', {'name': 'G', 'account_id': client.emulator.account_id})
    client.ok('/study/duplicate', {'uuid': studies[0], 'namespace_id': group['namespace_id']})
    copy = client.ok('/study/get', {'study_uid': '1.2.3.1', 'storage_namespace': group['namespace_id']})
    assert copy['uuid'] != studies[0] and copy['patient_name'] == 'DOE^JANE'
    again = client.error('/study/duplicate', {'uuid': studies[0], 'namespace_id': group['namespace_id']})
    assert again['error_type'] == 'ALREADY_EXISTS'


def test_extra_flag(client):
    uuid = client.add_study(study_uid='6.6', patient_name='DOE^JANE^Q')
    plain = client.ok('/study/get', {'uuid': uuid})
    assert 'account_name' not in plain
    study = client.ok('/study/get', {'uuid': uuid, 'extra': '1'})
    assert study['account_name'] == 'Emulator Account'
    assert study['created_by_email'] == client.emulator.username
    assert (study['first_name'], study['last_name'], study['hipaa_name']) == ('JANE', 'DOE', 'JD')
    listed = client.ok('/study/list', {'extra': '1'})['studies'][0]
    assert listed['account_name'] == 'Emulator Account'
