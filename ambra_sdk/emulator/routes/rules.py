"""``/rule_set/*`` and ``/timer_rule/*`` (LBL0022 v55.0): study status timer rules of an account.

A rule set belongs to an account; a timer rule belongs to a rule set (its rows also carry the
account, which the permission check reads). ``/rule_set/delete`` answers ``IN_USE`` while the
set holds timer rules. Timer rules validate as the document says: ``action`` one of
:data:`ACTIONS`, ``sequence`` an integer, ``old_values``/``new_values`` JSON hashes whose keys
are :data:`STUDY_FIELDS` and whose values are arrays; a ``phi_namespace`` value names an
existing namespace. Lists are ordered by ``sequence`` (timer rules) or creation, paginated.
"""

from __future__ import annotations

from typing import Any

from ..context import RequestContext
from ..errors import ServiceError, not_found
from ..listing import list_answer, select_fields
from ..registry import service_route
from .common import get_or_404, require_account
from .object_routes import register_object_routes

__all__: list[str] = []

#: ``action`` values of the document.
ACTIONS = ('reset', 'reset_and_stop', 'reset_and_resume', 'resume', 'stop', 'do_nothing')
#: "The following study attributes are supported in condition definitions".
STUDY_FIELDS = ('study_status', 'phi_namespace')
RULE_SET_FIELDS = frozenset({'uuid', 'account_id', 'name', 'created', 'created_by', 'updated', 'updated_by'})
TIMER_RULE_FIELDS = frozenset(
    {'uuid', 'rule_set_id', 'name', 'action', 'sequence', 'old_values', 'new_values', 'created', 'updated'},
)
#: Stored on timer rule rows for the permission check, not shown in answers.
_HIDDEN = frozenset({'account_id'})


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in _HIDDEN}


@service_route('/rule_set/add')
def rule_set_add(ctx: RequestContext) -> dict[str, Any]:
    """Create a rule set in an account."""
    ctx.require_user()
    account = require_account(ctx)
    name = ctx.require('name')['name']
    rule_set = ctx.state.add_object('rule_set', {'account_id': account['uuid'], 'name': name})
    return {'uuid': rule_set['uuid']}


@service_route('/rule_set/set')
def rule_set_set(ctx: RequestContext) -> dict[str, Any]:
    """Rename a rule set."""
    rule_set = get_or_404(ctx, 'rule_set')
    if ctx.has('name'):
        ctx.state.update_object('rule_set', rule_set['uuid'], {'name': ctx.param('name')})
    return {}


@service_route('/rule_set/delete')
def rule_set_delete(ctx: RequestContext) -> dict[str, Any]:
    """Delete an empty rule set (``IN_USE`` while it holds timer rules)."""
    rule_set = get_or_404(ctx, 'rule_set')
    if ctx.state.find_object('timer_rule', rule_set_id=rule_set['uuid']):
        raise ServiceError('IN_USE')
    ctx.state.delete_object('rule_set', rule_set['uuid'])
    return {}


register_object_routes('/rule_set', 'rule_set', get=True, listed='rule_sets', allowed=RULE_SET_FIELDS)


def _conditions(ctx: RequestContext, name: str) -> Any:
    if not ctx.has(name):
        return None
    value = ctx.json_param(name)
    if not isinstance(value, dict):
        raise ServiceError('NOT_HASH', name)
    for key, values in value.items():
        if key not in STUDY_FIELDS:
            raise ServiceError('UNSUPPORTED_STUDY_FIELD', key)
        if not isinstance(values, list):
            raise ServiceError('INVALID_VALUE', key)
        if key == 'phi_namespace':
            for namespace_id in values:
                if ctx.state.get_object('namespace', str(namespace_id)) is None:
                    raise ServiceError('NAMESPACE_NOT_FOUND', str(namespace_id))
    return value


def _rule_fields(ctx: RequestContext) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if ctx.has('name'):
        fields['name'] = ctx.param('name')
    if ctx.has('action'):
        action = ctx.param('action')
        if action not in ACTIONS:
            raise ServiceError('VALIDATION_FAILED', 'action')
        fields['action'] = action
    if ctx.has('sequence'):
        try:
            fields['sequence'] = int(str(ctx.param('sequence')))
        except ValueError:
            raise ServiceError('INVALID_INTEGER', 'sequence') from None
    for name in ('old_values', 'new_values'):
        if ctx.has(name):
            fields[name] = _conditions(ctx, name)
    return fields


@service_route('/timer_rule/add')
def timer_rule_add(ctx: RequestContext) -> dict[str, Any]:
    """Add a timer rule to a rule set."""
    ctx.require_user()
    params = ctx.require('action', 'name', 'rule_set_id')
    rule_set = ctx.state.get_object('rule_set', params['rule_set_id'])
    if rule_set is None:
        raise not_found()
    fields = {'sequence': 0, 'old_values': None, 'new_values': None, **_rule_fields(ctx)}
    rule = ctx.state.add_object(
        'timer_rule', {**fields, 'rule_set_id': rule_set['uuid'], 'account_id': rule_set['account_id']},
    )
    return {'uuid': rule['uuid']}


@service_route('/timer_rule/get')
def timer_rule_get(ctx: RequestContext) -> dict[str, Any]:
    """One timer rule."""
    return select_fields(ctx, 'timer_rule', _view(get_or_404(ctx, 'timer_rule')))


# ``set`` updates a timer rule (validated as ``add``); ``delete`` deletes it.
register_object_routes('/timer_rule', 'timer_rule', changes=_rule_fields, delete=True)


@service_route('/timer_rule/list')
def timer_rule_list(ctx: RequestContext) -> dict[str, Any]:
    """Timer rules of an account, by ``sequence``."""
    account = require_account(ctx)
    rows = ctx.state.list_objects('timer_rule', account_id=account['uuid'])
    rows.sort(key=lambda row: row.get('sequence') or 0)
    return list_answer(
        ctx, rows, struct='timer_rule', paginated_field='timer_rules', allowed=TIMER_RULE_FIELDS, transform=_view,
    )
