"""The v55 endpoints with real state in the emulator: rule sets, timer rules, custom field mappings.

Called through ``api.RuleSet``, ``api.TimerRule`` and ``api.Customfield`` over loopback.
"""

from __future__ import annotations

import json

import pytest

from ambra_sdk.emulator.seed import ACCOUNT_UUID
from ambra_sdk.exceptions.service import AlreadyExists, InUse, NotFound, NotHash, NotPermitted, ValidationFailed
from ambra_sdk.exceptions.service import UnsupportedStudyField as Unsupported


def test_rule_set_crud_and_paginated_list(api):
    uuids = [api.RuleSet.add(account_id=ACCOUNT_UUID, name=f'set {n}').get().uuid for n in range(5)]
    assert api.RuleSet.get(uuid=uuids[0]).get().name == 'set 0'
    api.RuleSet.set(uuid=uuids[0], name='renamed').get()
    assert api.RuleSet.get(uuid=uuids[0]).get().name == 'renamed'
    listed = [row.uuid for row in api.RuleSet.list(account_id=ACCOUNT_UUID).set_rows_in_page(2).all()]
    assert sorted(listed) == sorted(uuids)
    page = api.service_post(
        '/rule_set/list', required_sid=True, data={'account_id': ACCOUNT_UUID, 'page.rows': 2, 'page.number': 3},
    ).json()
    assert len(page['rule_sets']) == 1 and page['page'] == {'more': 0, 'number': 3, 'rows': 2}
    api.RuleSet.delete(uuid=uuids[1]).get()
    with pytest.raises(NotFound):
        api.RuleSet.get(uuid=uuids[1]).get()


def test_timer_rules_belong_to_a_rule_set(api):
    rule_set = api.RuleSet.add(account_id=ACCOUNT_UUID, name='timers').get().uuid
    first = api.TimerRule.add(
        action='stop', name='stop on read', rule_set_id=rule_set, sequence=2,
        new_values=json.dumps({'study_status': ['READ']}),
    ).get().uuid
    second = api.TimerRule.add(action='reset', name='reset', rule_set_id=rule_set, sequence=1).get().uuid
    rule = api.TimerRule.get(uuid=first).get()
    assert (rule.action, rule.sequence, rule.new_values, rule.rule_set_id) == (
        'stop', 2, {'study_status': ['READ']}, rule_set,
    )
    assert 'account_id' not in rule
    assert [r.uuid for r in api.TimerRule.list(account_id=ACCOUNT_UUID).all()] == [second, first]
    api.TimerRule.set(uuid=second, sequence=3).get()
    assert [r.uuid for r in api.TimerRule.list(account_id=ACCOUNT_UUID).all()] == [first, second]
    with pytest.raises(InUse):
        api.RuleSet.delete(uuid=rule_set).get()
    api.TimerRule.delete(uuid=first).get()
    api.TimerRule.delete(uuid=second).get()
    api.RuleSet.delete(uuid=rule_set).get()


def test_timer_rule_validation(api):
    rule_set = api.RuleSet.add(account_id=ACCOUNT_UUID, name='v').get().uuid
    with pytest.raises(ValidationFailed):
        api.TimerRule.add(action='explode', name='x', rule_set_id=rule_set).get()
    with pytest.raises(NotHash):
        api.TimerRule.add(action='stop', name='x', rule_set_id=rule_set, old_values='[1]').get()
    with pytest.raises(Unsupported):
        api.TimerRule.add(action='stop', name='x', rule_set_id=rule_set, old_values='{"modality": ["CT"]}').get()
    with pytest.raises(NotFound):
        api.TimerRule.add(action='stop', name='x', rule_set_id='no-such-set').get()


def test_permissions_follow_the_v55_permission_cells(api, emulator):
    """``rule_set`` / ``timer_rule``: account_view to read, account_edit to change (the User role has neither)."""
    rule_set = api.RuleSet.add(account_id=ACCOUNT_UUID, name='admin only').get().uuid
    emulator.add_user('rules@example.com', 'Rules-123')
    user_api = emulator.api().__class__.with_creds(emulator.url, 'rules@example.com', 'Rules-123')
    try:
        with pytest.raises(NotPermitted):
            user_api.RuleSet.add(account_id=ACCOUNT_UUID, name='mine').get()
        with pytest.raises(NotPermitted):
            user_api.RuleSet.get(uuid=rule_set).get()
        with pytest.raises(NotPermitted):
            user_api.TimerRule.add(action='stop', name='x', rule_set_id=rule_set).get()
    finally:
        user_api.logout()


def test_customfield_mappings(api):
    source = api.Customfield.add(account_id=ACCOUNT_UUID, name='From', object='Study').get().uuid
    target = api.Customfield.add(account_id=ACCOUNT_UUID, name='To', object='Study').get().uuid
    mapping = api.Customfield.mapping_add(from_customfield_id=source, to_customfield_id=target, refresh_on_edit=1)
    uuid = mapping.get().uuid
    with pytest.raises(AlreadyExists):
        api.Customfield.mapping_add(from_customfield_id=source, to_customfield_id=target).get()
    api.Customfield.mapping_set(uuid=uuid, overwrite_with_blank=1).get()
    api.Customfield.mapping_delete(uuid=uuid).get()
    with pytest.raises(NotFound):
        api.Customfield.mapping_delete(uuid=uuid).get()
