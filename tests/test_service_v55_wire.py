"""Every method of LBL0022 v55.0 sends what the v55 document says (issue 23, "done when").

The expectations come from the vendor HTML read by the generator's parser
(``tools.codegen.parse_api``), not from endpoints.json. Each method is called through
``api.<Namespace>`` (the union classes) and sent by the real Api path to the emulator
over loopback; the service session's ``send`` is wrapped to keep each
``PreparedRequest`` (method, path, form) before its adapter sends it.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from typing import Any, Dict, Iterator, List
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from ambra_sdk.api import Api
from ambra_sdk.api.base_api import RateLimit, RateLimits
from ambra_sdk.exceptions.base import AmbraException
from ambra_sdk.service import entrypoints
from ambra_sdk.service.entrypoints._build import quoted_key
from ambra_sdk.service.filtering import Filter, FilterCondition
from tools.codegen.cli import DEFAULT_APIDOCS
from tools.codegen.parse_api import Endpoint, Param, parse_api

API_V55_HTML = DEFAULT_APIDOCS / 'api_v55.html'
#: A dict key with the characters the v55 document says to escape.
ODD_KEY = "Dr O'Neil\\x"

pytestmark = pytest.mark.skipif(not API_V55_HTML.is_file(), reason='vendor HTML (../shared/apidocs) not available')


@functools.lru_cache(maxsize=1)
def v55_endpoints() -> List[Endpoint]:
    if not API_V55_HTML.is_file():
        return []
    return parse_api(API_V55_HTML.read_text(encoding='utf-8')).endpoints


@pytest.fixture
def wire_api(emulator: Any) -> Iterator[Api]:
    """A fresh emulator state and an Api without the default 2 calls/s limit (880 tests)."""
    emulator.reset()
    fast = RateLimit(10000, 1)
    api = emulator.api(rate_limits=RateLimits(default=fast, get_limit=fast, special=None))
    yield api
    api.logout()


def _ids() -> List[str]:
    return [endpoint.url for endpoint in v55_endpoints()]


def _argument(param: Param) -> Any:
    if param.dict_prefix is None:
        return 'v-' + param.python_name
    return {'K1': 'd-' + param.python_name, ODD_KEY: 'q-' + param.python_name}


def _expected_form(param: Param) -> Dict[str, str]:
    if param.dict_prefix is None:
        return {param.name: 'v-' + param.python_name}
    keys = ['K1', ODD_KEY]
    if param.dict_quote:
        keys = [quoted_key(key, param.dict_quote) for key in keys]
    return {param.dict_prefix + keys[0]: 'd-' + param.python_name, param.dict_prefix + keys[1]: 'q-' + param.python_name}


def _capture(api: Api, monkeypatch: pytest.MonkeyPatch) -> List[requests.PreparedRequest]:
    sent: List[requests.PreparedRequest] = []
    session = api.service_session
    original = session.send

    def send(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        sent.append(request)
        return original(request, **kwargs)

    monkeypatch.setattr(session, 'send', send)
    return sent


def _send(api: Api, endpoint: Endpoint, sent: List[requests.PreparedRequest], **kwargs: Any) -> Dict[str, str]:
    method = getattr(getattr(api, endpoint.namespace), endpoint.method)
    sid = api.get_sid()  # logged in before: only the call itself is captured
    sent.clear()
    with contextlib.suppress(AmbraException, requests.RequestException):  # the answer to dummy values
        method(**kwargs).get()
    assert sent, endpoint.url
    request = sent[0]
    assert request.method == 'POST'
    assert urlsplit(request.url).path == '/api/v3' + endpoint.url
    body = request.body or ''
    form = dict(parse_qsl(body if isinstance(body, str) else body.decode('utf-8'), keep_blank_values=True))
    if endpoint.sid == 'none':
        assert 'sid' not in form, endpoint.url
    else:
        assert form.pop('sid') == sid, endpoint.url
    return form


def test_the_v55_document_is_read():
    endpoints = v55_endpoints()
    assert len(endpoints) == 440
    assert len({e.namespace for e in endpoints}) == 49


@pytest.mark.parametrize('endpoint', v55_endpoints(), ids=_ids())
def test_minimal_call(wire_api, monkeypatch, endpoint):
    """Only what v55 requires: exactly those form keys (sid aside), with the values given."""
    sent = _capture(wire_api, monkeypatch)
    required = [p for p in endpoint.params if p.required]
    form = _send(wire_api, endpoint, sent, **{p.python_name: _argument(p) for p in required})
    expected: Dict[str, str] = {}
    for param in required:
        expected.update(_expected_form(param))
    assert form == expected, endpoint.url


@pytest.mark.parametrize('endpoint', v55_endpoints(), ids=_ids())
def test_maximal_call(wire_api, monkeypatch, endpoint):
    """Every v55 parameter: each sent under its v55 wire name (dict keys prefixed, quoted as documented)."""
    sent = _capture(wire_api, monkeypatch)
    form = _send(wire_api, endpoint, sent, **{p.python_name: _argument(p) for p in endpoint.params})
    expected: Dict[str, str] = {}
    for param in endpoint.params:
        expected.update(_expected_form(param))
    assert form == expected, endpoint.url


def test_union_signatures_keep_the_v47_ones():
    """Every 3.21.6 parameter keeps its place and default in ``api.<Namespace>``; later ones are keyword-only."""
    api = Api.with_sid('http://127.0.0.1:9/api/v3', 'SID-OFFLINE')
    for name in entrypoints.__all__:
        reference = getattr(entrypoints, name)
        union = type(getattr(api, name))
        assert issubclass(union, reference)
        for method_name, function in inspect.getmembers(reference, inspect.isfunction):
            if method_name.startswith('_'):
                continue
            old = list(inspect.signature(function).parameters.values())
            new = list(inspect.signature(getattr(union, method_name)).parameters.values())
            assert [p.name for p in new[:len(old)]] == [p.name for p in old], (name, method_name)
            for before, after in zip(old, new):
                assert after.kind == before.kind
                assert before.default is inspect.Parameter.empty or after.default is None
            assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in new[len(old):]), (name, method_name)


@pytest.mark.parametrize(
    ('namespace', 'method', 'old', 'new'),
    [
        ('Destination', 'add', 'can_mwl_search', 'can_search_mwl'),
        ('Destination', 'set', 'can_mwl_search', 'can_search_mwl'),
        ('Query', 'add', 'study_id', 'created_study_id'),
        ('Site', 'user_set', 'email', 'site_email'),
    ],
)
def test_renamed_parameters_are_sent_under_the_name_used(wire_api, monkeypatch, namespace, method, old, new):
    endpoint = next(e for e in v55_endpoints() if (e.namespace, e.method) == (namespace, method))
    required = {p.python_name: 'x' for p in endpoint.params if p.required and p.python_name != 'user_id'}
    sent = _capture(wire_api, monkeypatch)
    for keyword in (old, new):
        form = _send(wire_api, endpoint, sent, **required, **{keyword: '1'})
        assert form[keyword] == '1'
        assert ({old, new} - {keyword}).isdisjoint(form)


def test_v47_required_parameters_that_v55_relaxed_are_optional(wire_api, monkeypatch):
    api = wire_api
    sent = _capture(api, monkeypatch)
    endpoint = next(e for e in v55_endpoints() if e.url == '/query/add')
    assert _send(api, endpoint, sent, group_id='g') == {'group_id': 'g'}
    endpoint = next(e for e in v55_endpoints() if e.url == '/destination/list')
    assert _send(api, endpoint, sent, account_id='a') == {'account_id': 'a'}
    # and a v55-required parameter that v47 did not require stays optional (a v47 call works)
    endpoint = next(e for e in v55_endpoints() if e.url == '/qctask/add')
    assert _send(api, endpoint, sent, namespace_id='n') == {'namespace_id': 'n'}
    # and a v47 call of them still works positionally
    assert api.Query.add('g', 's').request_data['subject'] == 's'
    assert api.Destination.list('a', 'u').request_data['uuid'] == 'u'


def test_customfield_search_plain_call_sends_what_v47_sent(wire_api, monkeypatch):
    api = wire_api
    endpoint = next(e for e in v55_endpoints() if e.url == '/customfield/search')
    sent = _capture(api, monkeypatch)
    union_form = _send(api, endpoint, sent, uuid='cf', search='abc')
    sent.clear()
    entrypoints.Customfield(api).search(uuid='cf', search='abc').get()
    reference_form = dict(parse_qsl(str(sent[0].body)))
    reference_form.pop('sid')
    assert union_form == reference_form == {'uuid': 'cf', 'search': 'abc'}
    # and it is filterable and sortable now (not paginated: a plain call would send page.*)
    sent.clear()
    query = api.Customfield.search(uuid='cf').filter_by(Filter('name', FilterCondition.equals, 'x'))
    with contextlib.suppress(AmbraException):
        query.get()
    form = dict(parse_qsl(str(sent[0].body)))
    assert form['filter.name.equals'] == 'x'
    assert not any(key.startswith('page.') for key in form)


def test_v55_error_codes_are_mapped(api):
    from ambra_sdk.exceptions import service as exceptions
    from ambra_sdk.exceptions.service_base import PreconditionFailed

    mapping = api.Radreport.delete(uuid='r')._errors_mapping
    assert isinstance(mapping[('LOCKED', None)], exceptions.Locked)
    assert isinstance(api.Session.login(login='x')._errors_mapping[('PUBLIC_KEY_EXPIRED', None)],
                      exceptions.PublicKeyExpired)
    assert ('PUBLIC_KEY_EXPIRED', None) not in entrypoints.Session(api).login(login='x')._errors_mapping
    for name in exceptions.ADDED:
        assert issubclass(getattr(exceptions, name), PreconditionFailed)
        assert name in exceptions.__all__


def test_looking_up_an_added_exception_keeps_the_module_body():
    import ambra_sdk.exceptions.service as exceptions

    before = set(vars(exceptions))
    assert exceptions.PendingRestore.__name__ == 'PendingRestore'
    from ambra_sdk.exceptions.service import PublicKeyExpired  # noqa: F401

    assert set(vars(exceptions)) == before
