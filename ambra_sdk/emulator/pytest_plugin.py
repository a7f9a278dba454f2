"""pytest plugin: an Ambra emulator for your test suite.

Enable it with ``pytest_plugins = ['ambra_sdk.emulator.pytest_plugin']`` in
``conftest.py`` (it is also registered as a ``pytest11`` entry point).

Fixtures:

* ``emulator`` (session scope): a running :class:`~ambra_sdk.emulator.Emulator`.
* ``ambra_emulator``: alias of ``emulator``.
* ``emulator_api`` / ``api`` (function scope): ``emulator.reset()`` then a
  fresh :class:`~ambra_sdk.api.Api` logged in as the seeded admin.

werkzeug is imported only when a fixture is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import pytest

if TYPE_CHECKING:  # pragma: no cover
    from ambra_sdk.api import Api

    from .server import Emulator

__all__ = ['emulator', 'ambra_emulator', 'emulator_api', 'api']


@pytest.fixture(scope='session')
def emulator() -> Iterator[Emulator]:
    """A running emulator shared by the whole test session.

    Tests using it are skipped when the ``emulator`` extra (werkzeug) is missing.
    """
    try:
        from .server import Emulator
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        pytest.skip(f'the Ambra emulator needs "pip install ambra-sdk[emulator]" ({exc})')

    with Emulator() as emu:
        yield emu


@pytest.fixture(scope='session')
def ambra_emulator(emulator: Emulator) -> Emulator:
    """Alias of :func:`emulator`."""
    return emulator


@pytest.fixture
def emulator_api(emulator: Emulator) -> Iterator[Api]:
    """Fresh emulator state and an Api logged in as the seeded admin."""
    emulator.reset()
    client = emulator.api()
    yield client
    emulator.faults.clear()
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - the test may have broken the session on purpose
        pass


@pytest.fixture
def api(emulator_api: Api) -> Api:
    """Alias of :func:`emulator_api`."""
    return emulator_api
