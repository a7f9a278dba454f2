"""pytest plugin: an Ambra emulator for your test suite.

Enable it with ``pytest_plugins = ['ambra_sdk.emulator.pytest_plugin']`` in
``conftest.py`` (it is also registered as a ``pytest11`` entry point).

Fixtures:

* ``emulator`` (session scope): a running :class:`~ambra_sdk.emulator.Emulator`.
* ``ambra_emulator``: alias of ``emulator``.
* ``emulator_api`` / ``api`` (function scope): ``emulator.reset()`` then a
  fresh :class:`~ambra_sdk.api.Api` logged in as the seeded admin.

Storage uploads reach the service API after the emulator's processing delay
(:data:`~ambra_sdk.emulator.processing.DEFAULT_PROCESSING_DELAY`, as the
real server processes them after answering); the ini option
``ambra_processing_delay`` sets another (``0``: at once).

The fixture named ``api`` is common in user suites; set the ini option
``ambra_api_fixture = false`` (``pytest.ini``, ``[tool.pytest.ini_options]``...)
and the plugin does not define it, so it never shadows your own (``emulator_api``
stays).

werkzeug is imported only when a fixture is used. When the ``emulator`` extra
is missing, a test that uses a fixture fails (it is not skipped) with
the ``emulator`` extra (:func:`ambra_sdk.extras.install_command`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import pytest

from ambra_sdk.extras import missing_extra_message

if TYPE_CHECKING:  # pragma: no cover
    from ambra_sdk.api import Api

    from .server import Emulator

__all__ = ['emulator', 'ambra_emulator', 'emulator_api', 'API_FIXTURE_INI', 'PROCESSING_DELAY_INI', 'MISSING_EXTRA']

#: The ini option that turns the ``api`` fixture off.
API_FIXTURE_INI = 'ambra_api_fixture'
#: The ini option that sets the emulator's processing delay (seconds).
PROCESSING_DELAY_INI = 'ambra_processing_delay'
#: The message of a fixture used without the ``emulator`` extra.
MISSING_EXTRA = missing_extra_message('emulator', 'the Ambra emulator')


def pytest_addoption(parser: pytest.Parser) -> None:
    """Declare the ini option that turns the ``api`` fixture off."""
    parser.addini(
        API_FIXTURE_INI,
        type='bool',
        default=True,
        help="define the ambra-sdk emulator's 'api' fixture (false: only 'emulator_api')",
    )
    parser.addini(
        PROCESSING_DELAY_INI,
        default='',
        help="seconds between a storage upload and its service study in the 'emulator' fixture "
        '(default: the emulator\'s; 0: at once)',
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``api`` fixture unless the ini option turns it off."""
    if config.getini(API_FIXTURE_INI) and not config.pluginmanager.has_plugin(_ApiFixture.NAME):
        config.pluginmanager.register(_ApiFixture(), _ApiFixture.NAME)


@pytest.fixture(scope='session')
def emulator(pytestconfig: pytest.Config) -> Iterator[Emulator]:
    """A running emulator shared by the whole test session.

    Its processing delay is the emulator's default unless the ini option
    ``ambra_processing_delay`` sets one. Tests using it fail with
    :data:`MISSING_EXTRA` when the ``emulator`` extra is missing.
    """
    try:
        from .server import Emulator
    except ImportError as exc:
        pytest.fail('{message} ({error})'.format(message=MISSING_EXTRA, error=exc), pytrace=False)

    from .processing import DEFAULT_PROCESSING_DELAY

    delay = str(pytestconfig.getini(PROCESSING_DELAY_INI) or '').strip()
    with Emulator(processing_delay=float(delay) if delay else DEFAULT_PROCESSING_DELAY) as emu:
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


class _ApiFixture:
    """The plugin object that holds the ``api`` fixture (registered by :func:`pytest_configure`)."""

    NAME = 'ambra_sdk.emulator.pytest_plugin.api'

    @pytest.fixture
    def api(self, emulator_api: Api) -> Api:
        """Alias of :func:`emulator_api` (off with ``ambra_api_fixture = false``)."""
        return emulator_api
