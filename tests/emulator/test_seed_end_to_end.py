"""Issue 22 point 8: the ``--seed`` studies work end to end, over real sockets, as a new user tries them.

One ``python -m ambra_sdk.emulator --seed`` process (the command a user types)
serves every test of the module: the README's example as written prints rows,
and each seeded study has real images (schema, image JSON, download, and the
CLI's ``ambra study download``).
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from typing import Any, Dict, Iterator

import pytest

from ambra_sdk.emulator.seed import (
    ADMIN_DEMO_STUDIES,
    DEMO_IMAGES,
    DEMO_STUDIES,
    NAMESPACE_UUID,
    USER_NAMESPACE_UUID,
    demo_study_uid,
)
from tests.helpers.processes import ROOT, child_env, stop
from tests.helpers.readme import README_URL, readme_example

pytest.importorskip('pydicom')


_env = child_env


@pytest.fixture(scope='module')
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, str]]:
    """A ``--seed`` emulator process; its banner's url, username, password and storage_base_url."""
    proc = subprocess.Popen(
        [sys.executable, '-m', 'ambra_sdk.emulator', '--port', '0', '--seed', '--processing-delay', '0.5',
         '--data', str(tmp_path_factory.mktemp('seeded'))],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
    )
    try:
        assert proc.stdout is not None
        banner = {'url': proc.stdout.readline().split()[-1]}
        for line in iter(proc.stdout.readline, ''):
            if line.startswith('Press Ctrl-C'):
                break
            key, _, value = line.strip().partition(': ')
            banner[key] = value
        assert banner['processing_delay'].startswith('0.5 s')
        yield banner
    finally:
        stop(proc)


@pytest.fixture
def api(seeded: Dict[str, str]) -> Iterator[Any]:
    from ambra_sdk.api import Api

    client = Api.with_creds(seeded['url'], seeded['username'], seeded['password'],
                            storage_base_url=seeded['storage_base_url'], rate_limits=None)
    yield client
    client.logout()


def test_the_readme_example_as_written_prints_rows(seeded, tmp_path):
    code = readme_example(seeded['username'], seeded['password'])
    assert README_URL in code
    script = tmp_path / 'readme_example.py'
    script.write_text(code.replace(README_URL, seeded['url']), encoding='utf-8')
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=_env(), timeout=120)
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines()]
    first = len(DEMO_STUDIES) + 1
    expected = [[demo_study_uid(number), str(DEMO_IMAGES)] for number in range(first, first + len(ADMIN_DEMO_STUDIES))]
    assert rows == expected and rows


SEEDED = [(NAMESPACE_UUID, row) for row in DEMO_STUDIES] + [(USER_NAMESPACE_UUID, row) for row in ADMIN_DEMO_STUDIES]


@pytest.mark.parametrize('number', range(1, len(SEEDED) + 1))
def test_each_seeded_study_has_real_images(api, number):
    from pydicom import dcmread

    namespace, (patient, patient_id, modality) = SEEDED[number - 1][0], SEEDED[number - 1][1][:3]
    study_uid = demo_study_uid(number)
    study = api.Study.get(study_uid=study_uid, storage_namespace=namespace).get()
    assert (study.image_count, study.modality, study.patient_name) == (DEMO_IMAGES, modality, patient)
    engine = study.engine_fqdn
    schema = api.Storage.Study.schema(engine, namespace, study_uid)
    images = schema.series[0].images
    assert len(images) == DEMO_IMAGES
    tags = api.Storage.Study.image_json(engine, namespace, study_uid, images[0].id, images[0].version)
    assert tags.tag_by_name('PatientID').value == patient_id
    assert tags.tag_by_name('Modality').value == modality
    body = api.Storage.Image.dicom_payload(engine, namespace, study_uid, images[0].id, images[0].version).content
    dataset = dcmread(io.BytesIO(body))
    assert (dataset.StudyInstanceUID, str(dataset.PatientName)) == (study_uid, patient)
    assert dataset.pixel_array.shape[0] > 0  # a real image, pixels included
    archive = api.Storage.Study.download(engine, namespace, study_uid, bundle='dicom').content
    assert len(zipfile.ZipFile(io.BytesIO(archive)).namelist()) >= DEMO_IMAGES


def test_the_cli_downloads_a_seeded_study(seeded, tmp_path):
    from pydicom import dcmread

    study_uid = demo_study_uid(1)
    home = tmp_path / 'home'
    home.mkdir()
    env = _env(AMBRA_URL=seeded['url'], AMBRA_USERNAME=seeded['username'], AMBRA_PASSWORD=seeded['password'],
               AMBRA_STORAGE_BASE_URL=seeded['storage_base_url'], AMBRA_CONFIG_DIR=str(tmp_path / 'config'),
               HOME=str(home), PYTHON_KEYRING_BACKEND='tests.cli.fake_keyring.FileKeyring',
               AMBRA_TEST_KEYRING_FILE=str(tmp_path / 'keyring.json'))
    done = subprocess.run(
        [sys.executable, '-m', 'ambra_sdk', '--no-rate-limits', 'study', 'download', study_uid, '--to',
         str(tmp_path / 'out')],
        capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert '{0} image(s): {0} downloaded'.format(DEMO_IMAGES) in done.stdout + done.stderr
    files = sorted((tmp_path / 'out' / study_uid).rglob('*.dcm'))
    assert len(files) == DEMO_IMAGES
    assert {str(dcmread(str(path)).PatientName) for path in files} == {DEMO_STUDIES[0][0]}
    assert seeded['password'] not in done.stdout + done.stderr
