"""Fixtures of the storage tests."""

import pytest

from .helpers import FakeApi


@pytest.fixture
def offline_api():
    """An Api that never needs the network (requests are only prepared)."""
    from ambra_sdk.api import Api

    return Api.with_sid('http://127.0.0.1:9/api/v3', 'SID-OFFLINE', rate_limits=None)


@pytest.fixture
def fake_api():
    return FakeApi()


@pytest.fixture
def fake_storage(fake_api):
    from ambra_sdk.storage.storage import Storage

    return Storage(fake_api)


