"""Order of precedence of the storage URL template (docs/source/storage_api.rst)."""

from __future__ import annotations

import io

import pytest

from ambra_sdk.api import Api
from ambra_sdk.api.api import DEFAULT_STORAGE_BASE_URL
from ambra_sdk.storage.storage import Storage


def _url(api: Api) -> str:
    return api.Storage.Study.phi('h', 'ns', 'st', only_prepare=True).url


@pytest.fixture
def class_template(monkeypatch):
    monkeypatch.setattr(Storage, 'STORAGE_BASE_URL', 'http://{engine_fqdn}/from-class')


def test_default_template():
    api = Api.with_sid('http://127.0.0.1:9/api/v3', 'S', rate_limits=None)
    assert _url(api) == 'https://h/api/v3/storage/study/ns/st/phi'
    assert api.Storage.base_url_template() == DEFAULT_STORAGE_BASE_URL


def test_class_attribute_reaches_every_api(class_template):
    first = Api.with_sid('http://127.0.0.1:9/api/v3', 'S', rate_limits=None)
    second = Api.with_sid('http://127.0.0.1:9/api/v3', 'S', rate_limits=None)
    second.Storage  # noqa: B018 - made before and after the assignment alike
    assert _url(first) == 'http://h/from-class/study/ns/st/phi'
    assert _url(second) == 'http://h/from-class/study/ns/st/phi'


def test_explicit_api_argument_wins_over_the_class(class_template):
    api = Api.with_sid('http://127.0.0.1:9/api/v3', 'S', rate_limits=None, storage_base_url='http://{engine_fqdn}/own')
    assert _url(api) == 'http://h/own/study/ns/st/phi'
    api.storage_base_url = 'http://{engine_fqdn}/assigned'
    assert _url(api) == 'http://h/assigned/study/ns/st/phi'


def test_instance_assignment_wins_over_everything(class_template):
    api = Api.with_sid('http://127.0.0.1:9/api/v3', 'S', rate_limits=None, storage_base_url='http://{engine_fqdn}/own')
    api.Storage.STORAGE_BASE_URL = 'http://{engine_fqdn}/instance'
    assert _url(api) == 'http://h/instance/study/ns/st/phi'
    other = Api.with_sid('http://127.0.0.1:9/api/v3', 'S', rate_limits=None)
    assert _url(other) == 'http://h/from-class/study/ns/st/phi'


def test_class_attribute_against_the_emulator(emulator, monkeypatch):
    """The published SDK's way to reach a plain-HTTP storage: assign the class attribute."""
    pydicom = pytest.importorskip('pydicom')
    from tests.helpers.dicoms import dicom_bytes

    monkeypatch.setattr(Storage, 'STORAGE_BASE_URL', 'http://{engine_fqdn}/api/v3/storage')
    emulator.reset()
    api = Api.with_creds(emulator.url, emulator.username, emulator.password, rate_limits=None)
    body = dicom_bytes()
    study_uid = str(pydicom.dcmread(io.BytesIO(body)).StudyInstanceUID)
    api.Storage.Image.upload(emulator.engine_fqdn, emulator.namespace_id, io.BytesIO(body))
    schema = api.Storage.Study.schema(emulator.engine_fqdn, emulator.namespace_id, study_uid)
    assert schema['study_uid'] == study_uid
    api.logout()
