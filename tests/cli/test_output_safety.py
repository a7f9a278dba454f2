"""Issue 24.2: the command line's output is safe for terminals and spreadsheets (adversarial).

A hostile server (a loopback script server) answers values holding terminal
escape sequences and spreadsheet formulas; the real ``ambra`` script prints
them piped, on a pseudo-terminal, as CSV, raw CSV and JSON. Pure parts of the
writer are checked on a StringIO.
"""

import csv
import io
import json

import pytest

from ambra_sdk.cli.output import FORMULA_STARTS, RowWriter, neutralise_formula
from tests.cli.conftest import run_on_terminal, run_script
from tests.hardening.servers import SID, Reply, ScriptServer

UUID = '00000000-0000-4000-8000-0000000000e1'
#: A study whose texts retitle the terminal, clear it, ring the bell, and run formulas in a spreadsheet.
EVIL = {
    'uuid': UUID,
    'study_uid': '1.2.3',
    'patient_name': '\x1b]0;owned\x07\x1b[2JDOE\x9b31m',
    'patientid': '=HYPERLINK("http://evil.example","click")',
    'modality': '+CT',
    'study_date': '-1+1',
    'accession_number': '@SUM(A1:A9)',
    'image_count': -1,
    'storage_namespace': '\tNS\r',
}
RAW_CONTROLS = ('\x1b', '\x07', '\x9b', '\r')


def _script(method, target):
    if '/study/list' in target:
        return Reply(body=json.dumps({'status': 'OK', 'studies': [EVIL], 'page': {'rows': 1000, 'more': 0}}).encode())
    if '/study/get' in target:
        return Reply(body=json.dumps(dict(EVIL, status='OK')).encode())
    if '/study/count' in target:
        return Reply(status=412, body=json.dumps({'status': 'ERROR', 'error_type': 'NOT_FOUND\x1b[31m',
                                                   'error_subtype': 'uuid\x1b]0;x\x07'}).encode())
    return Reply(body=b'{"status": "OK"}')


@pytest.fixture
def hostile(tmp_path):
    """Environment pointing the CLI at a hostile server, with a sid (no login)."""
    server = ScriptServer(_script)
    server.__enter__()
    yield {'AMBRA_URL': server.url, 'AMBRA_SID': SID, 'AMBRA_CONFIG_DIR': str(tmp_path / 'config'),
           'AMBRA_NO_KEYRING': '1', 'AMBRA_STORAGE_BASE_URL': 'http://{engine_fqdn}/api/v3/storage'}
    server.__exit__(None, None, None)


def _no_raw_controls(text):
    found = [char for char in RAW_CONTROLS if char in text]
    assert not found, 'raw control characters reached the output: {0!r}'.format(found)


def test_piped_table_escapes_controls_and_keeps_one_row_per_line(hostile):
    result = run_script(['study', 'list'], hostile)
    assert result.exit_code == 0, result
    _no_raw_controls(result.stdout)
    header, row = result.stdout.splitlines()
    assert header.count('\t') == row.count('\t') == 8  # a tab inside a value does not make a column
    assert '\\x1b]0;owned\\x07\\x1b[2JDOE\\x9b31m' in row and '\\x09NS\\x0d' in row


def test_terminal_table_is_aligned_and_escaped(hostile):
    result = run_on_terminal(['--no-rate-limits', 'study', 'list', '--fields', 'uuid,patient_name,modality'],
                             hostile)
    assert result.exit_code == 0, result
    _no_raw_controls(result.stdout.replace('\n', ''))
    header, row = [line for line in result.stdout.splitlines() if line.strip()]
    assert '\t' not in header and '\t' not in row
    assert header.index('patient_name') == row.index('\\x1b]0;owned')  # columns line up
    assert header.split() == ['uuid', 'patient_name', 'modality']


def test_csv_neutralises_formulas_and_raw_csv_keeps_them(hostile):
    neutral = run_script(['study', 'list', '--csv'], hostile)
    assert neutral.exit_code == 0, neutral
    row = next(csv.DictReader(io.StringIO(neutral.stdout)))
    assert row['patientid'] == "'" + EVIL['patientid']
    assert row['modality'] == "'+CT" and row['study_date'] == "'-1+1" and row['accession_number'] == "'@SUM(A1:A9)"
    assert row['storage_namespace'].startswith("'\tNS")  # (text mode reads the \r as a new line)
    assert row['image_count'] == '-1'  # a number is not a formula
    assert row['patient_name'] == EVIL['patient_name']  # piped CSV is for files and programs: kept
    raw = run_script(['study', 'list', '--raw-csv'], hostile)
    raw_row = next(csv.DictReader(io.StringIO(raw.stdout)))
    assert {key: raw_row[key] for key in ('patientid', 'modality', 'study_date', 'accession_number')} == {
        key: EVIL[key] for key in ('patientid', 'modality', 'study_date', 'accession_number')}


def test_csv_on_a_terminal_escapes_controls(hostile):
    result = run_on_terminal(['--no-rate-limits', 'study', 'list', '--csv'], hostile)
    assert result.exit_code == 0, result
    _no_raw_controls(result.stdout.replace('\n', ''))
    assert "'=HYPERLINK" in result.stdout and '\\x1b]0;owned' in result.stdout


def test_json_escapes_controls_and_keeps_the_values(hostile):
    result = run_script(['study', 'list', '--json'], hostile)
    assert result.exit_code == 0, result
    _no_raw_controls(result.stdout)
    assert json.loads(result.stdout)[0]['patient_name'] == EVIL['patient_name']


def test_study_get_text_and_server_error_messages_are_escaped(hostile):
    shown = run_script(['study', 'get', UUID], hostile)
    assert shown.exit_code == 0, shown
    _no_raw_controls(shown.stdout)
    assert 'patient_name: \\x1b]0;owned' in shown.stdout
    failed = run_script(['study', 'count'], hostile)
    assert failed.exit_code == 5, failed
    _no_raw_controls(failed.stderr)
    assert failed.stderr.startswith('ambra: error: NOT_FOUND\\x1b[31m (uuid\\x1b]0;x\\x07)')


def test_file_names_in_upload_messages_are_escaped(ambra_script, with_password, fresh, tmp_path, namespace_id):
    folder = tmp_path / 'in'
    folder.mkdir()
    (folder / 'evil\x1b]0;owned\x07.dcm').write_text('not DICOM')
    result = ambra_script('study', 'upload', str(folder), '-n', namespace_id)
    assert result.exit_code == 2, result  # no DICOM file at all
    _no_raw_controls(result.stderr)
    dry = ambra_script('study', 'upload', str(folder), '--dry-run')
    assert dry.exit_code == 0, dry
    _no_raw_controls(dry.stderr)
    assert 'evil\\x1b]0;owned\\x07.dcm' in dry.stderr


def test_usage_errors_quoting_a_file_name_are_escaped(ambra_script, with_password, tmp_path):
    result = ambra_script('study', 'upload', str(tmp_path / 'gone\x1b]0;owned\x07'), '-n', 'x')
    assert result.exit_code == 2, result
    _no_raw_controls(result.stderr)
    assert 'gone\\x1b]0;owned\\x07' in result.stderr


def _run_bytes(args, env):
    """The installed ``ambra`` script with ``args`` given as bytes; its exit code and raw stderr."""
    import os
    import subprocess

    from tests.cli.conftest import ROOT, ambra_script_path

    full_env = dict(os.environ, **env, PYTHONPATH=str(ROOT))
    done = subprocess.run([os.fsencode(ambra_script_path()), b'--no-rate-limits', *args], capture_output=True,
                          env=full_env, cwd=str(ROOT), timeout=120)
    return done.returncode, done.stderr


@pytest.mark.parametrize(('args', 'named'), [
    ([b'study', b'get', b'1.2\xff\x1b[2J'], "argument STUDY '1.2\\xff\\x1b[2J' is not UTF-8 text"),
    ([b'study', b'list', b'--filter', b'patient_name=like:\xc3('], "option --filter 'patient_name=like:\\xc3(' is not"),
    ([b'call', b'Study', b'get', b'uuid=\xffab'], "argument 'uuid=\\xffab' is not UTF-8 text"),
    ([b'call', b'Session', b'login', b'password=\xffHunter2'], "argument 'password=***' is not UTF-8 text"),
    ([b'--profile', b'\xfe', b'study', b'count'], "option --profile '\\xfe' is not UTF-8 text"),
])
def test_an_argument_that_is_not_utf8_is_named_and_escaped(with_password, fresh, args, named):
    code, stderr = _run_bytes(args, with_password)
    assert code == 2, stderr
    assert stderr.isascii() and b'\x1b' not in stderr and b'Hunter2' not in stderr, stderr  # no raw byte echoed
    text = stderr.decode('ascii')
    assert text.startswith('ambra: error: ' + named) and text.count('\n') == 1, text
    assert text.rstrip().endswith('write it in UTF-8 (bytes that are not, and control characters, are shown as \\xNN)')


def test_an_unknown_command_that_is_not_utf8_is_shown_as_bytes(with_password):
    code, stderr = _run_bytes([b'study', b'\xff'], with_password)
    assert code == 2 and stderr.isascii(), stderr
    assert "No such command '\\xff'." in stderr.decode('ascii')


def test_a_folder_name_that_is_not_utf8_is_a_file_name(with_password, fresh, tmp_path, namespace_id):
    """File and folder arguments may be any bytes (no refusal): the upload reads them."""
    import os
    from pathlib import Path

    from tests.helpers.dicoms import write_dicoms

    folder = os.path.join(os.fsencode(str(tmp_path)), b'caf\xe9')
    write_dicoms(Path(os.fsdecode(folder)), 1)
    code, stderr = _run_bytes([b'study', b'upload', folder, b'-n', namespace_id.encode()], with_password)
    assert code == 0, stderr
    assert stderr.isascii(), stderr


@pytest.mark.parametrize('start', FORMULA_STARTS)
def test_every_formula_start_is_neutralised(start):
    assert neutralise_formula(start + 'x') == "'" + start + 'x'
    assert neutralise_formula('x' + start) == 'x' + start


def test_empty_csv_result_still_writes_its_header():
    for output_format, expected in (('csv', 'a,b\n'), ('raw-csv', 'a,b\n'), ('json', '[]\n'), ('table', 'a\tb\n')):
        stream = io.StringIO()
        writer = RowWriter(stream, output_format, ['a', 'b'])
        writer.close()
        assert stream.getvalue() == expected, output_format


def test_one_writer_prints_everything():
    """No module of the command line but ``output`` writes to a stream itself."""
    import re
    from pathlib import Path

    import ambra_sdk.cli

    writes = re.compile(r'click\.echo|click\.secho|\bprint\(|(stdout|stderr)\.write|'
                        r'(?<!is_terminal\()text_stream\([\'"]std(out|err)|'
                        r'StreamHandler\(|basicConfig\((?!.*handlers=)')
    offenders = {
        path.name: [line for line in path.read_text().splitlines() if writes.search(line)]
        for path in Path(ambra_sdk.cli.__file__).parent.glob('*.py') if path.name not in ('output.py', 'streams.py')
    }
    assert {name: lines for name, lines in offenders.items() if lines} == {}


def test_debug_log_records_go_through_the_writer(capsys):
    """``--debug`` (issue 24.2): a log record quoting a server or a file cannot drive the terminal."""
    import logging

    from ambra_sdk.cli.output import DebugLogHandler

    logger = logging.getLogger('ambra_sdk.tests.debug_writer')
    handler = DebugLogHandler()
    handler.setFormatter(logging.Formatter('%(levelname)s %(name)s: %(message)s'))
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning('answer %s', '\x1b]0;owned\x07\x1b[2Jname')
    finally:
        logger.removeHandler(handler)
    err = capsys.readouterr().err
    assert '\x1b' not in err and '\x07' not in err
    assert err == 'WARNING ambra_sdk.tests.debug_writer: answer \\x1b]0;owned\\x07\\x1b[2Jname\n'
