"""Fixtures of the storage emulator tests: a clean emulator and a plain-requests client."""

from __future__ import annotations

from typing import Any, Dict, Iterator, Optional

import pytest
import requests

from ambra_sdk.exceptions.storage import STORAGE_ERRORS

pytest.importorskip('pydicom')
pytest.importorskip('werkzeug')

#: pydicom test files shipped inside the wheel (never downloaded).
LOCAL_FILES = ('CT_small.dcm', 'MR_small.dcm', 'rtplan.dcm', 'MR_small_RLE.dcm', 'SC_rgb_rle_2frame.dcm')


def dicom_path(name: str) -> str:
    """Path of a pydicom test file that ships with pydicom (no download)."""
    from tests.helpers.dicoms import pydicom_data_file

    assert name in LOCAL_FILES, name
    return pydicom_data_file(name)


class StorageClient:
    """A plain ``requests`` client for ``/api/v3/storage`` with a valid sid."""

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator
        self.sid = emulator.login()
        self.namespace = emulator.namespace_id
        self.base = f'http://{emulator.engine_fqdn}/api/v3/storage'
        self.session = requests.Session()

    @property
    def state(self) -> Any:
        """The emulator state."""
        return self.emulator.state

    def index_files(self) -> list:
        """Files left in storage's blob and temp folders."""
        found = []
        for name in ('storage', 'storage-tmp'):
            folder = self.state.files_dir / name
            if folder.exists():
                found.extend(folder.iterdir())
        return found

    def url(self, path: str) -> str:
        """Absolute storage URL of ``path``."""
        return self.base + path

    def request(
        self, method: str, path: str, params: Optional[Dict[str, Any]] = None, sid: Optional[str] = '', **kw: Any,
    ) -> requests.Response:
        """Call storage; ``sid=''`` means the valid sid, ``None`` means no sid at all."""
        query = dict(params or {})
        if sid is not None:
            query['sid'] = sid or self.sid
        return self.session.request(method, self.url(path), params=query, timeout=60, **kw)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request('GET', path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        return self.request('POST', path, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.request('DELETE', path, **kw)

    def upload(self, name_or_path: str, namespace: Optional[str] = None, **params: Any) -> Dict[str, Any]:
        """Upload a DICOM file (a pydicom test file name or a path); return the JSON."""
        path = dicom_path(name_or_path) if name_or_path in LOCAL_FILES else name_or_path
        with open(path, 'rb') as body:
            response = self.post(f'/namespace/{namespace or self.namespace}/image', data=body, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def study(self, up: Dict[str, Any]) -> str:
        """``/study/{ns}/{study_uid}`` of an upload answer."""
        return f"/study/{up['namespace']}/{up['study_uid']}"

    def image(self, up: Dict[str, Any]) -> str:
        """``IMG`` prefix of an upload answer."""
        return f"{self.study(up)}/image/{up['image_uid']}/version/{up['image_version']}"


def dicom_bytes(name: str) -> bytes:
    """Bytes of a bundled pydicom test file."""
    with open(dicom_path(name), 'rb') as src:
        return src.read()


def assert_storage_error(response: requests.Response, status: int, readable_status: str) -> Dict[str, Any]:
    """Check the storage error shape (storage_spec 6.2) and return the body."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {'kind', 'message', 'exception_data', 'created', 'extended'}
    assert body['kind']['readable_status'] == readable_status
    assert isinstance(body['kind']['code'], int)
    # every kind answers its one canned text (the SDK's class default), specifics are in exception_data
    assert body['message'] == STORAGE_ERRORS[readable_status].description, body
    assert isinstance(body['exception_data'], dict)
    assert body['created'].endswith('Z')
    return body


@pytest.fixture
def storage(emulator: Any) -> Iterator[StorageClient]:
    """A fresh emulator state and a storage client logged in as the seeded admin.

    These tests are about storage's answers: the processing step is
    synchronous here (``processing_delay = 0``); ``test_processing.py`` tests
    it with its default delay.
    """
    from tests.helpers.processing import processing_delay

    emulator.reset()
    with processing_delay(emulator, 0):
        client = StorageClient(emulator)
        yield client
        client.session.close()


@pytest.fixture
def ct(storage: StorageClient) -> Dict[str, Any]:
    """CT_small.dcm uploaded; the upload JSON."""
    return storage.upload('CT_small.dcm')
