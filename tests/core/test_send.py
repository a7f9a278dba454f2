"""The SDK sessions' send (:mod:`ambra_sdk.api.send`) behaves as ``requests.Session.send`` without redirects.

Each call goes once through an SDK session and once through a plain
``requests.Session`` to a real loopback server: the bytes on the wire, the
responses, their cookies and the sessions' cookie jars must be the same,
whether the answer sets cookies, redirects, or neither.
"""

import pytest
import requests
from requests.adapters import HTTPAdapter

from ambra_sdk.api.send import may_set_cookies
from ambra_sdk.api.transport import SAFE_POLICY, build_session, default_storage_retry_params
from tests.helpers.servers import RecordingServer

TIMEOUT = (5.0, 5.0)


def _answer(request_line):
    path = request_line.split()[1]
    if path.startswith('/cookie'):
        return 200, 'Set-Cookie: flavour=oat; Path=/\r\nSet-Cookie: other=1; Path=/cookie\r\n'
    if path.startswith('/redirect'):
        return 302, 'Location: /elsewhere?x=1\r\nSet-Cookie: moved=yes; Path=/\r\n'
    if path.startswith('/moved'):
        return 301, 'Location: http://other.invalid/far\r\n'
    return 200, 'X-Plain: 1\r\n'


def _sdk_session(**kwargs):
    return build_session(default_storage_retry_params(SAFE_POLICY), lambda: {}, lambda: TIMEOUT, kind='storage',
                         **kwargs)


def _plain_session():
    return requests.Session()


def _call(session, server, method, path, sdk, **kwargs):
    url = 'http://{0}{1}'.format(server.engine_fqdn, path)
    if not sdk:
        kwargs.update(timeout=TIMEOUT, allow_redirects=False)
    return session.request(method, url, **kwargs)


def _wire(server):
    with server.lock:
        requests_seen = list(server.requests)
        server.requests.clear()
    return [(line, {k: v for k, v in headers.items() if k != 'user-agent'}, body)
            for line, headers, body in requests_seen]


def _response(response):
    following = response.next
    return (
        response.status_code, dict(response.headers), response.content, response.cookies.get_dict(),
        response.history, response.url, response.reason, response.encoding, response.is_redirect,
        None if following is None else (following.method, following.url, dict(following.headers)),
    )


CALLS = [
    ('GET', '/plain?a=1', {}),
    ('POST', '/plain', {'data': b'\x00bytes'}),
    ('POST', '/cookie/set', {'data': {'form': 'é'}, 'params': {'sid': 'S'}}),
    ('GET', '/cookie/again', {}),                    # the jar's cookies go back on the wire
    ('POST', '/redirect', {'data': b'body'}),        # not followed; its cookie kept, its next request told
    ('DELETE', '/moved', {}),
    ('GET', '/plain', {'cookies': {'asked': 'v'}, 'headers': {'X-Call': 'c'}}),
]


def test_calls_match_plain_requests_on_the_wire_and_in_the_jar():
    with RecordingServer(answer=_answer) as server:
        sdk, plain = _sdk_session(), _plain_session()
        for method, path, kwargs in CALLS:
            ours = _call(sdk, server, method, path, True, **kwargs)
            ours_wire = _wire(server)
            theirs = _call(plain, server, method, path, False, **kwargs)
            theirs_wire = _wire(server)
            assert ours_wire == theirs_wire, path
            assert _response(ours) == _response(theirs), path
            assert sdk.cookies.get_dict() == plain.cookies.get_dict(), path
            assert sorted((c.name, c.path) for c in sdk.cookies) == sorted((c.name, c.path) for c in plain.cookies)
        assert sdk.cookies.get_dict() == {'flavour': 'oat', 'other': '1', 'moved': 'yes'}


@pytest.mark.parametrize('on_request', [True, False])
def test_hooks_run_as_in_requests(on_request):
    with RecordingServer(answer=_answer) as server:
        results = {}
        for sdk in (True, False):
            seen = []

            def hook(response, seen=seen, **kwargs):
                seen.append((response.status_code, sorted(kwargs)))
                response.headers['X-Hooked'] = 'yes'

            session = _sdk_session() if sdk else _plain_session()
            session.hooks['response'].append(hook)
            extra = {'hooks': {'response': [hook]}} if on_request else {}
            response = _call(session, server, 'GET', '/cookie', sdk, **extra)
            results[sdk] = (seen, response.headers.get('X-Hooked'), session.cookies.get_dict())
        assert results[True] == results[False]  # the request's hooks replace the session's, as in requests
        assert results[True] == ([(200, ['cert', 'proxies', 'stream', 'timeout', 'verify'])], 'yes',
                                 {'flavour': 'oat', 'other': '1'})


def test_a_mounted_adapter_gets_the_same_request_and_arguments():
    calls = []

    class Recording(HTTPAdapter):
        def send(self, request, **kwargs):
            calls.append((request.method, request.url, dict(request.headers), request.body, kwargs))
            return super().send(request, **kwargs)

    with RecordingServer(answer=_answer) as server:
        sdk, plain = _sdk_session(), _plain_session()
        for session in (sdk, plain):
            session.mount('http://{0}/cookie'.format(server.engine_fqdn), Recording())
        _call(sdk, server, 'POST', '/cookie/x', True, data={'a': '1'})
        _call(plain, server, 'POST', '/cookie/x', False, data={'a': '1'}, stream=True)  # the SDK streams, then reads
    assert calls[0][:4] == calls[1][:4]
    assert calls[0][4] == calls[1][4] and list(calls[0][4]) == list(calls[1][4])
    assert sdk.cookies.get_dict() == plain.cookies.get_dict() == {'flavour': 'oat', 'other': '1'}


@pytest.mark.parametrize('headers, expected', [
    ('X-One: 1\r\nContent-Length: 0', False),
    ('Set-Cookie: a=b', True),
    ('set-cookie2: a=b', True),
    ('SET-COOKIE: a=b', True),
])
def test_may_set_cookies_reads_the_header_names(headers, expected):
    import email.parser
    import http.client

    message = email.parser.Parser(_class=http.client.HTTPMessage).parsestr(headers + '\r\n\r\n')

    class Original:
        msg = message

    class Raw:
        _original_response = Original()

    assert may_set_cookies(Raw()) is expected
    assert may_set_cookies(object()) is False  # requests extracts nothing without an original response


@pytest.mark.parametrize('through_proxy', [False, True])
def test_adapter_connection_and_target_as_requests(through_proxy):
    """Without proxies the SDK adapter skips requests' proxy search; with one it is requests' own path."""
    with RecordingServer() as server:
        origin = 'http://{0}'.format(server.engine_fqdn)
        url = ('http://storage.invalid' if through_proxy else origin) + '/p/a%20b//c?q=1'
        proxies = {'http': origin} if through_proxy else {}
        seen = []
        for sdk in (True, False):
            session = _sdk_session() if sdk else _plain_session()
            response = session.request(
                'GET', url, proxies=proxies, **({} if sdk else {'timeout': TIMEOUT, 'allow_redirects': False}))
            seen.append((response.status_code, response.content, _wire(server)))
            adapter = session.get_adapter(url)
            prepared = session.prepare_request(requests.Request('GET', url))
            seen.append((adapter.request_url(prepared, proxies),
                         adapter.get_connection_with_tls_context(prepared, True, proxies=proxies).host))
        assert seen[0] == seen[2]
        assert seen[1] == seen[3]
        assert seen[0][2][0][0].split()[1] == ('http://storage.invalid/p/a%20b//c?q=1' if through_proxy
                                               else '/p/a%20b//c?q=1')


def test_adapter_invalid_url_as_requests():
    session = _sdk_session()
    for url in ('http://[::1/x', 'http://127.0.0.1:99999/x', 'http:///x'):
        prepared = requests.PreparedRequest()
        prepared.prepare(method='GET', url='http://127.0.0.1:1/x')
        prepared.url = url
        raised = []
        for adapter in (session.get_adapter('http://x'), HTTPAdapter()):
            try:
                adapter.get_connection_with_tls_context(prepared, True, proxies={})
            except Exception as error:  # noqa: BLE001 (compared)
                raised.append((type(error), str(error)))
            else:
                raised.append(None)
        assert raised[0] == raised[1], url
