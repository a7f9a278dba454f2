"""``ambra call``: any service method by name, and ``--csv`` batches (one call per row)."""

import csv
import io
import json

import pytest

from ambra_sdk.cli.batch import run_chunk

pytestmark = pytest.mark.usefixtures('with_password')


def _studies(ambra):
    return list(csv.DictReader(io.StringIO(ambra('study', 'list', '--csv', '--sort', 'patient_name').stdout)))


def test_call_a_method_with_generated_names(ambra, demo):
    study = _studies(ambra)[0]
    result = ambra('call', 'Study', 'get', 'uuid=' + study['uuid'])
    assert result.exit_code == 0, result
    assert json.loads(result.stdout)['study_uid'] == study['study_uid']
    lower = ambra('call', 'study', 'count', 'filter.modality.equals=CT')
    assert json.loads(lower.stdout) == {'count': 1}


def test_call_set_then_get(ambra, demo):
    study = _studies(ambra)[0]
    assert ambra('call', 'Study', 'set', 'uuid=' + study['uuid'], 'study_description=from the CLI').exit_code == 0
    got = json.loads(ambra('call', 'Study', 'get', 'uuid=' + study['uuid'], 'fields:=["study_description"]').stdout)
    assert got['study_description'] == 'from the CLI'


def test_call_all_streams_rows(ambra, fresh):
    fresh.seed_studies(7)
    result = ambra('call', 'Study', 'list', '--all', '--csv', '--page-size', '3', 'fields.study:=["patientid"]')
    assert result.exit_code == 0, result
    rows = result.stdout.splitlines()
    assert rows[0] == 'patientid' and len(rows) == 8
    limited = json.loads(ambra('call', 'Study', 'list', '--all', '--limit', '2').stdout)
    assert len(limited) == 2


@pytest.mark.parametrize(('args', 'expected'), [
    (['call', 'Study', 'get', 'foo=1'], "unknown parameter 'foo' of /study/get"),
    (['call', 'Study', 'get', 'uuid'], "bad argument 'uuid': write key=value"),
    (['call', 'Study', 'get', 'uuid:=[1'], 'not JSON'),
    (['call', 'Session', 'login'], 'missing required parameter(s) of /session/login: login'),
])
def test_bad_arguments_exit_2(ambra, demo, args, expected):
    result = ambra(*args)
    assert result.exit_code == 2, result
    assert expected in result.stderr and len(result.stderr.splitlines()) == 1


def test_unknown_namespace_or_method(ambra, demo):
    assert ambra('call', 'Nope', 'get').exit_code == 2
    assert ambra('call', 'Study', 'nope').exit_code == 2


def test_server_errors_exit_5(ambra, demo):
    result = ambra('call', 'Study', 'get', 'uuid=00000000-0000-4000-8000-000000000bad')
    assert result.exit_code == 5
    assert result.stderr == 'ambra: error: NOT_FOUND (uuid): The study can not be found\n'


def test_csv_batch_one_call_per_row_with_a_report(ambra, demo, tmp_path):
    studies = _studies(ambra)
    rows = tmp_path / 'rows.csv'
    with rows.open('w', newline='') as stream:
        writer = csv.writer(stream)
        writer.writerow(['uuid', 'study_description'])
        for number, study in enumerate(studies):
            writer.writerow([study['uuid'], 'batch {0}'.format(number)])
        writer.writerow(['00000000-0000-4000-8000-000000000bad', 'nope'])
        writer.writerow(['', 'no uuid'])
    report = tmp_path / 'failed.csv'
    result = ambra('call', '--csv', str(rows), '--report', str(report), '--chunk-size', '2', 'Study', 'set')
    assert result.exit_code == 1, result
    assert result.stderr.splitlines()[-1] == '5 row(s): 3 ok, 2 failed.'
    assert 'row 4: NOT_FOUND (uuid): The study can not be found' in result.stderr
    failed = list(csv.DictReader(report.open()))
    assert [row['row'] for row in failed] == ['4', '5']
    assert failed[0]['uuid'] == '00000000-0000-4000-8000-000000000bad'
    assert failed[1]['error'].startswith('MISSING_FIELDS')
    descriptions = ambra('study', 'list', '--csv', '--fields', 'study_description', '--sort', 'patient_name')
    assert descriptions.stdout.splitlines()[1:] == ['batch 0', 'batch 1', 'batch 2']


def test_csv_batch_constants_json_results_and_stdin(ambra, demo):
    studies = _studies(ambra)
    text = 'uuid\n' + ''.join(study['uuid'] + '\n' for study in studies)
    result = ambra('call', '--csv', '-', '--json', 'Study', 'set', 'study_description=same', input=text)
    assert result.exit_code == 0, result
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line['row'] for line in lines] == [1, 2, 3]
    counted = ambra('study', 'count', '-f', 'study_description=equals:same')
    assert counted.stdout == '3\n'


def test_csv_batch_unknown_column_stops_before_any_call(ambra, demo, tmp_path, emulator):
    rows = tmp_path / 'rows.csv'
    rows.write_text('uuid,bogus\nx,y\n')
    emulator.requests_log.clear()
    result = ambra('call', '--csv', str(rows), 'Study', 'set')
    assert result.exit_code == 2
    assert "CSV column: unknown parameter 'bogus'" in result.stderr
    assert not [entry for entry in emulator.requests_log if entry.path.endswith('/study/set')]


class _Item:
    def __init__(self, outcome):
        self.ok = not isinstance(outcome, Exception)
        self._outcome = outcome
        self.error = None if self.ok else outcome

    def result(self):
        if not self.ok:
            raise self._outcome
        return self._outcome


class _BundleApi:
    """Stands for an Api with the agreed ``bundle()`` (docs: /work/issues/BUNDLE_API.md)."""

    def __init__(self):
        self.calls = []

    def bundle(self, chunk_size=100, workers=1):
        api = self

        class _Bundle:
            def run(self, queries):
                api.calls.append((chunk_size, workers, list(queries)))
                return [_Item(ValueError('bad') if query == 'fail' else {'ok': query}) for query in queries]

        return _Bundle()


def test_run_chunk_uses_the_bundle_when_the_api_has_one():
    api = _BundleApi()
    outcomes = run_chunk(api, ['a', 'fail', 'b'], 50, 2)
    assert api.calls == [(50, 2, ['a', 'fail', 'b'])]
    assert outcomes[0] == (True, {'ok': 'a'}) and outcomes[2] == (True, {'ok': 'b'})
    assert outcomes[1][0] is False and isinstance(outcomes[1][1], ValueError)


def test_secret_parameters_come_from_stdin_not_from_the_arguments(ambra, fresh, emulator):
    refused = ambra('call', 'Session', 'login', 'login=' + emulator.username, 'password=' + 'Some-Passw0rd')
    assert refused.exit_code == 2 and 'password is a secret' in refused.stderr
    result = ambra('call', 'Session', 'login', 'login=' + emulator.username, 'password=-',
                   input=emulator.password + '\n')
    assert result.exit_code == 0, result
    assert json.loads(result.stdout)['sid'] == '***'  # no secret in any output


def test_csv_batch_stops_when_the_server_is_gone(ambra, demo, tmp_path, monkeypatch):
    import socket

    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv('AMBRA_URL', 'http://127.0.0.1:{0}/api/v3'.format(port))
    rows = tmp_path / 'rows.csv'
    rows.write_text('uuid\n' + 'a\n' * 50)
    result = ambra('call', '--csv', str(rows), 'Study', 'get')
    assert result.exit_code == 6, result
    # the connect probe finds the server gone before the first row is sent
    assert result.stderr.splitlines() == [
        'ambra: error: cannot reach 127.0.0.1:{0}: connection refused (nothing listens on that port); check the '
        'URL (--url, AMBRA_URL or the profile) and the network'.format(port)]
