"""Fixtures of the addon tests: real DICOM files written with pydicom, and the emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, List, Optional

import pytest

from tests.helpers.dicoms import write_dicoms as helpers_write_dicoms

pytest.importorskip('pydicom')
pytest.importorskip('werkzeug')


def write_dicoms(
    folder: Path,
    count: int,
    study_uid: Optional[str] = None,
    prefix: str = 'img',
    patient_name: str = 'Doe^John',
) -> List[Path]:
    """Write ``count`` copies of CT_small with new SOP Instance UIDs (same study)."""
    return helpers_write_dicoms(folder, count, study_uid=study_uid, prefix=prefix, patient_name=patient_name)


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
