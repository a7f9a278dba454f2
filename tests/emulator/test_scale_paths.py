"""The fast paths for big listings answer exactly like the full list pipeline.

``/study/list`` without filters or ``sort_by`` is served with ``LIMIT``/``OFFSET``;
a no-op filter (``filter.uuid.like=%``) forces the full pipeline, so both
answers can be compared. No timing here: ``bench/bench_pagination.py`` measures.
"""

from __future__ import annotations

import json
from typing import Any

import requests

FORCE_FULL = {'filter.uuid.like': '%'}


def _page(client: Any, extra: dict[str, Any], sid: str = '') -> dict[str, Any]:
    body = client.ok('/study/list', extra, sid=sid)
    body.pop('status')
    return body


def test_seed_studies_helper_and_control_call(client):
    emulator = client.emulator
    assert emulator.seed_studies(25) == 25
    response = requests.post(
        f'http://{emulator.engine_fqdn}/_emulator/studies/seed', json={'count': 5}, headers=emulator.control_headers(), timeout=30,
    )
    assert response.json() == {'status': 'OK', 'count': 5}
    bad = requests.post(
        f'http://{emulator.engine_fqdn}/_emulator/studies/seed', json={'count': 1, 'namespace_id': 'nope'}, headers=emulator.control_headers(),
        timeout=30,
    )
    assert bad.status_code == 400
    assert client.ok('/study/count')['count'] == 30
    study = client.ok('/study/list', {'page.rows': 1})['studies'][0]
    assert study['storage_namespace'] == emulator.namespace_id
    assert study['account_id'] == emulator.account_id
    assert study['patient_name'].startswith('BULK^')
    assert client.ok('/study/get', {'uuid': study['uuid']})['study_uid'] == study['study_uid']


def test_unfiltered_pages_equal_the_full_pipeline(client):
    client.emulator.seed_studies(23)
    client.add_study(study_uid='1.2.3', patient_name='LAST^ADDED')
    for rows in (1, 7, 24, 100):
        for number in range(1, 24 // rows + 3):
            params = {'page.rows': rows, 'page.number': number}
            assert _page(client, params) == _page(client, {**params, **FORCE_FULL}), params
    fields = {'page.rows': 5, 'page.number': 2, 'fields': json.dumps(['uuid', 'patient_name'])}
    fast = _page(client, fields)
    assert fast == _page(client, {**fields, **FORCE_FULL})
    assert all(set(row) == {'uuid', 'patient_name'} for row in fast['studies'])
    assert _page(client, {}) == _page(client, FORCE_FULL)  # default page size
    assert client.ok('/study/list', {'page.rows': 1})['studies'][0]['patient_name'] == 'LAST^ADDED'


def test_unfiltered_pages_of_a_non_admin(client):
    emulator = client.emulator
    other_account = client.ok('/account/add', {'name': 'Elsewhere'})
    emulator.seed_studies(4, namespace_id=other_account['namespace_id'])
    emulator.seed_studies(6)
    emulator.add_user('viewer@example.com', 'Viewer-123')
    sid = client.ok('/session/login', {'login': 'viewer@example.com', 'password': 'Viewer-123'}, sid=None)['sid']
    for number in (1, 2, 3):
        params = {'page.rows': 4, 'page.number': number}
        assert _page(client, params, sid) == _page(client, {**params, **FORCE_FULL}, sid)
    assert client.ok('/study/count', sid=sid)['count'] == 6
    assert client.ok('/study/count')['count'] == 10


def test_unfiltered_errors_match_the_full_pipeline(client):
    client.emulator.seed_studies(3)
    # /study/list and /study/count document neither INVALID_FLAG nor INVALID_INTEGER: malformed values
    # are ignored, by the fast path and the full pipeline alike (issue 22 point 5)
    for params in ({'extra': 'maybe'}, {'extra': 'maybe', 'page.number': 9}, {'page.rows': 'x'},
                   {'page.rows': 'x', 'extra': 'maybe'}):
        fast = client.ok('/study/list', params)
        assert fast == client.ok('/study/list', {**params, **FORCE_FULL}), params
    assert client.ok('/study/count', {'extra': 'maybe'})['count'] == 3
