"""``/customfield/*``: custom field definitions."""

from __future__ import annotations

from typing import Any

from ..catalog import FIELDS
from ..context import RequestContext
from ..errors import ServiceError, not_found
from ..registry import service_route
from .common import require_account, settable_fields
from .object_routes import register_object_routes

__all__: list[str] = []

OBJECTS = (
    'Study', 'User', 'Account', 'Group', 'Location', 'Patient', 'Case', 'Order', 'User_account', 'Node',
    'Meeting', 'Qctask',
)
TYPES = ('text', 'memo', 'select', 'date', 'multiselect', 'search', 'radio', 'checkbox', 'number', 'integer')


@service_route('/customfield/add')
def customfield_add(ctx: RequestContext) -> dict[str, Any]:
    """Define a custom field for an account."""
    ctx.require_user()
    account = require_account(ctx, error='ACCOUNT_NOT_FOUND')
    fields = settable_fields(ctx, exclude=('account_id',))
    obj_name = str(fields.get('object', ''))
    if obj_name.lower() not in {o.lower() for o in OBJECTS}:
        raise ServiceError('INVALID_OBJECT')
    fields['object'] = next(o for o in OBJECTS if o.lower() == obj_name.lower())
    field_type = str(fields.get('type') or 'text')
    if field_type not in TYPES:
        raise ServiceError('INVALID_TYPE')
    fields['type'] = field_type
    field = ctx.state.add_object('customfield', {**fields, 'account_id': account['uuid']})
    return {'uuid': field['uuid']}


def _customfield_changes(ctx: RequestContext) -> dict[str, Any]:
    """What ``/customfield/set`` changes (never the account nor the object)."""
    return settable_fields(ctx, exclude=('account_id', 'object'))


register_object_routes('/customfield', 'customfield', get=True, changes=_customfield_changes, delete=True,
                       listed='customfields', allowed=FIELDS['customfield'])


@service_route('/customfield/lookup')
def customfield_lookup(ctx: RequestContext) -> dict[str, Any]:
    """Find a custom field by account and name."""
    params = ctx.require('account_id', 'name')
    for field in ctx.state.list_objects('customfield', account_id=params['account_id']):
        if str(field.get('name', '')).lower() == params['name'].lower():
            return {'uuid': field['uuid'], 'object': field.get('object'), 'type': field.get('type')}
    raise not_found()


#: Flags of a custom field mapping (``/customfield/mapping/*``, LBL0022 v55.0).
MAPPING_FLAGS = ('overwrite_with_blank', 'refresh_on_edit', 'refresh_on_reshare', 'reverse_refresh_on_edit')


def _mapping_flags(ctx: RequestContext) -> dict[str, Any]:
    flags = {}
    for name in MAPPING_FLAGS:
        if ctx.has(name):
            value = str(ctx.param(name))
            if value not in ('0', '1'):
                raise ServiceError('INVALID_FLAG', name)
            flags[name] = int(value)
    return flags


@service_route('/customfield/mapping/add')
def customfield_mapping_add(ctx: RequestContext) -> dict[str, Any]:
    """Map a custom field onto another (``ALREADY_EXISTS`` for the same pair twice)."""
    ctx.require_user()
    params = ctx.require('from_customfield_id', 'to_customfield_id')
    source = ctx.state.get_object('customfield', params['from_customfield_id'])
    target = ctx.state.get_object('customfield', params['to_customfield_id'])
    if source is None or target is None:
        raise not_found()
    pair = {'from_customfield_id': source['uuid'], 'to_customfield_id': target['uuid']}
    if ctx.state.find_object('customfield_mapping', **pair):
        raise ServiceError('ALREADY_EXISTS')
    defaults = dict.fromkeys(MAPPING_FLAGS, 0)
    fields = {**defaults, **_mapping_flags(ctx), **pair, 'account_id': source.get('account_id')}
    mapping = ctx.state.add_object('customfield_mapping', fields)
    return {'uuid': mapping['uuid']}


# ``set`` changes the flags of a mapping; ``delete`` deletes it.
register_object_routes('/customfield/mapping', 'customfield_mapping', changes=_mapping_flags, delete=True)
