"""Transport: timeouts, live headers, retries on urllib3 1.26/2.x, user adapters."""

import time

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ambra_sdk.api import Api
from ambra_sdk.api.transport import DEFAULT_TIMEOUT, make_retry
from tests.helpers.servers import DripServer, RecordingServer, SilentServer


def test_default_timeout_is_finite():
    connect, read = DEFAULT_TIMEOUT
    assert 0 < connect < 60 and 0 < read <= 300


def test_service_call_times_out_against_silent_server():
    with SilentServer() as server:
        api = Api.with_sid(server.url, 'sid-1234', rate_limits=None, timeout=(1, 1))
        api.service_retry_params.update(total=0, read=0, connect=0, status=0)
        start = time.monotonic()
        with pytest.raises(requests.exceptions.Timeout):
            api.service_post('/session/user', required_sid=True)
        assert time.monotonic() - start < 5


def test_storage_call_times_out_against_drip_server():
    with DripServer(interval=0.3) as server:
        api = Api.with_sid(server.url, 'sid-1234', timeout=(1, 1))
        api.storage_retry_params.update(total=0, read=0, connect=0, status=0)
        start = time.monotonic()
        response = api.storage_get('http://{0}/api/v3/storage/x'.format(server.engine_fqdn), True,
                                   params={}, stream=True)
        with pytest.raises(requests.exceptions.RequestException):
            # each byte comes within the read timeout; a whole-body deadline
            # is the caller's choice (download helpers have one)
            deadline = time.monotonic() + 2
            for _ in response.iter_content(1):
                if time.monotonic() > deadline:
                    raise requests.exceptions.ReadTimeout('deadline')
        assert time.monotonic() - start < 6


def test_headers_are_live():
    with RecordingServer() as server:
        api = Api.with_sid(server.url, 'sid-1234', rate_limits=None)
        api.service_post('/session/user', required_sid=True)
        api.default_headers['Golbal-header'] = 'value'
        api.service_default_headers['Service-specific-header'] = 'value'
        api.storage_default_headers['Storage-specific-header'] = 'value'
        api.service_post('/session/user', required_sid=True)
        headers = server.last_headers()
        assert headers['golbal-header'] == 'value'
        assert headers['service-specific-header'] == 'value'
        assert 'storage-specific-header' not in headers
        assert headers['sdk-version'] == '3.21.6.0-1'
        api.storage_get('http://{0}/api/v3/storage/x'.format(server.engine_fqdn), True, params={})
        headers = server.last_headers()
        assert headers['golbal-header'] == 'value'
        assert headers['storage-specific-header'] == 'value'
        assert 'service-specific-header' not in headers


def test_sid_travels_in_body_for_service_and_query_for_storage():
    with RecordingServer() as server:
        api = Api.with_sid(server.url, 'sid-1234', rate_limits=None)
        api.service_post('/session/user', required_sid=True, data={'a': 'b'})
        request_line, _, body = server.requests[-1]
        assert request_line.startswith('POST /api/v3/session/user ')
        assert body == b'a=b&sid=sid-1234'
        api.storage_get('http://{0}/api/v3/storage/x'.format(server.engine_fqdn), True, params={'p': 1})
        assert server.requests[-1][0].startswith('GET /api/v3/storage/x?p=1&sid=sid-1234 ')


def test_retry_accepts_both_spellings():
    for name in ('method_whitelist', 'allowed_methods'):
        retry = make_retry({'total': 3, name: ['GET', 'POST']})
        methods = getattr(retry, 'allowed_methods', None) or getattr(retry, 'method_whitelist', None)
        assert set(methods) == {'GET', 'POST'}


def test_sessions_build_on_this_urllib3():
    api = Api.with_sid('http://127.0.0.1:9/api/v3', 'sid-1234')
    assert api.service_session is api.service_session
    assert api.storage_session is not api.service_session


def test_user_adapter_for_prefix_is_used():
    with RecordingServer() as server:
        api = Api.with_sid(server.url, 'sid-1234')
        sent = []

        class CountingAdapter(HTTPAdapter):
            def send(self, request, **kwargs):
                sent.append((request.url, kwargs.get('timeout')))
                return super().send(request, **kwargs)

        url = 'http://{0}/api/v3/storage/study/ns/uid/schema'.format(server.engine_fqdn)
        max_retries = Retry(total=10, backoff_factor=0.2, allowed_methods=['GET', 'DELETE', 'POST'])
        api.storage_session.mount(url, CountingAdapter(max_retries=max_retries))
        api.storage_get(url, True, params={})
        api.storage_get('http://{0}/api/v3/storage/other'.format(server.engine_fqdn), True, params={})
        assert len(sent) == 1
        assert sent[0][0].startswith(url)
        assert sent[0][1] is not None


def test_logout_is_idempotent_without_server_session():
    api = Api.with_sid('http://127.0.0.1:9/api/v3', 'sid-1234')
    assert api.service_session is not None
    api._sid = None
    api.logout()
    api.logout()
    assert api._service_session is None


def test_connection_errors_do_not_carry_the_sid():
    api = Api.with_sid('http://127.0.0.1:9/api/v3', 'sid-very-secret-1234', timeout=(1, 1))
    api.storage_retry_params.update(total=0, connect=0)
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        api.storage_get('http://127.0.0.1:9/api/v3/storage/x', True, params={})
    assert 'sid-very-secret-1234' not in str(info.value)
    assert 'sid-very-secret-1234' not in repr(info.value)
    assert info.value.__cause__ is None and info.value.__context__ is None  # issue 14: no original in the chain


def test_connection_pools_keep_32_connections_per_host():
    from ambra_sdk.api.transport import POOL_MAXSIZE

    api = Api.with_sid('http://127.0.0.1:9/api/v3', 'sid-1234')
    assert POOL_MAXSIZE == 32
    for session in (api.service_session, api.storage_session):
        assert session.default_adapter._pool_maxsize == POOL_MAXSIZE
        assert session.write_adapter._pool_maxsize == POOL_MAXSIZE
