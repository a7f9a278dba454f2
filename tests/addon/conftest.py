"""Fixtures of the addon tests: real DICOM files written with pydicom, and the emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, List, Optional

import pytest

pytest.importorskip('pydicom')
pytest.importorskip('werkzeug')


def source_dicom() -> str:
    """``CT_small.dcm``, shipped inside pydicom (never downloaded)."""
    from pydicom.data import get_testdata_file

    try:
        path = get_testdata_file('CT_small.dcm', download=False)
    except TypeError:  # pydicom < 3
        path = get_testdata_file('CT_small.dcm')
    assert path, 'CT_small.dcm is not bundled with this pydicom'
    return str(path)


def write_dicoms(
    folder: Path,
    count: int,
    study_uid: Optional[str] = None,
    prefix: str = 'img',
    patient_name: str = 'Doe^John',
) -> List[Path]:
    """Write ``count`` copies of CT_small with new SOP Instance UIDs (same study)."""
    from pydicom import dcmread
    from pydicom.uid import generate_uid

    folder.mkdir(parents=True, exist_ok=True)
    template = dcmread(source_dicom())
    template.StudyInstanceUID = study_uid or generate_uid()
    template.PatientName = patient_name
    paths = []
    for index in range(count):
        template.SOPInstanceUID = generate_uid()
        template.file_meta.MediaStorageSOPInstanceUID = template.SOPInstanceUID
        template.InstanceNumber = index + 1
        path = folder / '{}{:04d}.dcm'.format(prefix, index)
        template.save_as(str(path))
        paths.append(path)
    return paths


@pytest.fixture
def make_dicoms(tmp_path: Path) -> Callable[..., List[Path]]:
    """``make_dicoms(count, folder=None, study_uid=None)`` -> paths of new DICOM files."""

    def make(count: int, folder: Optional[Path] = None, **kwargs: Any) -> List[Path]:
        return write_dicoms(folder or tmp_path / 'study', count, **kwargs)

    return make


@pytest.fixture
def namespace_id(api: Any) -> str:
    """The admin's own namespace (where uploads go).

    The client-side rate limits are switched off: they only slow the tests.
    """
    api.rate_limits = None
    return str(api.Session.user().get().namespace_id)


@pytest.fixture
def fast_api(api: Any) -> Any:
    """The ``api`` fixture with quick transport-level retries (no back-off sleeps)."""
    api.storage_retry_params['backoff_factor'] = 0
    api.service_retry_params['backoff_factor'] = 0
    return api


@pytest.fixture(autouse=True)
def _no_faults_left(emulator: Any) -> Any:
    emulator.faults.clear()
    yield
    emulator.faults.clear()


def stored_images(emulator: Any, namespace: str, study_uid: str) -> List[dict]:
    """Every stored image row (all versions) of a study."""
    return list(emulator.state.list_images(namespace, study_uid))


def logged(emulator: Any, method: str, pattern: str) -> List[Any]:
    """Logged requests whose method matches and whose path contains ``pattern``."""
    return [entry for entry in emulator.requests_log if entry.method == method and pattern in entry.path]
