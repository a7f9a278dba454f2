"""Fixtures of the permission tests."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from .world import World

pytest.importorskip('pydicom')


@pytest.fixture
def world(emulator: Any) -> Iterator[World]:
    """A fresh emulator state seen through :class:`World`."""
    made = World(emulator)
    yield made
    made.close()
