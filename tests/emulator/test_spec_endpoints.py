"""Every documented endpoint answers: sid rules, MISSING_FIELDS and generic answers.

Parametrized over the 440 endpoints of ``ambra_sdk/service/endpoints.json`` (the union of
LBL0022 v47.0 and v55.0: the 417 of v47 and the 23 that v55 added).
"""

from __future__ import annotations

from typing import Any

import pytest

from ambra_sdk.emulator.generic import EndpointSpec, spec_from_endpoints
from ambra_sdk.emulator.registry import get_service_route, load_route_modules
from ambra_sdk.service.spec import load_all_endpoints, load_endpoints

load_route_modules()
SPEC = spec_from_endpoints(load_all_endpoints())
URLS = sorted(SPEC)


def _filled(endpoint: EndpointSpec) -> dict[str, str]:
    """A form with every required parameter and the first option of each alternative."""
    form = dict.fromkeys(endpoint.required_params, 'x')
    for group in endpoint.alternatives:
        if ['sid'] not in group:
            form.update(dict.fromkeys(group[0], 'x'))
    return form


def test_spec_has_417_endpoints():
    assert len(URLS) == 440
    assert {e['url'] for e in load_endpoints()} < set(URLS)
    assert len(set(URLS) - {e['url'] for e in load_endpoints()}) == 23


@pytest.mark.parametrize('url', URLS)
def test_sid_rules(client, url):
    endpoint = SPEC[url]
    response = client.post(url, sid=None)
    if endpoint.sid in ('required', 'alternative'):
        assert response.status_code == 401, response.text
    else:
        assert response.status_code not in (401, 404, 405, 500), response.text
    bad = client.post(url, sid='bad-sid')
    if endpoint.sid != 'none':
        assert bad.status_code == 401, bad.text


@pytest.mark.parametrize('url', URLS)
def test_missing_fields_and_generic_answer(client, url):
    endpoint = SPEC[url]
    route = get_service_route(url)
    response = client.post(url, {})
    assert response.status_code in (200, 302, 412), response.text
    if response.status_code == 412:
        assert response.json()['status'] == 'ERROR'
    if route is not None and not route.check_spec:
        return
    expected = endpoint.missing({'sid': client.sid})
    if expected:
        body = response.json()
        assert response.status_code == 412, response.text
        assert body['error_type'] == 'MISSING_FIELDS'
        assert body['error_subtype'] == expected
        assert body['error_data'] == expected
    if route is None:
        form = _filled(endpoint)
        answer = client.ok(url, form)
        if endpoint.paginated_field:
            assert answer[endpoint.paginated_field] == []
            assert answer['page'] == {'more': 0, 'number': 1, 'rows': 100}


def test_generic_page_params(client):
    paginated = [u for u in URLS if SPEC[u].paginated_field and get_service_route(u) is None]
    assert paginated
    url = paginated[0]
    form: dict[str, Any] = _filled(SPEC[url])
    form.update({'page.rows': '7', 'page.number': '3'})
    answer = client.ok(url, form)
    assert answer['page'] == {'more': 0, 'number': 3, 'rows': 7}


def test_generic_answer_has_documented_fields(client):
    answer = client.ok('/hl7/get', {'uuid': 'abc', 'raw': '0'})
    documented = SPEC['/hl7/get'].top_returns
    assert documented and set(documented) <= set(answer)
    assert answer['uuid'] == 'abc'


def test_hand_made_spec_fixture(tmp_path):
    """The emulator runs from any spec file with the documented shape."""
    import json

    import requests

    from ambra_sdk.emulator import Emulator

    spec = {
        'endpoints': [
            {'url': '/thing/list', 'sid': 'required', 'paginated_field': 'things', 'params': [], 'returns': []},
            {
                'url': '/thing/get',
                'sid': 'required',
                'paginated_field': None,
                'params': [{'name': 'uuid', 'required': True}, {'name': 'sid', 'required': False}],
                'returns': [{'name': 'status', 'depth': 0}, {'name': 'uuid', 'depth': 0}, {'name': 'n', 'depth': 0}],
            },
            {'url': '/thing/ping', 'sid': 'none', 'paginated_field': None, 'params': [], 'returns': []},
        ]
    }
    path = tmp_path / 'endpoints.json'
    path.write_text(json.dumps(spec))
    with Emulator(spec=str(path)) as emu:
        sid = emu.login()
        base = emu.url
        assert requests.post(base + '/thing/get', data={}).status_code == 401
        body = requests.post(base + '/thing/get', data={'sid': sid}).json()
        assert body['error_type'] == 'MISSING_FIELDS' and body['error_subtype'] == ['uuid']
        assert requests.post(base + '/thing/get', data={'sid': sid, 'uuid': 'u'}).json() == {
            'status': 'OK', 'uuid': 'u', 'n': None,
        }
        listed = requests.post(base + '/thing/list', data={'sid': sid}).json()
        assert listed == {'status': 'OK', 'things': [], 'page': {'more': 0, 'number': 1, 'rows': 100}, 'more': 0}
        assert requests.post(base + '/thing/ping').json() == {'status': 'OK'}
        assert requests.post(base + '/hl7/get', data={'sid': sid}).status_code == 404
