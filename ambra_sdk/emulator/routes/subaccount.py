"""Shared implementation of groups and locations (an account sub-object with a namespace)."""

from __future__ import annotations

from typing import Any

from ..catalog import FIELDS
from ..context import RequestContext
from ..errors import ServiceError, not_found
from ..listing import list_answer, select_fields
from ..registry import service_route
from .common import (
    customfield_values,
    get_or_404,
    object_customfields,
    require_account,
    role_name,
    settable_fields,
)

__all__ = ['register_subaccount']

_MEMBER_FIELDS = frozenset({'user_id', 'user_name', 'role_id', 'role_name', 'uuid', 'created', 'updated'})


def register_subaccount(kind: str, plural: str) -> None:
    """Register ``/<kind>/{add,get,set,delete,list}`` and ``/<kind>/user/{add,delete,list}``."""
    member_kind = f'{kind}_user'

    def view(ctx: RequestContext, obj: dict[str, Any]) -> dict[str, Any]:
        out = dict(obj)
        out['role_name'] = role_name(ctx, obj.get('role_id'))
        out['customfields'] = object_customfields(ctx, obj, kind.capitalize(), obj.get('account_id'))
        return out

    def add(ctx: RequestContext) -> dict[str, Any]:
        ctx.require_user()
        account = require_account(ctx, error='ACCOUNT_NOT_FOUND')
        fields = settable_fields(ctx, exclude=('account_id',))
        customs = customfield_values(ctx)
        if customs is not None:
            fields['customfields'] = customs
        namespace = ctx.state.add_object(
            'namespace',
            {'name': fields.get('name'), 'type': kind, 'account_id': account['uuid'],
             'engine_fqdn': ctx.config.engine_fqdn},
        )
        obj = ctx.state.add_object(kind, {**fields, 'account_id': account['uuid'], 'namespace_id': namespace['uuid']})
        ctx.state.update_object('namespace', namespace['uuid'], {f'{kind}_id': obj['uuid']})
        return {'uuid': obj['uuid'], 'namespace_id': namespace['uuid']}

    def get(ctx: RequestContext) -> dict[str, Any]:
        return select_fields(ctx, kind, view(ctx, get_or_404(ctx, kind)))

    def set_(ctx: RequestContext) -> dict[str, Any]:
        obj = get_or_404(ctx, kind)
        fields = settable_fields(ctx, exclude=('account_id',))
        customs = customfield_values(ctx, obj.get('customfields'))
        if customs is not None:
            fields['customfields'] = customs
        ctx.state.update_object(kind, obj['uuid'], fields)
        if 'name' in fields and obj.get('namespace_id'):
            ctx.state.update_object('namespace', obj['namespace_id'], {'name': fields['name']})
        return {}

    def delete(ctx: RequestContext) -> dict[str, Any]:
        obj = get_or_404(ctx, kind)
        if obj.get('namespace_id') and ctx.state.list_studies(phi_namespace=obj['namespace_id']):
            raise ServiceError('NOT_EMPTY')
        ctx.state.delete_object(kind, obj['uuid'])
        if obj.get('namespace_id'):
            ctx.state.delete_object('namespace', obj['namespace_id'])
        for member in ctx.state.list_objects(member_kind, parent_id=obj['uuid']):
            ctx.state.delete_object(member_kind, member['uuid'])
        return {}

    def list_(ctx: RequestContext) -> dict[str, Any]:
        account = require_account(ctx)
        rows = [view(ctx, o) for o in ctx.state.list_objects(kind, account_id=account['uuid'])]
        return list_answer(ctx, rows, struct=kind, paginated_field=plural, allowed=FIELDS[kind])

    def user_add(ctx: RequestContext) -> dict[str, Any]:
        obj = get_or_404(ctx, kind)
        user_id = ctx.require('user_id')['user_id']
        if ctx.state.get_object('user', user_id) is None:
            raise ServiceError('USER_NOT_FOUND')
        role_id = ctx.param('role_id')
        if role_id and ctx.state.get_object('role', role_id) is None:
            raise ServiceError('ROLE_NOT_FOUND')
        fields = settable_fields(ctx, exclude=('user_id', 'role_id'))
        existing = ctx.state.find_object(member_kind, parent_id=obj['uuid'], user_id=user_id)
        if existing is not None:
            ctx.state.update_object(member_kind, existing['uuid'], {**fields, 'role_id': role_id})
        else:
            ctx.state.add_object(
                member_kind, {**fields, 'parent_id': obj['uuid'], 'user_id': user_id, 'role_id': role_id}
            )
        return {}

    def user_delete(ctx: RequestContext) -> dict[str, Any]:
        obj = get_or_404(ctx, kind)
        user_id = ctx.require('user_id')['user_id']
        member = ctx.state.find_object(member_kind, parent_id=obj['uuid'], user_id=user_id)
        if member is None:
            raise not_found('user_id')
        ctx.state.delete_object(member_kind, member['uuid'])
        return {}

    def user_list(ctx: RequestContext) -> dict[str, Any]:
        obj = get_or_404(ctx, kind)
        rows = []
        for member in ctx.state.list_objects(member_kind, parent_id=obj['uuid']):
            user = ctx.state.get_object('user', member['user_id']) or {}
            row = {k: v for k, v in member.items() if k != 'parent_id'}
            row.update({'user_name': user.get('name'), 'role_name': role_name(ctx, member.get('role_id'))})
            rows.append(row)
        return list_answer(ctx, rows, struct='user', paginated_field='users', allowed=_MEMBER_FIELDS)

    for suffix, handler in (
        ('add', add), ('get', get), ('set', set_), ('delete', delete), ('list', list_),
        ('user/delete', user_delete), ('user/list', user_list),
    ):
        service_route(f'/{kind}/{suffix}')(handler)
    # the doc forgets "(optional)" on /location/user/add event_upload_fail
    service_route(f'/{kind}/user/add', check_spec=False)(user_add)
