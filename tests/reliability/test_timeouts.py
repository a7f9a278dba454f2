"""No call hangs: a silent server and a dripping server end every kind of call with a timeout.

Documented bound (docs/source/reliability.rst): a call ends within
``deadline_seconds + connect + 3 * read`` seconds.
"""

import os
import time
from typing import Any, Callable, Dict, Iterator

import pytest
import requests

from ambra_sdk.api import Api
from ambra_sdk.exceptions.base import RequestTimeout
from tests.helpers.servers import DripServer, SilentServer

CONNECT, READ = 1.0, 0.75
DEADLINE = 1.0
BOUND = DEADLINE + CONNECT + 3 * READ
SID = 'sid-timeouts-0123456789'


@pytest.fixture(scope='module')
def silent() -> Iterator[SilentServer]:
    with SilentServer() as server:
        yield server


@pytest.fixture(scope='module')
def drip() -> Iterator[DripServer]:
    with DripServer(interval=0.5) as server:  # 2 bytes a second: never a read timeout by itself
        yield server


def _api(server: Any, **kwargs: Any) -> Api:
    storage = 'http://{engine_fqdn}/api/v3/storage'
    if 'username' in kwargs:
        api = Api.with_creds(server.url, rate_limits=None, timeout=(CONNECT, READ), storage_base_url=storage, **kwargs)
    else:
        api = Api.with_sid(server.url, SID, rate_limits=None, timeout=(CONNECT, READ), storage_base_url=storage)
    for params in (api.service_retry_params, api.storage_retry_params):
        params.update(deadline_seconds=DEADLINE, backoff_factor=0.01)
    return api


def _service_read(server: Any, tmp: str) -> Any:
    return _api(server).Session.user().get()


def _service_write(server: Any, tmp: str) -> Any:
    return _api(server).Study.add(thin=1, storage_namespace='ns', phi_namespace='ns').get()


def _login(server: Any, tmp: str) -> Any:
    return _api(server, username='someone@example.com', password='timeout-Passw0rd').get_sid()


def _storage_json(server: Any, tmp: str) -> Any:
    return _api(server).Storage.Study.schema(server.engine_fqdn, 'ns', '1.2.3')


def _storage_download(server: Any, tmp: str) -> Any:
    target = os.path.join(tmp, 'study.zip')
    try:
        return _api(server).Storage.Study.download(server.engine_fqdn, 'ns', '1.2.3', bundle='dicom', to_path=target)
    finally:
        assert not os.path.exists(target), 'partial download left under the final name'
        assert os.listdir(tmp) == [], 'temporary file left behind'


def _upload(server: Any, tmp: str) -> Any:
    path = os.path.join(tmp, 'upload.bin')
    with open(path, 'wb') as handle:
        handle.write(b'\0' * 200000)
    try:
        return _api(server).Storage.Image.upload(server.engine_fqdn, 'ns', path)
    finally:
        os.unlink(path)


CALLS: Dict[str, Callable[[Any, str], Any]] = {
    'service-read': _service_read,
    'service-write': _service_write,
    'login': _login,
    'storage-json': _storage_json,
    'storage-download': _storage_download,
    'upload': _upload,
}


@pytest.mark.parametrize('kind', sorted(CALLS))
@pytest.mark.parametrize('server_name', ['silent', 'drip'])
def test_call_ends_with_a_timeout(request, tmp_path, kind, server_name):
    server = request.getfixturevalue(server_name)
    folder = tmp_path / 'out'
    folder.mkdir()
    start = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout) as info:
        CALLS[kind](server, str(folder))
    elapsed = time.monotonic() - start
    assert elapsed < BOUND, '{0} took {1:.1f}s'.format(kind, elapsed)
    assert isinstance(info.value, RequestTimeout)
    assert SID not in str(info.value)


def test_no_timeout_means_no_guard():
    """``timeout=None`` is the user's explicit choice: the body guard is off too."""
    from ambra_sdk.api.body_guard import read_timeout_of

    assert read_timeout_of(None) is None
    assert read_timeout_of((1, None)) is None
    assert read_timeout_of((1, 2.5)) == 2.5
    assert read_timeout_of(3) == 3.0


def test_a_slow_but_moving_body_is_not_cut(tmp_path):
    """The guard wants 1 KiB per read timeout: a 20 KiB/s body passes."""
    from tests.reliability.servers import Answer, ScriptedServer

    body = os.urandom(64 * 1024)
    with ScriptedServer([Answer(body)]) as server:
        api = _api(server)
        response = api.storage_get('http://{0}/api/v3/storage/x'.format(server.engine_fqdn), True,
                                   params={}, stream=True)
        assert b''.join(response.iter_content(4096)) == body
