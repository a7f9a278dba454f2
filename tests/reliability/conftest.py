"""Fixtures of the reliability suite: a fast Api on the emulator, DICOM files, the secret guard."""

from pathlib import Path
from typing import Any, Callable, Iterator, List

import pytest

from tests.helpers import dicoms as helpers
from tests.helpers.secret_guard import register_phi, secret_guard  # noqa: F401 - autouse fixture

pytest.importorskip('werkzeug')

#: Patient values written into the DICOM files of this suite (checked by the secret guard).
PATIENT_NAME = 'Reliab^Patient'
PATIENT_ID = 'RELIAB-PID-7'
register_phi(PATIENT_NAME)
register_phi(PATIENT_ID)

#: (connect, read) seconds of the suite's Api: short, so that faults end fast.
FAST_TIMEOUT = (2.0, 1.0)


def fast_params(params: dict) -> None:
    """Shorten back-off so that retries cost milliseconds (counters unchanged)."""
    params.update(backoff_factor=0.01, retry_after_cap=3.0, deadline_seconds=10.0)


@pytest.fixture
def fresh(emulator: Any) -> Iterator[Any]:
    """The emulator with fresh state, no faults and an empty request log."""
    emulator.reset()
    yield emulator
    emulator.faults.clear()


@pytest.fixture
def rapi(fresh: Any) -> Iterator[Any]:
    """A logged-in Api (safe policy, no rate limit, short timeouts and back-off)."""
    api = fresh.api(rate_limits=None, timeout=FAST_TIMEOUT)
    fast_params(api.service_retry_params)
    fast_params(api.storage_retry_params)
    api.get_sid()
    fresh.requests_log.clear()
    yield api
    fresh.faults.clear()
    try:
        api.logout()
    except Exception:  # noqa: BLE001 - the test may have broken the session on purpose
        pass


@pytest.fixture
def namespace_id(rapi: Any) -> str:
    """Storage namespace of the seeded admin."""
    return str(rapi.Session.user().get().namespace_id)


def write_dicoms(folder: Path, count: int) -> List[Path]:
    """Write ``count`` images of one new study (pydicom's bundled CT_small, our patient)."""
    return helpers.write_dicoms(folder, count, patient_name=PATIENT_NAME, patient_id=PATIENT_ID, digits=3)


@pytest.fixture
def make_dicoms(tmp_path: Path) -> Callable[[int], List[Path]]:
    """``make_dicoms(n)`` writes n DICOM files of one new study."""
    pytest.importorskip('pydicom')
    return lambda count: write_dicoms(tmp_path / 'dicoms', count)
