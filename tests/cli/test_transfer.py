"""``ambra study upload/download/schema`` and ``ambra image tags`` against the emulator."""

import json

import pytest

from tests.helpers.dicoms import write_dicoms

pytest.importorskip('pydicom')
pytestmark = pytest.mark.usefixtures('with_password')

IMAGE_UPLOAD = '/storage/namespace/*/image'


@pytest.fixture
def folder(tmp_path):
    """A folder of 4 DICOM files of one study and one file that is not DICOM."""
    path = tmp_path / 'in'
    write_dicoms(path, 4, patient_name='Cli^Patient')
    (path / 'notes.dcm').write_text('not a dicom file')
    return path


@pytest.fixture
def uploaded(ambra, fresh, folder, namespace_id):
    """The study of ``folder`` uploaded: its JSON summary."""
    result = ambra('study', 'upload', str(folder), '--namespace', namespace_id, '--json')
    assert result.exit_code == 0, result
    return json.loads(result.stdout)


def test_upload_summary_and_wait(ambra, fresh, folder, namespace_id):
    result = ambra('study', 'upload', str(folder), '-n', namespace_id, '--wait', '--workers', '3')
    assert result.exit_code == 0, result
    header, row = result.stdout.splitlines()  # piped: tab-separated, one row per study
    assert header == 'study_uuid\tstudy_uid\timages_sent\timages_stored'
    study_uuid, study_uid, sent, stored = row.split('\t')
    assert study_uid.startswith('1.2.') or study_uid.startswith('2.')
    assert (sent, stored) == ('4', '4')
    assert ('5 file(s): 4 uploaded, 1 skipped, 0 failed, into 1 study; the server shows 4 image(s) in it; '
            'ready.') in result.stderr
    assert 'notes.dcm: not a DICOM image' in result.stderr
    listed = ambra('study', 'list', '--csv', '--fields', 'uuid,image_count')
    assert listed.stdout.splitlines()[1] == '{0},4'.format(study_uuid)


def test_second_upload_skips_what_is_there(ambra, uploaded, folder, namespace_id):
    assert uploaded['uploaded'] == 4 and uploaded['failed'] == {}
    again = ambra('study', 'upload', str(folder), '-n', namespace_id, '--json')
    summary = json.loads(again.stdout)
    assert summary['uploaded'] == 0 and summary['study_uid'] == uploaded['study_uid']
    assert sorted(item['reason'] for item in summary['skipped']).count('already in the study') == 4


def test_failed_files_are_listed_and_exit_1(ambra, fresh, folder, namespace_id):
    fresh.faults.add(IMAGE_UPLOAD, status=500, times=2, method='POST')
    result = ambra('study', 'upload', str(folder), '-n', namespace_id, '--retries', '0', '--workers', '1')
    assert result.exit_code == 1, result
    assert '4 uploaded' not in result.stderr
    failed = [line for line in result.stderr.splitlines() if line.startswith('  failed ')]
    assert len(failed) == 2 and all('.dcm: ' in line for line in failed)


def test_upload_of_a_folder_without_dicom_is_bad_input(ambra, fresh, tmp_path, namespace_id):
    (tmp_path / 'empty').mkdir()
    result = ambra('study', 'upload', str(tmp_path / 'empty'), '-n', namespace_id)
    assert result.exit_code == 2 and result.stderr.startswith('ambra: error: ')
    missing = ambra('study', 'upload', str(tmp_path / 'nope'), '-n', namespace_id)
    assert missing.exit_code == 2 and 'does not exist' in missing.stderr


def test_download_is_resumable(ambra, uploaded, tmp_path, folder):
    out = tmp_path / 'out'
    first = ambra('study', 'download', uploaded['study_uid'], '--to', str(out))
    assert first.exit_code == 0, first
    study_dir = out / uploaded['study_uid']
    assert first.stdout.strip() == str(study_dir)
    files = sorted(study_dir.rglob('*.dcm'))
    assert len(files) == 4
    sources = {path.read_bytes() for path in folder.glob('img*.dcm')}
    assert {path.read_bytes() for path in files} == sources
    files[0].unlink()
    second = ambra('study', 'download', uploaded['study_uuid'], '--to', str(out), '--json')
    summary = json.loads(second.stdout)
    assert summary['downloaded'] == 1 and summary['already_there'] == 3 and summary['failed'] == {}


def test_download_zip(ambra, uploaded, tmp_path):
    import zipfile

    result = ambra('study', 'download', uploaded['study_uid'], '--to', str(tmp_path), '--zip')
    assert result.exit_code == 0, result
    path = tmp_path / '{0}.zip'.format(uploaded['study_uid'])
    assert result.stdout.strip() == str(path)
    with zipfile.ZipFile(path) as bundle:
        assert len([name for name in bundle.namelist() if name.endswith('.dcm')]) == 4


def test_download_failures_exit_1(ambra, uploaded, tmp_path, fresh):
    fresh.faults.add('/storage/study/*/*/image/*/version/*', status=500, times=1, method='GET')
    result = ambra('study', 'download', uploaded['study_uid'], '--to', str(tmp_path), '--retries', '0',
                   '--workers', '1')
    assert result.exit_code == 1, result
    assert '3 downloaded' in result.stderr and '1 failed' in result.stderr
    assert 'failed image ' in result.stderr


def test_schema_and_image_tags(ambra, uploaded):
    schema = json.loads(ambra('study', 'schema', uploaded['study_uid']).stdout)
    images = [image for series in schema['series'] for image in series['images']]
    assert len(images) == 4
    image_uid = images[0]['id']
    table = ambra('image', 'tags', uploaded['study_uuid'], image_uid)
    assert table.stdout.splitlines()[0] == 'tag\tname\tvr\tvalue'
    assert '(0008,0060)\tModality\tCS\tCT' in table.stdout.splitlines()
    named = ambra('image', 'tags', uploaded['study_uid'], image_uid, '--name', 'SOPInstanceUID', '--json')
    assert [tag['value'] for tag in json.loads(named.stdout)] == [image_uid]
    as_csv = ambra('image', 'tags', uploaded['study_uid'], image_uid, '--name', 'Modality', '--csv')
    assert as_csv.stdout.splitlines() == ['tag,group,element,vr,vl,name,value', '"(0008,0060)",8,96,CS,2,Modality,CT']
    missing = ambra('image', 'tags', uploaded['study_uid'], image_uid, '--name', 'NoSuchTag')
    assert missing.exit_code == 5 and 'no tag named NoSuchTag' in missing.stderr
    unknown = ambra('image', 'tags', uploaded['study_uid'], '1.2.3.4.404')
    assert unknown.exit_code == 5 and unknown.stderr.startswith('ambra: error: ')


def test_progress_bars_go_to_stderr(ambra, uploaded, tmp_path):
    pytest.importorskip('tqdm')
    result = ambra('--progress', 'study', 'download', uploaded['study_uid'], '--to', str(tmp_path))
    assert result.exit_code == 0, result
    assert '4/4' in result.stderr and result.stdout.strip() == str(tmp_path / uploaded['study_uid'])
    quiet = ambra('--no-progress', 'study', 'download', uploaded['study_uid'], '--to', str(tmp_path / 'q'))
    assert '4/4' not in quiet.stderr


def test_an_upload_stopped_by_a_permanent_error_lists_the_files_not_sent(ambra, fresh, folder, namespace_id):
    """Issue 25.4: after an error no retry can fix, the files never sent are reported, not silently dropped."""
    fresh.faults.add(IMAGE_UPLOAD, status=403, method='POST')
    result = ambra('study', 'upload', str(folder), '-n', namespace_id, '--retries', '0', '--workers', '1', '--json')
    assert result.exit_code == 1, result
    summary = json.loads(result.stdout)
    assert summary['uploaded'] == 0 and summary['complete'] is False and summary['stopped_by']
    assert len(summary['failed']) + len(summary['not_sent']) + len(summary['skipped']) == summary['total'] == 5
    assert summary['not_sent'] and not set(summary['not_sent']) & set(summary['failed'])
    assert 'not sent {0} file(s): the upload stopped at an error no retry can fix'.format(
        len(summary['not_sent'])) in result.stderr


def test_a_download_stopped_by_a_permanent_error_lists_the_images_not_fetched(ambra, uploaded, tmp_path, fresh):
    """Issue 25.4: after an error no retry can fix, the images never fetched are reported, not silently dropped."""
    fresh.faults.add('/storage/study/*/*/image/*/version/*', status=403, method='GET')
    result = ambra('study', 'download', uploaded['study_uid'], '--to', str(tmp_path), '--retries', '0',
                   '--workers', '1', '--json')
    assert result.exit_code == 1, result
    summary = json.loads(result.stdout)
    assert summary['downloaded'] == 0 and summary['stopped_by']
    assert len(summary['failed']) + len(summary['not_fetched']) == summary['images'] == 4
    assert summary['not_fetched']
    assert 'not fetched {0} image(s): the download stopped at an error no retry can fix'.format(
        len(summary['not_fetched'])) in result.stderr
