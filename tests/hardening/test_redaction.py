"""Issue 14, point 4: no sid, password or token in any exception a session raises, whatever adapter is mounted."""

import socket

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ambra_sdk.api import Api
from tests.hardening.conftest import make_api
from tests.hardening.servers import PASSWORD, SID, PlainHttpServer, Reply, leaks
from tests.helpers.servers import SilentServer


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def _mount_user_adapter(api: Api) -> None:
    retry = Retry(total=1, connect=1, read=1, status=1, backoff_factor=0, status_forcelist=[500],
                  allowed_methods=None, raise_on_status=True)
    for session in (api.storage_session, api.service_session):
        adapter = HTTPAdapter(max_retries=retry)
        session.mount('http://', adapter)
        session.mount('https://', adapter)


def _check(error: BaseException, expected: type) -> None:
    assert isinstance(error, expected), type(error)
    assert leaks(error) == {}
    assert error.__context__ is None and error.__cause__ is None


ADAPTERS = ['sdk', 'user']


@pytest.mark.parametrize('adapter', ADAPTERS)
def test_connection_refused(adapter):
    url = 'http://127.0.0.1:{0}/api/v3'.format(_closed_port())
    api = Api.with_sid(url, SID, storage_base_url='http://{engine_fqdn}/api/v3/storage', timeout=(1, 1))
    api.storage_retry_params.update(total=1, connect=1, backoff_factor=0)
    if adapter == 'user':
        _mount_user_adapter(api)
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        api.storage_get(url + '/storage/x', True, params={'token': 'tok-secret-1'})
    _check(info.value, requests.exceptions.ConnectionError)
    assert 'tok-secret-1' not in str(info.value) and 'tok-secret-1' not in info.value.request.url


@pytest.mark.parametrize('adapter', ADAPTERS)
def test_retry_error_after_500s(script_server, adapter):
    server = script_server(Reply(500, b'{}'))
    api = make_api(server)
    if adapter == 'sdk':
        api.storage_retry_params.update(status_forcelist=[500], raise_on_status=True, status=1, total=1)
    else:
        _mount_user_adapter(api)
    with pytest.raises(requests.exceptions.RetryError) as info:
        api.storage_get(server.url + '/storage/x', True, params={})
    _check(info.value, requests.exceptions.RetryError)


@pytest.mark.parametrize('adapter', ADAPTERS)
def test_read_timeout(adapter):
    with SilentServer() as server:
        api = make_api(server, timeout=(1, 0.3))
        api.storage_retry_params.update(read=0, total=0)
        if adapter == 'user':
            _mount_user_adapter(api)
        with pytest.raises(requests.exceptions.ConnectionError) as info:
            api.storage_get(server.url + '/storage/x', True, params={})
        _check(info.value, requests.exceptions.ConnectionError)


@pytest.mark.parametrize('adapter', ADAPTERS)
def test_ssl_error(adapter):
    with PlainHttpServer() as server:
        api = make_api(server, storage_base_url='https://{engine_fqdn}/api/v3/storage')
        if adapter == 'user':
            _mount_user_adapter(api)
        with pytest.raises(requests.exceptions.SSLError) as info:
            api.Storage.Study.schema(server.engine_fqdn, 'ns', '1.2.3')
        _check(info.value, requests.exceptions.SSLError)


@pytest.mark.parametrize('adapter', ADAPTERS)
def test_login_password_is_not_in_the_request_body(adapter):
    url = 'http://127.0.0.1:{0}/api/v3'.format(_closed_port())
    api = Api.with_creds(url, 'user@example.com', PASSWORD, timeout=(1, 1))
    api.service_retry_params.update(total=0, connect=0)
    if adapter == 'user':
        _mount_user_adapter(api)
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        api.get_sid()
    _check(info.value, requests.exceptions.ConnectionError)
    assert info.value.request is not None and info.value.request.body


def test_session_level_errors_outside_send_are_clean():
    api = Api.with_sid('http://127.0.0.1:9/api/v3', SID)
    with pytest.raises(requests.exceptions.InvalidURL) as info:
        api.storage_session.get('http://[bad/api?sid=' + SID)
    assert leaks(info.value) == {}


def test_raise_for_status_is_clean(script_server):
    server = script_server(Reply(404, b'{}'))
    api = make_api(server)
    response = api.storage_get(server.url + '/storage/x', True, params={})
    with pytest.raises(requests.exceptions.HTTPError) as info:
        response.raise_for_status()
    assert leaks(info.value) == {}
    assert '404' in str(info.value)
