"""``mypy --strict`` on a user script sees the result types of the six methods added from the vendor's later API."""

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent('''
    from ambra_sdk.api import Api

    api = Api.with_sid('https://x/api/v3', 'sid')
    image = api.Storage.Image
    study = api.Storage.Study
    reveal_type(image.multipart_initiate('e'))
    reveal_type(image.multipart_initiate('e', use_box=False))
    reveal_type(image.multipart_initiate('e', only_prepare=True))
    reveal_type(image.multipart_chunk_upload('e', 'u', b'x', 0))
    reveal_type(image.multipart_chunk_upload('e', 'u', b'x', 0, only_prepare=True))
    reveal_type(image.multipart_complete('e', 'n', 'u', 1))
    reveal_type(image.multipart_complete('e', 'n', 'u', 1, study_uid='1', only_prepare=True))
    reveal_type(study.study_dicomweb('e', 'n', 's'))
    reveal_type(study.study_dicomweb('e', 'n', 's', use_box=False))
    reveal_type(study.series_dicomweb('e', 'n', 's', 'r', only_prepare=True))
    reveal_type(study.image_dicomweb('e', 'n', 's', 'r', 'i', phi_namespace='p'))
    reveal_type(study.image_dicomweb('e', 'n', 's', 'r', 'i', use_box=False))
''')

EXPECTED = [
    'box.box.Box', 'requests.models.Response', 'ambra_sdk.storage.request.PreparedRequest',
    'requests.models.Response', 'ambra_sdk.storage.request.PreparedRequest',
    'requests.models.Response', 'ambra_sdk.storage.request.PreparedRequest',
    'box.box_list.BoxList', 'requests.models.Response', 'ambra_sdk.storage.request.PreparedRequest',
    'box.box.Box', 'requests.models.Response',
]


def test_strict_user_script_sees_the_overloads(tmp_path):
    pytest.importorskip('mypy')
    script = tmp_path / 'user_script.py'
    script.write_text(SCRIPT)
    result = subprocess.run(
        [sys.executable, '-m', 'mypy', '--strict', '--no-error-summary', '--cache-dir', str(tmp_path / 'cache'),
         str(script)],
        cwd=str(ROOT), capture_output=True, text=True, timeout=900,
    )
    revealed = re.findall(r'Revealed type is "([^"]+)"', result.stdout)
    assert revealed == EXPECTED, result.stdout[-3000:]
    # the user's script must type-check; the package's own strictness is checked by the lint test
    errors = [line for line in result.stdout.splitlines() if ': error:' in line and 'user_script.py' in line]
    assert not errors, errors
