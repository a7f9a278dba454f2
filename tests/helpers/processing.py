"""Tests that are not about the emulator's processing step run with it synchronous."""

from __future__ import annotations

import contextlib
import time
from typing import Any, Dict, Iterator


@contextlib.contextmanager
def processing_delay(emulator: Any, seconds: float) -> Iterator[Any]:
    """Run a block with ``emulator.processing_delay = seconds``; the delay it had comes back after.

    For tests whose subject is not the processing step (storage answers,
    permissions...): with ``0`` a storage upload reaches the service API at
    once, as before processing was modelled. Tests of what a user sees keep
    the default delay and wait as a user must.
    """
    before = emulator.processing_delay
    emulator.processing_delay = seconds
    try:
        yield emulator
    finally:
        emulator.wait_processed()
        emulator.processing_delay = before


def wait_for_study(url: str, sid: str, study_uid: str, namespace: str, timeout: float = 30.0) -> Dict[str, Any]:
    """Poll ``/study/get`` (plain requests, as a user's script would) until the study exists; return it.

    :param url: the service base URL (``emulator.url``).
    :raises AssertionError: the study did not appear within ``timeout`` seconds.
    """
    import requests

    deadline = time.monotonic() + timeout
    pause = 0.05
    while True:
        response = requests.post(
            url + '/study/get', data={'sid': sid, 'study_uid': study_uid, 'storage_namespace': namespace}, timeout=30,
        )
        if response.status_code == 200:
            return dict(response.json())
        assert response.status_code == 412, response.text
        assert time.monotonic() < deadline, 'study {0} did not appear in {1} s'.format(study_uid, timeout)
        time.sleep(pause)
        pause = min(pause * 2, 1.0)
