"""Fixtures of the service tests."""

import pytest

from .fake_service import FakeService


@pytest.fixture
def fake_service():
    with FakeService() as service:
        yield service


@pytest.fixture
def offline_api():
    """An Api that never needs the network (queries are only built)."""
    from ambra_sdk.api import Api

    return Api.with_sid('http://127.0.0.1:9/api/v3', 'SID-OFFLINE', rate_limits=None)


@pytest.fixture
def make_query(offline_api):
    """Build a query of any class against the offline Api."""
    from ambra_sdk.service import query as query_module

    def make(cls_name='QueryOPSF', url='/thing/list', data=None, **kwargs):
        cls = getattr(query_module, cls_name)
        if 'P' in cls_name:
            kwargs.setdefault('paginated_field', 'things')
        return cls(api=offline_api, url=url, request_data=data if data is not None else {}, errors_mapping={}, **kwargs)

    return make
