"""Fixtures of the websocket channel tests (client, emulator channel, event-driven waits)."""

from __future__ import annotations

import logging
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Set

import pytest

pytest.importorskip('websockets')
pytest.importorskip('wsproto')
pytest.importorskip('werkzeug')


@pytest.fixture
def namespace_id(api: Any) -> str:
    """The admin's namespace; client-side rate limits off (they only slow tests)."""
    api.rate_limits = None
    return str(api.Session.user().get().namespace_id)


@pytest.fixture
def sid(api: Any) -> str:
    """The api's sid."""
    return str(api.sid)


@pytest.fixture
def make_dicoms(tmp_path: Path) -> Callable[..., List[Path]]:
    """``make_dicoms(count, study_uid=None)`` -> paths of new DICOM files of one study."""
    pytest.importorskip('pydicom')
    from tests.helpers.dicoms import write_dicoms

    def make(count: int, folder: Optional[Path] = None, **kwargs: Any) -> List[Path]:
        return write_dicoms(folder or tmp_path / 'study', count, **kwargs)

    return make


@pytest.fixture(autouse=True)
def _no_faults_left(emulator: Any) -> Iterator[None]:
    emulator.faults.clear()
    yield
    emulator.faults.clear()


def leftover_threads(before: Set[threading.Thread], timeout: float = 15.0) -> Set[threading.Thread]:
    """The client threads started since ``before`` that are still alive after ``timeout`` seconds.

    A closed connection's I/O thread ends shortly after the close (at most ``OPEN_TIMEOUT`` when the
    socket went away before its upgrade request was written), so leaks are judged after a deadline.
    """
    deadline = time.monotonic() + timeout
    while True:
        left = set(client_threads()) - before
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def client_threads() -> List[threading.Thread]:
    """Live threads that are not the emulator's (nor pytest's main thread)."""
    return [
        thread for thread in threading.enumerate()
        if thread is not threading.main_thread() and not thread.name.startswith('ambra-emulator')
    ]


class Outcomes(logging.Handler):
    """Collects the :class:`~ambra_sdk.addon.event_wait.WaitOutcome` of every wait."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.items: List[Any] = []

    def emit(self, record: logging.LogRecord) -> None:
        outcome = getattr(record, 'wait_outcome', None)
        if outcome is not None:
            self.items.append(outcome)


@pytest.fixture
def outcomes() -> Iterator[Outcomes]:
    """How each addon wait of the test ended (``outcomes.items``)."""
    handler = Outcomes()
    log = logging.getLogger('ambra_sdk.addon.event_wait')
    old_level = log.level
    log.setLevel(logging.DEBUG)
    log.addHandler(handler)
    yield handler
    log.removeHandler(handler)
    log.setLevel(old_level)


@pytest.fixture
def no_ws_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``import websockets`` fail, as without the ``ws`` extra."""
    for name in list(sys.modules):
        if name == 'websockets' or name.startswith('websockets.'):
            monkeypatch.delitem(sys.modules, name)
    for name in ('websockets', 'websockets.sync', 'websockets.sync.client'):
        monkeypatch.setitem(sys.modules, name, None)
