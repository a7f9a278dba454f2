"""Test configuration: the emulator's pytest plugin gives the ``emulator`` and ``api`` fixtures."""

pytest_plugins = ['ambra_sdk.emulator.pytest_plugin']
