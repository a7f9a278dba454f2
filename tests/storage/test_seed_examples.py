"""The ``::`` examples of docs/source/storage_api.rst, run against the emulator.

The examples are read from the page itself, so the page and this test cannot
drift apart. (The page's doctest blocks run in ``sphinx-build -b doctest``.)
"""

import contextlib
import io
import re
import textwrap
import zipfile
from pathlib import Path
from typing import Dict, List

import pytest
from box import Box
from requests import Response

PAGE = Path(__file__).resolve().parents[2] / 'docs' / 'source' / 'storage_api.rst'

pydicom_data = pytest.importorskip('pydicom.data')
pytest.importorskip('werkzeug')


def literal_blocks(text: str) -> Dict[str, List[str]]:
    """Section title -> the ``::`` literal blocks of that section, in order."""
    lines = text.splitlines()
    blocks: Dict[str, List[str]] = {}
    section = ''
    index = 0
    while index < len(lines):
        line = lines[index]
        if index + 1 < len(lines) and re.fullmatch(r'\^{3,}', lines[index + 1].strip() or 'x') and line.strip():
            section = line.strip()
        if line.rstrip().endswith('::') and not line.lstrip().startswith('..'):
            body = []
            index += 1
            while index < len(lines) and (not lines[index].strip() or lines[index].startswith(' ')):
                body.append(lines[index])
                index += 1
            blocks.setdefault(section, []).append(textwrap.dedent('\n'.join(body)).strip('\n'))
            continue
        index += 1
    return blocks


BLOCKS = literal_blocks(PAGE.read_text(encoding='utf-8'))


def test_page_has_every_seed_example():
    for section in ('image_json method', 'json method', 'Box result', 'Retries', 'Headers'):
        assert BLOCKS.get(section), section
    assert 'allowed_methods' in BLOCKS['Retries'][0]
    assert 'method_whitelist=' not in BLOCKS['Retries'][0]


#: Section -> how many ``::`` examples of it the tests below run. The page says
#: so (``.. examples-run-by:``), and tests/docs/test_examples_run.py trusts it.
RUN_HERE = {
    'image_json method': 1, 'json method': 1, 'Box result': 1, 'Retries': 1, 'Headers': 1, 'Errors': 1,
    'Downloading big files': 3,
}


def test_every_literal_example_of_the_page_is_run_here():
    assert {section: len(blocks) for section, blocks in BLOCKS.items()} == RUN_HERE


@pytest.fixture
def namespace(request):
    emulator = request.getfixturevalue('emulator')
    api = request.getfixturevalue('api')
    storage_namespace = api.Session.user().get().namespace_id
    with open(pydicom_data.get_testdata_file('CT_small.dcm'), 'rb') as opened:
        uploaded = api.Storage.Image.upload(emulator.engine_fqdn, storage_namespace, opened)
    return {
        'api': api,
        'engine_fqdn': emulator.engine_fqdn,
        'storage_namespace': storage_namespace,
        'study_uid': uploaded.study_uid,
        'image': {'id': uploaded.image_uid, 'version': uploaded.image_version},
        'Box': Box,
        'Response': Response,
    }


def run(block: str, namespace: dict) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, str(PAGE), 'exec'), namespace)  # noqa: S102 (the documentation's own example)
    return out.getvalue()


GROUP_2 = [
    'FileMetaInformationVersion', 'MediaStorageSOPClassUID', 'MediaStorageSOPInstanceUID', 'TransferSyntaxUID',
    'ImplementationClassUID', 'ImplementationVersionName', 'SourceApplicationEntityTitle',
]


def test_image_json_example(namespace):
    printed = run(BLOCKS['image_json method'][0], namespace)
    assert printed.splitlines() == GROUP_2 + ['GE MEDICAL SYSTEMS']


def test_json_example(namespace):
    printed = run(BLOCKS['json method'][0], namespace)
    assert printed.splitlines() == GROUP_2 + ['GE MEDICAL SYSTEMS']


def test_box_result_example(namespace):
    run(BLOCKS['Box result'][0], namespace)
    assert type(namespace['schema']) is Response


def test_retries_example(namespace):
    run(BLOCKS['Retries'][0], namespace)
    api = namespace['api']
    adapter = api.storage_session.get_adapter(namespace['some_method_url'])
    assert adapter is namespace['adapter']
    assert adapter.max_retries.total == 10
    assert {'GET', 'DELETE', 'POST'} == set(adapter.max_retries.allowed_methods)
    assert type(api.Storage.Study.schema(
        namespace['engine_fqdn'], namespace['storage_namespace'], namespace['study_uid'],
    )) is Box


def test_headers_example(namespace):
    api = namespace['api']
    sent = []
    api.storage_session.hooks['response'].append(lambda response, **kw: sent.append(response.request.headers))
    run(BLOCKS['Headers'][0], namespace)
    api.Storage.Study.count(namespace['engine_fqdn'], namespace['storage_namespace'], namespace['study_uid'])
    assert sent[-1]['Golbal-header'] == 'value'
    assert sent[-1]['Storage-specific-header'] == 'value'


def test_errors_example(namespace):
    printed = run(BLOCKS['Errors'][0], namespace)
    assert printed.startswith('STUDY_NOT_FOUND 404')


def test_big_files_examples(namespace, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = BLOCKS['Downloading big files']
    assert len(blocks) == 3
    run(blocks[0], namespace)
    with zipfile.ZipFile(tmp_path / 'study.zip') as archive:
        assert archive.namelist()
    printed = run(blocks[1], namespace)
    size = (tmp_path / 'image.dcm').stat().st_size
    assert size > 0
    assert printed.splitlines()[-1] == '{0} of {0}'.format(size)
    (tmp_path / 'study.zip').unlink()
    run(blocks[2], namespace)
    assert zipfile.is_zipfile(tmp_path / 'study.zip')
    assert sorted(p.name for p in tmp_path.iterdir()) == ['image.dcm', 'study.zip']
