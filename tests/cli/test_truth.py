"""Issue 25.3: the command line tells the truth, through the installed ``ambra`` script against the emulator."""

import csv
import io
import json
import os
import socket
import time
import warnings

import pytest

from ambra_sdk.cli.study import DEFAULT_LIST_FIELDS
from tests.cli.conftest import run_on_terminal
from tests.helpers.dicoms import MALFORMED_VALUE, write_dicoms, write_malformed_dicoms
from tests.helpers.secret_guard import register_phi

pytest.importorskip('pydicom')
pytestmark = pytest.mark.usefixtures('with_password')


@pytest.fixture
def mixed(tmp_path):
    """A folder holding three studies (3, 2 and 4 images) and a file that is not DICOM."""
    folder = tmp_path / 'mixed'
    uids = []
    for name, count in (('a', 3), ('b', 2), ('c', 4)):
        paths = write_dicoms(folder / name, count, prefix=name)
        import pydicom

        uids.append((str(pydicom.dcmread(str(paths[0]), stop_before_pixels=True).StudyInstanceUID), count))
    (folder / 'readme.dcm').write_text('not DICOM')
    return folder, uids


def _stored(ambra_script):
    listed = ambra_script('study', 'list', '--csv', '--fields', 'uuid,study_uid,image_count')
    return {row['study_uid']: row for row in csv.DictReader(io.StringIO(listed.stdout))}


def test_a_folder_of_several_studies_reports_each_study_and_matches_the_server(ambra_script, fresh, mixed,
                                                                               namespace_id):
    folder, uids = mixed
    result = ambra_script('study', 'upload', str(folder), '-n', namespace_id)
    assert result.exit_code == 0, result
    rows = list(csv.DictReader(io.StringIO(result.stdout), delimiter='\t'))
    assert [(row['study_uid'], int(row['images_sent'])) for row in rows] == uids
    stored = _stored(ambra_script)
    for row in rows:
        assert stored[row['study_uid']]['uuid'] == row['study_uuid']
        assert stored[row['study_uid']]['image_count'] == row['images_stored'] == row['images_sent']
    assert '10 file(s): 9 uploaded, 1 skipped, 0 failed, into 3 studies; the server shows 9 image(s) in them' \
        in result.stderr
    assert '{0} held 3 studies: each is a row above.'.format(folder) in result.stderr
    as_json = json.loads(ambra_script('study', 'upload', str(folder), '-n', namespace_id, '--json').stdout)
    assert [study['study_uid'] for study in as_json['studies']] == [uid for uid, _ in uids]
    assert as_json['images_stored'] == 9 and as_json['complete'] is True
    assert as_json['studies'][0]['images_sent'] == 0  # the first study's images were there: skipped


def test_upload_dry_run_sends_nothing(ambra_script, fresh, mixed):
    folder, uids = mixed
    result = ambra_script('study', 'upload', str(folder), '--dry-run')
    assert result.exit_code == 0, result
    assert result.stdout.splitlines()[1:] == ['{0}\t{1}'.format(uid, count) for uid, count in uids]
    assert 'dry run: {0} would send 9 file(s) into 3 studies, skip 1; nothing was sent.'.format(folder) \
        in result.stderr
    assert ambra_script('study', 'count').stdout == '0\n'


def test_download_dry_run_writes_nothing(ambra_script, fresh, mixed, namespace_id, tmp_path):
    folder, uids = mixed
    assert ambra_script('study', 'upload', str(folder / 'a'), '-n', namespace_id).exit_code == 0
    target = tmp_path / 'out'
    result = ambra_script('study', 'download', uids[0][0], '--to', str(target), '--dry-run')
    assert result.exit_code == 0, result
    assert not target.exists()
    assert 'dry run: 3 image(s): 3 to download, 0 already there; nothing was written.' in result.stderr
    assert len(result.stdout.splitlines()) == 4
    zipped = ambra_script('study', 'download', uids[0][0], '--to', str(target), '--zip', '--dry-run', '--json')
    assert json.loads(zipped.stdout)['exists'] is False and not target.exists()


def test_study_list_default_columns_empty_csv_header_and_exclusive_formats(ambra_script, demo):
    table = ambra_script('study', 'list')
    assert table.stdout.splitlines()[0].split('\t') == list(DEFAULT_LIST_FIELDS)
    as_csv = ambra_script('study', 'list', '--csv')
    assert next(csv.reader(io.StringIO(as_csv.stdout))) == list(DEFAULT_LIST_FIELDS)
    every = json.loads(ambra_script('study', 'list', '--json', '--fields', '*').stdout)
    assert len(every[0]) > len(DEFAULT_LIST_FIELDS)
    empty = ambra_script('study', 'list', '--csv', '--filter', 'modality=equals:XX', '--fields', 'uuid,modality')
    assert empty.exit_code == 0 and empty.stdout == 'uuid,modality\n'
    assert ambra_script('study', 'list', '--json', '--filter', 'modality=equals:XX').stdout == '[]\n'
    both = ambra_script('study', 'list', '--csv', '--json')
    assert both.exit_code == 2 and 'Error: --csv and --json are mutually exclusive' in both.stderr


def test_tables_are_aligned_on_a_terminal(with_password, demo):
    result = run_on_terminal(['--no-rate-limits', 'study', 'list', '--fields', 'patient_name,modality',
                              '--sort', 'patient_name'], with_password)
    assert result.exit_code == 0, result
    assert result.stdout.splitlines() == [
        'patient_name  modality', 'DOE^JANE      CT', 'ROE^RICHARD   MR', 'SMITH^ANNA    US']


def test_whoami_and_namespace_list(ambra_script, fresh, emulator, namespace_id, monkeypatch):
    who = ambra_script('whoami')
    assert who.exit_code == 0, who
    assert who.stdout.splitlines()[0] == 'user: Emulator Admin <{0}> (00000000-0000-4000-8000-00000000a001)'.format(
        emulator.username)
    assert 'upload namespace: none: ambra study upload needs --namespace' in who.stdout
    monkeypatch.setenv('AMBRA_NAMESPACE', namespace_id)
    info = json.loads(ambra_script('whoami', '--json').stdout)
    assert info['upload_namespace'] == {'uuid': namespace_id, 'source': '$AMBRA_NAMESPACE'}
    assert {'uuid': namespace_id, 'name': 'Emulator Account', 'type': 'Account', 'upload_default': 'yes'} \
        in info['namespaces']
    listed = list(csv.DictReader(io.StringIO(ambra_script('namespace', 'list', '--csv').stdout)))
    assert [row['uuid'] for row in listed if row['upload_default'] == 'yes'] == [namespace_id]


def test_upload_uses_the_default_namespace_or_says_how_to_set_one(ambra_script, fresh, mixed, namespace_id,
                                                                  monkeypatch):
    folder, _ = mixed
    refused = ambra_script('study', 'upload', str(folder / 'b'))
    assert refused.exit_code == 2
    assert 'no namespace to upload into: pass --namespace NS, set AMBRA_NAMESPACE' in refused.stderr
    monkeypatch.setenv('AMBRA_NAMESPACE', namespace_id)
    assert ambra_script('study', 'upload', str(folder / 'b')).exit_code == 0


def test_quiet_keeps_data_and_drops_the_summary(ambra_script, fresh, mixed, namespace_id):
    folder, _ = mixed
    result = ambra_script('--quiet', 'study', 'upload', str(folder / 'a'), '-n', namespace_id)
    assert result.exit_code == 0 and result.stderr == ''
    assert len(result.stdout.splitlines()) == 2


def test_quiet_still_reports_errors_and_failed_rows(ambra_script, fresh, tmp_path):
    missing = ambra_script('-q', 'study', 'get', '00000000-0000-4000-8000-000000000bad')
    assert missing.exit_code == 5 and missing.stderr.startswith('ambra: error: NOT_FOUND')
    rows = tmp_path / 'rows.csv'
    rows.write_text('uuid,study_description\n00000000-0000-4000-8000-000000000bad,x\n')
    batch = ambra_script('-q', 'call', '--csv', str(rows), 'Study', 'set')
    assert batch.exit_code == 1 and batch.stderr.startswith('row 1: NOT_FOUND')
    assert 'row(s)' not in batch.stderr  # the summary is silenced


def test_shell_completion_scripts(ambra_script):
    for shell in ('bash', 'zsh', 'fish'):
        result = ambra_script(env={'_AMBRA_COMPLETE': shell + '_source'})
        assert result.exit_code == 0 and '_AMBRA_COMPLETE' in result.stdout, shell
    words = ambra_script(env={'_AMBRA_COMPLETE': 'bash_complete', 'COMP_WORDS': 'ambra stu', 'COMP_CWORD': '1'})
    assert 'plain,study' in words.stdout


@pytest.mark.filterwarnings('ignore:The PN component length')  # the in-process emulator reads the file too
def test_dicom_library_warnings_only_with_debug(ambra_script, fresh, tmp_path, namespace_id):
    import pydicom

    path = write_dicoms(tmp_path / 'odd', 1)[0]
    dataset = pydicom.dcmread(str(path))
    with warnings.catch_warnings():  # pydicom warns here too; the test is about the ambra process
        warnings.simplefilter('ignore')
        dataset.PatientName = 'A' * 100  # longer than PN allows: pydicom warns when it reads it
        dataset.save_as(str(path))
    quiet = ambra_script('study', 'upload', str(path.parent), '-n', namespace_id)
    assert quiet.exit_code == 0, quiet
    assert 'pydicom' not in quiet.stderr and 'Warning' not in quiet.stderr and 'exceeds' not in quiet.stderr
    loud = ambra_script('--debug', 'study', 'upload', str(path.parent), '-n', namespace_id, '--no-skip-existing')
    assert 'exceeds the maximum allowed length' in loud.stderr


@pytest.mark.filterwarnings('ignore:The PN component length', 'ignore:Invalid value for VR UI')  # in-process emulator
def test_debug_shows_dicom_library_warnings_without_the_values(ambra_script, fresh, tmp_path, namespace_id):
    register_phi(MALFORMED_VALUE)
    path = write_malformed_dicoms(tmp_path / 'malformed', 1, keyword='SOPInstanceUID')[0]  # the probe reads it
    loud = ambra_script('--debug', 'study', 'upload', str(path.parent), '-n', namespace_id)
    assert 'Invalid value for VR UI: ***' in loud.stderr, loud.stderr  # the warning (and its log record), masked
    assert MALFORMED_VALUE not in loud.stderr and MALFORMED_VALUE not in loud.stdout


def test_tls_to_a_plain_http_server_keeps_the_sdk_hint(ambra_script, fresh, emulator):
    result = ambra_script('--url', emulator.url.replace('http://', 'https://'), 'study', 'count')
    assert result.exit_code == 6, result
    assert 'the server speaks plain HTTP' in result.stderr
    assert "with ambra: --url http://... and --storage-base-url 'http://{engine_fqdn}/api/v3/storage'" \
        in result.stderr


def test_http_to_a_tls_server_keeps_the_server_hint(ambra_script):
    from ambra_sdk.emulator import Emulator

    with Emulator(tls=True) as secure:
        result = ambra_script('--url', secure.url.replace('https://', 'http://'), 'study', 'count',
                              env={'AMBRA_PASSWORD': secure.password})
    assert result.exit_code == 5, result
    assert 'speaks HTTPS' in result.stderr and 'use an https:// URL' in result.stderr



def test_an_untrusted_certificate_is_reported_whole(ambra_script):
    """The TLS reason keeps its words (and a host a certificate names), without OpenSSL's source position."""
    from ambra_sdk.emulator import Emulator

    with Emulator(tls=True) as secure:
        result = ambra_script('--url', secure.url, 'study', 'count',
                              env={'AMBRA_PASSWORD': secure.password, 'REQUESTS_CA_BUNDLE': '', 'SSL_CERT_FILE': ''})
    assert result.exit_code == 6, result  # unreachable (TLS)
    assert 'TLS error talking to the server ([SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ' \
        in result.stderr, result.stderr
    assert '_ssl.c' not in result.stderr and 'REQUESTS_CA_BUNDLE' in result.stderr


def test_the_tls_reason_keeps_the_host_a_certificate_names():
    from ambra_sdk.cli.reach import _short

    text = ('HTTPSConnectionPool(host=\'10.1.2.3\', port=443): Max retries exceeded with url: /api/v3/session/login '
            '(Caused by SSLError(SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify '
            'failed: IP address mismatch, certificate is not valid for \'10.1.2.3\'. (_ssl.c:1006)")))')
    assert _short(text) == ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: IP address mismatch, "
                            "certificate is not valid for '10.1.2.3'")


def test_an_unreachable_server_is_reported_within_the_connect_timeout(ambra_script):
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    backlog = []
    for _ in range(8):  # fill the accept queue: the kernel then drops new connection attempts
        client = socket.socket()
        client.setblocking(False)
        client.connect_ex(('127.0.0.1', port))
        backlog.append(client)
    try:
        started = time.monotonic()
        result = ambra_script('--connect-timeout', '1', '--url', 'http://127.0.0.1:{0}/api/v3'.format(port),
                              'study', 'count')
        elapsed = time.monotonic() - started
    finally:
        for client in backlog:
            client.close()
        listener.close()
    assert result.exit_code == 6, result
    assert result.stderr == 'ambra: error: cannot reach 127.0.0.1:{0}: no answer within the connect timeout ' \
        '(1 s); check the URL (--url, AMBRA_URL or the profile) and the network\n'.format(port)
    assert elapsed < 8, elapsed  # 1 s of connect timeout plus the interpreter's start


def test_the_ambra_script_is_the_one_on_path(ambra_script):
    from tests.cli.conftest import ambra_script_path

    assert os.access(ambra_script_path(), os.X_OK)
    assert ambra_script('--version').stdout.startswith('ambra, version ')
