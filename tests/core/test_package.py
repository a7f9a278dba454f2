"""Package facts and the weight of ``import ambra_sdk.api``."""

import subprocess
import sys

import ambra_sdk


def test_versions():
    assert ambra_sdk.__version__ == '3.21.6.0-1'
    assert ambra_sdk.API_VERSION == 'LBL0022 v47.0 2021-06-30'
    assert ambra_sdk.MODELS_VERSION == ambra_sdk.API_VERSION
    assert ambra_sdk.STORAGE_VERSION == 'LBL0038 v16.0 2021-08-11'
    assert ambra_sdk.DOCS_URL.startswith('https://')


def test_newest_api_version_is_the_newest_generated_document():
    from ambra_sdk.service.spec import load_document

    assert ambra_sdk.NEWEST_API_VERSION == 'LBL0022 v55.0 2022-08-03'
    assert 'NEWEST_API_VERSION' in ambra_sdk.__all__
    documents = load_document()['documents']
    assert list(documents.values()) == [ambra_sdk.API_VERSION, ambra_sdk.NEWEST_API_VERSION]
    assert load_document()['document'] == ambra_sdk.API_VERSION


def test_import_api_is_light():
    code = (
        'import sys, ambra_sdk.api\n'
        'api = ambra_sdk.api.Api.with_sid("http://127.0.0.1:9/api/v3", "sid-1234")\n'
        'heavy = [m for m in sys.modules if m.split(".")[0] in '
        '("pydicom", "werkzeug", "tqdm", "aiohttp", "numpy", "zlib_ng")]\n'
        'generated = [m for m in sys.modules if ".generated" in m or m.startswith("ambra_sdk.models")]\n'
        'print(heavy, generated)\n'
    )
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == '[] []'


def test_namespaces_are_lazy_and_cached():
    from ambra_sdk.api import Api

    api = Api.with_sid('http://127.0.0.1:9/api/v3', 'sid-1234')
    assert 'Study' not in api.__dict__
    study = api.Study
    assert api.Study is study
    assert type(study).__name__ == 'Study'
