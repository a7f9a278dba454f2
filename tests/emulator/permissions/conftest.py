"""Fixtures of the permission tests."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from .world import World

pytest.importorskip('pydicom')


@pytest.fixture
def world(emulator: Any) -> Iterator[World]:
    """A fresh emulator state seen through :class:`World`.

    The subject is who may call what, not the processing step: uploads reach
    the service API at once here (``processing_delay = 0``).
    """
    from tests.helpers.processing import processing_delay

    with processing_delay(emulator, 0):
        made = World(emulator)
        yield made
        made.close()
