"""``/role/*``: roles and their permission hashes."""

from __future__ import annotations

from typing import Any

from ..catalog import FIELDS
from ..context import RequestContext
from ..errors import ServiceError, documented_error
from ..registry import service_route
from .common import get_or_404, require_account, settable_fields
from .object_routes import register_object_routes
from .session import ALL_PERMISSIONS

__all__: list[str] = []


def _permissions(ctx: RequestContext, current: dict[str, Any]) -> dict[str, Any]:
    perms = dict(current)
    given = ctx.json_param('permissions')
    if isinstance(given, dict):
        perms.update(given)
    elif given is not None:
        error = documented_error(ctx.path, ('INVALID_JSON',), 'permissions')
        if error is not None:
            raise error
    for key, value in ctx.form.items():
        if key.startswith('permission_'):
            perms[key[len('permission_'):]] = value
    return perms


@service_route('/role/add')
def role_add(ctx: RequestContext) -> dict[str, Any]:
    """Create a role in an account."""
    ctx.require_user()
    account = require_account(ctx, error='ACCOUNT_NOT_FOUND')
    fields = settable_fields(ctx, exclude=('account_id', 'permissions'))
    fields['permissions'] = _permissions(ctx, {})
    role = ctx.state.add_object('role', {**fields, 'account_id': account['uuid'], 'type': 'ACCOUNT'})
    return {'uuid': role['uuid']}


@service_route('/role/set')
def role_set(ctx: RequestContext) -> dict[str, Any]:
    """Update a role (``permissions`` JSON and ``permission_*`` parameters merge)."""
    role = get_or_404(ctx, 'role')
    fields = settable_fields(ctx, exclude=('permissions',))
    fields = {k: v for k, v in fields.items() if not k.startswith('permission_')}
    fields['permissions'] = _permissions(ctx, role.get('permissions') or {})
    ctx.state.update_object('role', role['uuid'], fields)
    return {}


@service_route('/role/delete')
def role_delete(ctx: RequestContext) -> dict[str, Any]:
    """Delete a role unless a member uses it (``IN_USE``)."""
    role = get_or_404(ctx, 'role')
    for kind in ('account_user', 'group_user', 'location_user'):
        if ctx.state.find_object(kind, role_id=role['uuid']):
            raise ServiceError('IN_USE')
    ctx.state.delete_object('role', role['uuid'])
    return {}


register_object_routes('/role', 'role', get=True, listed='roles', allowed=FIELDS['role'])


@service_route('/role/default/permissions')
def role_default_permissions(ctx: RequestContext) -> dict[str, Any]:
    """Default permissions (every permission the emulator knows, granted)."""
    return {'permissions': dict.fromkeys(ALL_PERMISSIONS, 1)}
