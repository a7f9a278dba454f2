"""``ambra study list/count/get`` against the emulator, in process (CliRunner)."""

import csv
import io
import json

import pytest

pytestmark = pytest.mark.usefixtures('with_password')


def _csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_list_csv_has_every_study_and_a_header(ambra, demo):
    result = ambra('study', 'list', '--csv')
    assert result.exit_code == 0, result
    rows = _csv(result.stdout)
    assert sorted(row['modality'] for row in rows) == ['CT', 'MR', 'US']
    assert {'uuid', 'study_uid', 'patient_name', 'storage_namespace'} <= set(rows[0])
    assert result.stderr == ''


def test_list_table_is_tab_separated_with_default_columns(ambra, demo):
    result = ambra('study', 'list')
    lines = result.stdout.splitlines()
    assert lines[0].split('\t')[:3] == ['uuid', 'study_uid', 'patient_name']
    assert len(lines) == 4


def test_filter_sort_fields_limit(ambra, demo):
    result = ambra('study', 'list', '--filter', 'modality=in:CT,MR', '--sort', '-patient_name',
                   '--fields', 'patient_name,modality', '--csv')
    assert result.exit_code == 0, result
    assert result.stdout.splitlines() == ['patient_name,modality', 'ROE^RICHARD,MR', 'DOE^JANE,CT']
    limited = ambra('study', 'list', '--sort', 'patient_name:asc', '--fields', 'patient_name', '--limit', '2',
                    '--csv')
    assert limited.stdout.splitlines() == ['patient_name', 'DOE^JANE', 'ROE^RICHARD']
    like = ambra('study', 'list', '-f', 'patient_name=like:%ANNA%', '--fields', 'modality', '--csv')
    assert like.stdout.splitlines() == ['modality', 'US']
    json_in = ambra('study', 'list', '-f', 'modality=in:["US"]', '--fields', 'modality', '--csv')
    assert json_in.stdout.splitlines() == ['modality', 'US']


def test_json_output_is_one_array(ambra, demo):
    result = ambra('study', 'list', '--json', '--fields', 'uuid,modality', '--sort', 'modality')
    rows = json.loads(result.stdout)
    assert [row['modality'] for row in rows] == ['CT', 'MR', 'US']
    assert set(rows[0]) == {'uuid', 'modality'}
    empty = ambra('study', 'list', '--json', '-f', 'modality=equals:XX')
    assert json.loads(empty.stdout) == []


def test_empty_csv_still_has_the_header_of_the_asked_fields(ambra, demo):
    result = ambra('study', 'list', '--csv', '-f', 'modality=equals:XX', '--fields', 'uuid,modality')
    assert result.stdout == 'uuid,modality\n'


def test_count(ambra, demo):
    assert ambra('study', 'count').stdout == '3\n'
    assert ambra('study', 'count', '-f', 'modality=not_equals:CT').stdout == '2\n'
    assert json.loads(ambra('study', 'count', '--json').stdout) == {'count': 3}


def test_get_by_uuid_and_by_study_uid(ambra, demo):
    row = _csv(ambra('study', 'list', '--csv', '-f', 'modality=equals:MR').stdout)[0]
    by_uuid = json.loads(ambra('study', 'get', row['uuid'], '--json').stdout)
    assert by_uuid['study_uid'] == row['study_uid']
    by_uid = ambra('study', 'get', '--study-uid', row['study_uid'], '--fields', 'uuid,modality')
    assert by_uid.stdout.splitlines() == ['uuid: ' + row['uuid'], 'modality: MR']
    positional = ambra('study', 'get', row['study_uid'], '--namespace', row['storage_namespace'], '--json')
    assert json.loads(positional.stdout)['uuid'] == row['uuid']


@pytest.mark.parametrize(('args', 'expected'), [
    (['study', 'list', '--filter', 'nofield=equals:x'], "unknown field 'nofield' in --filter"),
    (['study', 'list', '--filter', 'modality=eq:CT'], "unknown condition 'eq'"),
    (['study', 'list', '--filter', 'modality'], 'write field=condition:value'),
    (['study', 'list', '--filter', 'modality=in:[CT'], 'not a JSON array'),
    (['study', 'list', '--fields', 'uuid,bogus'], "unknown field 'bogus' in --fields"),
    (['study', 'list', '--sort', 'bogus'], "unknown field 'bogus' in --sort"),
    (['study', 'list', '--sort', 'modality:up'], 'the order is asc or desc'),
    (['study', 'count', '--filter', 'x=like'], 'write field=condition:value'),
    (['study', 'get'], 'give a study'),
])
def test_bad_input_is_one_line_and_exit_2(ambra, demo, args, expected):
    result = ambra(*args)
    assert result.exit_code == 2, result
    assert result.stdout == ''
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith('ambra: error: ')
    assert expected in lines[0]
    assert 'Traceback' not in result.stderr


def test_unknown_study_is_a_server_error(ambra, demo):
    result = ambra('study', 'get', '00000000-0000-4000-8000-000000000bad')
    assert result.exit_code == 5
    assert result.stderr == 'ambra: error: NOT_FOUND (uuid): The study can not be found\n'
    missing_uid = ambra('study', 'get', '--study-uid', '1.2.3.999')
    assert missing_uid.exit_code == 5 and "no study with study UID '1.2.3.999'" in missing_uid.stderr


def test_rows_stream_across_pages(ambra, fresh):
    fresh.seed_studies(25)
    result = ambra('study', 'list', '--csv', '--fields', 'patientid', '--page-size', '4')
    rows = _csv(result.stdout)
    assert len(rows) == 25 and len({row['patientid'] for row in rows}) == 25
    limited = ambra('study', 'list', '--csv', '--fields', 'patientid', '--page-size', '4', '--limit', '9')
    assert len(_csv(limited.stdout)) == 9


def test_a_hostile_value_cannot_drive_the_terminal(ambra, demo):
    study = _csv(ambra('study', 'list', '--csv', '-f', 'modality=equals:CT').stdout)[0]
    hostile = 'EVIL\x1b]0;owned\x07\x1b[2J\tX\nY'
    assert ambra('call', 'Study', 'set', 'uuid=' + study['uuid'], 'study_description=' + hostile).exit_code == 0
    table = ambra('study', 'list', '-f', 'modality=equals:CT', '--fields', 'study_description')
    assert table.stdout.splitlines() == ['study_description', 'EVIL\\x1b]0;owned\\x07\\x1b[2J\\x09X\\x0aY']
    shown = ambra('study', 'get', study['uuid'], '--fields', 'study_description')
    assert '\x1b' not in shown.stdout
    as_csv = _csv(ambra('study', 'list', '-f', 'modality=equals:CT', '--fields', 'study_description', '--csv').stdout)
    assert as_csv[0]['study_description'] == hostile  # CSV and JSON keep the data as it is
