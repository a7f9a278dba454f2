"""Test configuration.

* The emulator's pytest plugin gives the ``emulator`` and ``api`` fixtures
  (an installed ambra-sdk also registers it through its ``pytest11`` entry
  point, under the module's own name, so listing it here is harmless).
* ``tests.helpers.secret_guard`` captures logging at DEBUG in every test and
  fails a test whose log records or exceptions carry a sid, a password or a
  patient value.
"""

pytest_plugins = ['ambra_sdk.emulator.pytest_plugin', 'tests.helpers.secret_guard']
