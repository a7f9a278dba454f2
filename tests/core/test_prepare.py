"""The SDK sessions prepare requests exactly as requests does, and memoise environment settings faithfully."""

from __future__ import annotations

import io

import pytest
import requests

from ambra_sdk.api.environment import CACHEABLE, EnvironmentSettings
from ambra_sdk.api.prepare import encode_pairs, prepare_request

URL = 'http://127.0.0.1:9/api/v3/study/list'

CASES = [
    {'method': 'post', 'url': URL, 'data': {'sid': 'S', 'uuid': 'é', 'n': 3, 'none': None, 'many': ['a', 'b'], 'b': b'x'}},
    {'method': 'POST', 'url': URL + '?q=1', 'data': {}, 'params': {'sid': 'S', 'list': [1, 2], 'skip': None}},
    {'method': 'GET', 'url': URL, 'params': {'sid': 'S'}, 'headers': {'X-One': '1', 'Accept': None}},
    {'method': 'POST', 'url': URL, 'data': 'raw=text', 'headers': {'content-type': 'text/plain'}},
    {'method': 'POST', 'url': URL, 'data': {'a': '1'}, 'headers': {'Content-Type': 'application/x-custom'}},
    {'method': 'POST', 'url': URL, 'data': [('a', '1'), ('a', '2')]},            # requests' own path
    {'method': 'POST', 'url': URL, 'json': {'a': 1}},                             # requests' own path
    {'method': 'POST', 'url': URL, 'files': {'f': ('name', b'bytes')}},           # requests' own path
    {'method': 'POST', 'url': URL, 'params': [('sid', 'S')], 'cookies': {'c': 'v'}},
    {'method': 'DELETE', 'url': URL, 'auth': ('user', 'pass')},
]


def _session():
    session = requests.Session()
    session.headers['X-Session'] = 'yes'
    session.params = {'from_session': 'p', 'sid': 'session-sid'}
    session.cookies.set('jar', 'cookie', domain='127.0.0.1')
    return session


def _wire(prepared):
    return prepared.method, prepared.url, prepared.body, {k.lower(): v for k, v in prepared.headers.items()}


@pytest.mark.parametrize('case', CASES, ids=[str(index) for index in range(len(CASES))])
def test_prepared_like_requests(case, monkeypatch):
    monkeypatch.setattr('urllib3.filepost.choose_boundary', lambda: 'boundary')  # multipart bodies compare
    session = _session()
    expected = session.prepare_request(requests.Request(**case))
    assert _wire(prepare_request(session, requests.Request(**case))) == _wire(expected)


@pytest.mark.parametrize('case', CASES, ids=[str(index) for index in range(len(CASES))])
def test_prepared_like_requests_without_session_cookies(case, monkeypatch):
    monkeypatch.setattr('urllib3.filepost.choose_boundary', lambda: 'boundary')
    session = _session()
    session.cookies.clear()  # the quick path: no Cookie header step
    expected = session.prepare_request(requests.Request(**case))
    ours = prepare_request(session, requests.Request(**case))
    assert _wire(ours) == _wire(expected)
    assert ours._cookies.get_dict() == expected._cookies.get_dict()  # what a redirect would start from


def test_a_file_body_is_streamed_as_requests_streams_it():
    session = _session()
    ours = prepare_request(session, requests.Request('POST', URL, data=io.BytesIO(b'1234'), params={'sid': 'S'}))
    theirs = session.prepare_request(requests.Request('POST', URL, data=io.BytesIO(b'1234'), params={'sid': 'S'}))
    assert _wire(ours)[1:2] == _wire(theirs)[1:2] and ours.headers == theirs.headers
    assert ours.body.read() == theirs.body.read() == b'1234'


def test_netrc_credentials_are_still_used(tmp_path, monkeypatch):
    netrc = tmp_path / 'netrc'
    netrc.write_text('machine 127.0.0.1 login someone password secret\n')
    netrc.chmod(0o600)
    monkeypatch.setenv('NETRC', str(netrc))
    session = requests.Session()
    ours = prepare_request(session, requests.Request('GET', URL))
    assert ours.headers['Authorization'] == session.prepare_request(requests.Request('GET', URL)).headers[
        'Authorization']


def test_remembered_urls_are_requests_urls():
    """The per-session URL memo answers as requests' preparation, whatever came before."""
    session = _session()
    cases = [
        (URL, {'sid': 'S'}), (URL, {'sid': 'S'}), (URL, {'sid': 'T'}), (URL + '?q=1', {'sid': 'S'}),
        (URL, {'n': 1}), (URL, {'n': True}), (URL, {'n': '1'}), (URL, {'n': 1}), (URL, {}), (URL, None),
        ('http://b\u00fccher.example/x y', {'k': 'v w'}), ('http://b\u00fccher.example/x y', {'k': 'v w'}),
        (URL, {'sid': 'S', 'uuid': 'a'}), (URL, {'uuid': 'a', 'sid': 'S'}),
    ]
    for _ in range(2):
        for url, params in cases:
            request = requests.Request('GET', url, params=params)
            assert prepare_request(session, request).url == session.prepare_request(request).url
    for number in range(200):  # bounded
        prepare_request(session, requests.Request('GET', URL, params={'sid': str(number)}))
    assert len(session._ambra_url_memo) <= 64
    with pytest.raises(requests.exceptions.InvalidURL):  # errors are not remembered
        prepare_request(session, requests.Request('GET', 'http://[bad/x', params={'sid': 'S'}))
    with pytest.raises(requests.exceptions.InvalidURL):
        prepare_request(session, requests.Request('GET', 'http://[bad/x', params={'sid': 'S'}))


def test_checked_headers_are_checked_as_requests_checks_them():
    """The per-session memo of valid header pairs never lets an invalid one through."""
    session = _session()
    for _ in range(2):
        for headers in ({'X-Ok': 'v'}, {'X-Ok': b'v'}, {b'X-Bytes': b'v'}):
            request = requests.Request('GET', URL, headers=headers)
            assert _wire(prepare_request(session, request)) == _wire(session.prepare_request(request))
        for headers in ({'X-Bad': ' leading'}, {'X-Bad': 'a\r\nb'}, {'X Bad:': 'v'}, {'X-Int': 1}):
            request = requests.Request('GET', URL, headers=headers)
            with pytest.raises(requests.exceptions.InvalidHeader):
                session.prepare_request(request)
            with pytest.raises(requests.exceptions.InvalidHeader):
                prepare_request(session, request)
    for number in range(600):  # bounded
        prepare_request(session, requests.Request('GET', URL, headers={'X-N': str(number)}))
    assert len(session._ambra_header_memo) <= 256


def test_encode_pairs_is_requests_encoding():
    fields = {'a': 'x y', 'é': 'ü', 'n': 0, 'f': 1.5, 'l': ('1', None, '2'), 'none': None, 'b': b'\x00'}
    assert encode_pairs(fields) == requests.models.RequestEncodingMixin._encode_params(fields)


@pytest.mark.skipif(not CACHEABLE, reason='the environment alone decides only on Linux-like systems')
def test_environment_settings_follow_the_variables(monkeypatch):
    for name in ('http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY', 'no_proxy',
                 'NO_PROXY', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE'):
        monkeypatch.delenv(name, raising=False)
    session = requests.Session()
    memo = EnvironmentSettings(session.merge_environment_settings)

    def both(url='http://example.com/api'):
        ours = memo.get(session, url, {}, None, None, None)
        assert ours == session.merge_environment_settings(url, {}, None, None, None)
        return ours

    assert both()['proxies'] == {}
    monkeypatch.setenv('http_proxy', 'http://proxy:3128')
    assert both()['proxies']['http'] == 'http://proxy:3128'  # seen at the next request
    monkeypatch.setenv('no_proxy', 'example.com')
    assert both()['proxies'] == {}
    assert both('http://other.org/x')['proxies']['http'] == 'http://proxy:3128'
    monkeypatch.setenv('REQUESTS_CA_BUNDLE', '/etc/ssl/bundle.pem')
    assert both()['verify'] == '/etc/ssl/bundle.pem'
    session.trust_env = False
    assert both()['verify'] is True
    memo.get(session, 'http://example.com/api', {}, None, None, None)['proxies']['http'] = 'changed'
    assert 'http' not in both()['proxies']  # callers get copies


@pytest.mark.skipif(not CACHEABLE, reason='the environment alone decides only on Linux-like systems')
def test_the_memo_key_reads_the_variables_as_os_environ_has_them(monkeypatch):
    import os

    from ambra_sdk.api.environment import ENV_NAMES, _variables

    monkeypatch.setenv('no_proxy', 'é.example')
    monkeypatch.delenv('NO_PROXY', raising=False)
    quick = _variables()
    assert len(quick) == len(ENV_NAMES) and quick[ENV_NAMES.index('NO_PROXY')] is None
    assert quick[ENV_NAMES.index('no_proxy')] is not None
    monkeypatch.setattr(os, 'environ', {'no_proxy': 'x'})  # a replaced os.environ: read through its get
    assert _variables() == tuple('x' if name == 'no_proxy' else None for name in ENV_NAMES)


def test_the_sdk_sessions_use_both(monkeypatch):
    from ambra_sdk.api import Api

    api = Api.with_sid('http://127.0.0.1:9/api/v3', 'sid', rate_limits=None)
    session = api.service_session
    request = requests.Request('POST', URL, data={'sid': 'S'})
    assert _wire(session.prepare_request(request)) == _wire(requests.Session.prepare_request(session, request))
    monkeypatch.setenv('https_proxy', 'http://proxy:3128')
    settings = session.merge_environment_settings('https://host/x', {}, None, None, None)
    assert settings == requests.Session.merge_environment_settings(session, 'https://host/x', {}, None, None, None)
