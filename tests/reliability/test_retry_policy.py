"""Safe retries: reads are retried, writes never sent twice once they may have reached the server."""

import socket
import threading
import time

import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError, ReadTimeoutError
from urllib3.util.retry import Retry

from ambra_sdk.api import Api
from ambra_sdk.api.retry import (
    SERVICE_READ_SEGMENTS,
    SafeRetry,
    is_service_read,
    is_storage_read_url,
    make_safe_retries,
)
from ambra_sdk.exceptions.base import AmbraException, RequestTimeout
from tests.helpers.servers import RecordingServer
from tests.reliability.conftest import FAST_TIMEOUT, fast_params

READ_FAULTS = [
    pytest.param({'status': 429}, id='429'),
    pytest.param({'status': 502}, id='502'),
    pytest.param({'status': 503}, id='503'),
    pytest.param({'status': 504}, id='504'),
    pytest.param({'drop_connection': True}, id='reset'),
    pytest.param({'truncate_body': True}, id='truncated-body'),
    pytest.param({'delay': FAST_TIMEOUT[1] + 0.5}, id='read-timeout'),
]

WRITE_FAULTS_NOT_RETRIED = [
    pytest.param({'status': 502}, id='502'),
    pytest.param({'status': 503}, id='503-no-retry-after'),
    pytest.param({'status': 504}, id='504'),
    pytest.param({'status': 429}, id='429-no-retry-after'),
    pytest.param({'drop_connection': True}, id='reset'),
    pytest.param({'truncate_body': True}, id='truncated-body'),
    pytest.param({'delay': FAST_TIMEOUT[1] + 0.5}, id='read-timeout'),
]


def _hits(emulator, path):
    return [entry for entry in emulator.requests_log if entry.path == path]


def _add_study(api, namespace_id):
    return api.Study.add(thin=1, storage_namespace=namespace_id, phi_namespace=namespace_id).get()


# ---------------------------------------------------------------- classification
@pytest.mark.parametrize('url', ['/study/get', '/study/list', '/session/user', '/study/count',
                                 'http://h/api/v3/study/exists?x=1', '/customfield/search/'])
def test_service_reads(url):
    assert is_service_read(url)


@pytest.mark.parametrize('url', ['/study/add', '/study/set', '/study/delete', '/session/login',
                                 '/session/logout', '/user/add', '/study/share', '/study/duplicate'])
def test_service_writes(url):
    assert not is_service_read(url)


def test_read_list_is_explicit_and_holds_no_write_verb():
    assert {'get', 'list', 'count', 'exists', 'search', 'find', 'user', 'permissions'} <= SERVICE_READ_SEGMENTS
    assert not SERVICE_READ_SEGMENTS & {'add', 'set', 'delete', 'login', 'logout', 'share', 'merge', 'split'}


def test_storage_merge_is_a_write_even_as_get():
    assert is_storage_read_url('http://h/api/v3/storage/study/ns/1.2/schema?sid=x')
    assert not is_storage_read_url('http://h/api/v3/storage/study/ns/1.2/merge?sid=x')
    api = Api.with_sid('http://127.0.0.1:9/api/v3', 'sid-classify-1')
    session = api.storage_session
    assert session.get_adapter('http://h/api/v3/storage/study/ns/1.2/merge') is session.write_adapter
    assert session.get_adapter('http://h/api/v3/storage/study/ns/1.2/schema') is session.default_adapter
    session = api.service_session
    assert session.get_adapter(api.service_full_url('/study/add')) is session.write_adapter
    assert session.get_adapter(api.service_full_url('/study/get')) is session.default_adapter


# ---------------------------------------------------------------- SafeRetry unit
def test_write_retry_decisions():
    _, write = make_safe_retries({'total': 5, 'status_forcelist': [429, 502, 503, 504]})
    assert not write.is_retry('POST', 503)
    assert not write.is_retry('POST', 502, has_retry_after=True)
    assert write.is_retry('POST', 503, has_retry_after=True)
    assert write.is_retry('POST', 429, has_retry_after=True)
    assert not write.may_resend('POST')
    with pytest.raises(ReadTimeoutError):
        write.increment('POST', '/x', error=ReadTimeoutError(None, '/x', 'timed out'))
    with pytest.raises(ProtocolError):
        write.increment('POST', '/x', error=ProtocolError('Connection aborted.'))
    # a refused connection never reached the server: counted, not raised
    retried = write.increment('POST', '/x', error=NewConnectionError(None, 'refused'))
    assert retried.connect == write.connect - 1 if write.connect is not None else True


def test_read_retry_decisions():
    read, _ = make_safe_retries({'total': 5, 'read': 2, 'status_forcelist': [429, 502, 503, 504],
                                 'allowed_methods': ['GET', 'HEAD']})
    assert read.is_retry('GET', 502)
    assert not read.is_retry('GET', 500)
    assert not read.is_retry('POST', 502)
    assert read.increment('GET', '/x', error=ReadTimeoutError(None, '/x', 'timed out')).read == 1


def test_backoff_is_jittered_and_capped():
    retry = SafeRetry(total=20, backoff_factor=1.0, backoff_cap=4.0)
    for _ in range(6):
        retry = retry.increment('GET', '/x', error=ProtocolError('reset'))
    samples = {round(retry.get_backoff_time(), 6) for _ in range(50)}
    assert len(samples) > 1, 'no jitter'
    assert all(2.0 <= sample <= 4.0 for sample in samples)


def test_deadline_stops_retries():
    retry = SafeRetry(total=20, deadline_seconds=0.0)
    with pytest.raises(MaxRetryError):
        retry.increment('GET', '/x', error=ProtocolError('reset'))
    assert not SafeRetry(total=20, deadline=time.monotonic() - 1).is_retry('GET', 503)


# ---------------------------------------------------------------- emulator: service
@pytest.mark.parametrize('fault', READ_FAULTS)
def test_service_read_is_retried(rapi, fresh, fault):
    fresh.faults.add('/session/user', **fault)
    assert rapi.Session.user().get().email == fresh.username
    assert len(_hits(fresh, '/session/user')) == 2


@pytest.mark.parametrize('fault', WRITE_FAULTS_NOT_RETRIED)
def test_service_write_is_never_sent_twice(rapi, fresh, namespace_id, fault):
    before = len(fresh.state.list_studies())
    fresh.requests_log.clear()
    fresh.faults.add('/study/add', **fault)
    with pytest.raises((AmbraException, requests.RequestException)):
        _add_study(rapi, namespace_id)
    time.sleep(fault.get('delay', 0))  # let a delayed request finish on the server
    assert len(_hits(fresh, '/study/add')) == 1
    assert len(fresh.state.list_studies()) - before <= 1


@pytest.mark.parametrize('status', [429, 503])
def test_service_write_refused_with_retry_after_is_retried(rapi, fresh, namespace_id, status):
    before = len(fresh.state.list_studies())
    fresh.requests_log.clear()
    fresh.faults.add('/study/add', status=status, retry_after=1)
    start = time.monotonic()
    _add_study(rapi, namespace_id)
    assert time.monotonic() - start >= 0.9, 'Retry-After not honoured'
    assert [entry.status for entry in _hits(fresh, '/study/add')] == [status, 200]
    assert len(fresh.state.list_studies()) - before == 1


def test_retry_after_beyond_cap_is_not_waited_for(rapi, fresh):
    fresh.faults.add('/session/user', status=503, retry_after=3600)
    start = time.monotonic()
    with pytest.raises(AmbraException) as info:
        rapi.Session.user().get()
    assert time.monotonic() - start < 1
    assert getattr(info.value, 'code', None) == 503
    assert len(_hits(fresh, '/session/user')) == 1


def test_one_deadline_bounds_all_retries(rapi, fresh):
    rapi.service_retry_params.update(deadline_seconds=2.5, retry_after_cap=5)
    rapi._service_session = None  # rebuild with the new deadline
    fresh.faults.add('/session/user', status=503, retry_after=1, times=None)
    start = time.monotonic()
    with pytest.raises(AmbraException):
        rapi.Session.user().get()
    elapsed = time.monotonic() - start
    assert 1.9 < elapsed < 3.5
    assert len(_hits(fresh, '/session/user')) == 3


def test_retry_params_dict_still_rules(rapi, fresh):
    rapi.service_retry_params.update(total=0)
    rapi._service_session = None
    fresh.faults.add('/session/user', status=503)
    with pytest.raises(AmbraException):
        rapi.Session.user().get()
    assert len(_hits(fresh, '/session/user')) == 1


def test_user_adapter_for_a_prefix_wins(rapi, fresh, namespace_id):
    """The documented way to retry one endpoint differently: mount an adapter for its URL."""
    url = rapi.service_full_url('/study/add')
    retry = Retry(total=3, status_forcelist=[503], allowed_methods=['POST'], backoff_factor=0)
    rapi.service_session.mount(url, HTTPAdapter(max_retries=retry))
    fresh.faults.add('/study/add', status=503)
    _add_study(rapi, namespace_id)
    assert [entry.status for entry in _hits(fresh, '/study/add')] == [503, 200]


def test_reference_policy_resends_writes(fresh, namespace_id):
    """``retry_policy='reference'`` keeps 3.21.6.0-1: a write that timed out is sent again."""
    api = fresh.api(rate_limits=None, timeout=FAST_TIMEOUT, retry_policy='reference')
    api.service_retry_params.update(backoff_factor=0)
    before = len(fresh.state.list_studies())
    fresh.requests_log.clear()
    fresh.faults.add('/study/add', delay=FAST_TIMEOUT[1] + 0.3)
    _add_study(api, namespace_id)
    time.sleep(0.5)
    assert len(_hits(fresh, '/study/add')) == 2
    assert len(fresh.state.list_studies()) - before == 2  # the duplicate the safe policy prevents
    api.logout()


def test_unknown_policy_is_refused():
    from ambra_sdk.exceptions.base import ApiConfigurationError

    with pytest.raises(ApiConfigurationError):
        Api.with_sid('http://127.0.0.1:9/api/v3', 'sid-policy-1', retry_policy='always')


# ---------------------------------------------------------------- connection refused
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return int(sock.getsockname()[1])


class _LateServer(RecordingServer):
    """A RecordingServer listening on a given port, started later."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self._sock.close()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(('127.0.0.1', port))
        self._sock.listen(64)
        self._sock.settimeout(0.2)
        self.port = port


def test_write_is_resent_when_the_connection_was_refused():
    port = _free_port()
    api = Api.with_sid('http://127.0.0.1:{0}/api/v3'.format(port), 'sid-late-server-1', rate_limits=None,
                       timeout=(1, 1))
    api.service_retry_params.update(backoff_factor=0.2)
    server = _LateServer(port)
    timer = threading.Timer(0.3, server.__enter__)
    timer.start()
    try:
        response = api.service_post('/study/add', required_sid=True, data={'thin': 1})
        assert response.status_code == 200
        assert len(server.requests) == 1
    finally:
        timer.join()
        server.__exit__(None, None, None)


def test_refused_forever_ends_with_a_connection_error():
    api = Api.with_sid('http://127.0.0.1:{0}/api/v3'.format(_free_port()), 'sid-refused-1', rate_limits=None)
    fast_params(api.service_retry_params)
    start = time.monotonic()
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        api.service_post('/study/add', required_sid=True)
    assert not isinstance(info.value, RequestTimeout)
    assert time.monotonic() - start < 5


# ---------------------------------------------------------------- emulator: storage
def test_storage_read_is_retried_and_upload_is_not(rapi, fresh, namespace_id, make_dicoms):
    first, second = make_dicoms(2)
    upload = rapi.Storage.Image.upload(fresh.engine_fqdn, namespace_id, str(first))
    study_uid = upload.study_uid
    fresh.requests_log.clear()
    fresh.faults.add('*/schema', status=503)
    schema = rapi.Storage.Study.schema(fresh.engine_fqdn, namespace_id, study_uid)
    assert schema is not None
    assert len([e for e in fresh.requests_log if e.path.endswith('/schema')]) == 2

    fresh.requests_log.clear()
    fresh.faults.add('*/image', status=503, method='POST')
    with pytest.raises(AmbraException):
        rapi.Storage.Image.upload(fresh.engine_fqdn, namespace_id, str(second))
    assert len([e for e in fresh.requests_log if e.method == 'POST']) == 1
