"""``/account/*``: accounts and their members (plus undocumented add/delete)."""

from __future__ import annotations

from typing import Any

from ..catalog import FIELDS
from ..context import RequestContext
from ..errors import ServiceError, not_found
from ..listing import list_answer
from ..registry import service_route
from .common import (
    customfield_values,
    get_or_404,
    object_customfields,
    role_name,
    settable_fields,
    visible_account_ids,
)

__all__: list[str] = []

_MEMBER_FIELDS = frozenset(
    {'user_id', 'user_name', 'user_email', 'role_id', 'role_name', 'account_id', 'uuid', 'created', 'updated'}
)


def account_view(ctx: RequestContext, account: dict[str, Any]) -> dict[str, Any]:
    """An account as ``/account/get`` returns it."""
    out = dict(account)
    out['role_name'] = role_name(ctx, account.get('role_id'))
    out.setdefault('settings', {})
    out['customfields'] = object_customfields(ctx, account, 'Account', account['uuid'])
    return out


def _check_unique_name(ctx: RequestContext, name: str, uuid: str = '') -> None:
    for other in ctx.state.list_objects('account'):
        if other['uuid'] != uuid and str(other.get('name', '')).lower() == name.lower():
            raise ServiceError('DUPLICATE_NAME')


@service_route('/account/add', auth='required')
def account_add(ctx: RequestContext) -> dict[str, Any]:
    """Create an account with its namespace and default roles (undocumented, as the real server does).

    The caller becomes a member with the ``Administrator`` role.
    """
    from ..accounts import add_default_roles

    user = ctx.require_user()
    name = ctx.require('name')['name']
    _check_unique_name(ctx, name)
    fields = settable_fields(ctx)
    namespace = ctx.state.add_object(
        'namespace',
        {'name': name, 'type': 'account', 'engine_fqdn': ctx.config.engine_fqdn},
    )
    account = ctx.state.add_object(
        'account', {**fields, 'namespace_id': namespace['uuid'], 'settings': fields.get('settings') or {}}
    )
    ctx.state.update_object('namespace', namespace['uuid'], {'account_id': account['uuid']})
    admin_role, _ = add_default_roles(ctx.state, account['uuid'])
    ctx.state.add_object(
        'account_user', {'account_id': account['uuid'], 'user_id': user['uuid'], 'role_id': admin_role}
    )
    return {'uuid': account['uuid'], 'namespace_id': namespace['uuid']}


def _account_has_studies(ctx: RequestContext, account: dict[str, Any]) -> bool:
    namespaces = {ns['uuid'] for ns in ctx.state.list_objects('namespace', account_id=account['uuid'])}
    if account.get('namespace_id'):
        namespaces.add(str(account['namespace_id']))
    return ctx.state.count_studies(namespaces) > 0 if namespaces else False


@service_route('/account/delete', auth='required')
def account_delete(ctx: RequestContext) -> dict[str, Any]:
    """Delete an empty account with its namespaces, roles, groups, locations and memberships (undocumented).

    ``NOT_EMPTY`` while a namespace of the account still holds studies.
    """
    account = get_or_404(ctx, 'account')
    if _account_has_studies(ctx, account):
        raise ServiceError('NOT_EMPTY')
    uuid = account['uuid']
    for kind in ('group', 'location'):
        for obj in ctx.state.list_objects(kind, account_id=uuid):
            for member in ctx.state.list_objects(f'{kind}_user', parent_id=obj['uuid']):
                ctx.state.delete_object(f'{kind}_user', member['uuid'])
            ctx.state.delete_object(kind, obj['uuid'])
    for kind in ('namespace', 'role', 'customfield', 'account_user'):
        for obj in ctx.state.list_objects(kind, account_id=uuid):
            ctx.state.delete_object(kind, obj['uuid'])
    if account.get('namespace_id'):
        ctx.state.delete_object('namespace', account['namespace_id'])
    ctx.state.delete_object('account', uuid)
    return {}


@service_route('/account/list')
def account_list(ctx: RequestContext) -> dict[str, Any]:
    """Accounts the caller belongs to (all for a sysadmin)."""
    user = ctx.require_user()
    ids = visible_account_ids(ctx, user)
    rows = [account_view(ctx, a) for a in ctx.state.list_objects('account') if a['uuid'] in ids]
    return list_answer(ctx, rows, struct='account', paginated_field='accounts', allowed=FIELDS['account'])


@service_route('/account/get')
def account_get(ctx: RequestContext) -> dict[str, Any]:
    """One account."""
    from ..listing import select_fields

    return select_fields(ctx, 'account', account_view(ctx, get_or_404(ctx, 'account')))


@service_route('/account/set')
def account_set(ctx: RequestContext) -> dict[str, Any]:
    """Update an account (plain fields, ``settings``/``setting_*``, custom fields)."""
    account = get_or_404(ctx, 'account')
    fields = settable_fields(ctx)
    if 'name' in fields:
        _check_unique_name(ctx, str(fields['name']), account['uuid'])
    if 'settings' in fields:
        merged = dict(account.get('settings') or {})
        merged.update(fields['settings'] or {})
        fields['settings'] = merged
    customs = customfield_values(ctx, account.get('customfields'))
    if customs is not None:
        fields['customfields'] = customs
    ctx.state.update_object('account', account['uuid'], fields)
    return {}


@service_route('/account/settings', check_spec=False)
def account_settings(ctx: RequestContext) -> dict[str, Any]:
    """The account's settings (``settings`` may name the ones wanted)."""
    account_id = ctx.param('account_id')
    account = None
    if account_id:
        account = ctx.state.get_object('account', account_id)
    elif ctx.param('vanity'):
        account = ctx.state.find_object('account', vanity=ctx.param('vanity'))
    if account is None:
        raise not_found()
    settings = dict(account.get('settings') or {})
    wanted = ctx.json_param('settings')
    if isinstance(wanted, list):
        settings = {k: settings.get(k) for k in wanted}
    return {'settings': settings}


# ------------------------------------------------------------------ members


def member_view(ctx: RequestContext, member: dict[str, Any]) -> dict[str, Any]:
    """A membership row as ``/account/user/get`` returns it."""
    user = ctx.state.get_object('user', member['user_id']) or {}
    out = {k: v for k, v in member.items() if k not in ('account_password',)}
    out.update(
        {
            'user_id': member['user_id'],
            'user_name': user.get('name'),
            'user_email': user.get('email'),
            'role_id': member.get('role_id'),
            'role_name': role_name(ctx, member.get('role_id')),
            'disabled': user.get('disabled', 0),
            'user_account_id': member['uuid'],
            'customfields': object_customfields(ctx, member, 'User_account', member.get('account_id')),
        }
    )
    return out


def _member(ctx: RequestContext, account: dict[str, Any]) -> dict[str, Any]:
    user_id = ctx.require('user_id')['user_id']
    member = ctx.state.find_object('account_user', account_id=account['uuid'], user_id=user_id)
    if member is None:
        raise ServiceError('USER_NOT_FOUND')
    return member


@service_route('/account/user/add', check_spec=False)
def account_user_add(ctx: RequestContext) -> dict[str, Any]:
    """Add an existing user (by ``email`` or ``user_id``) to an account."""
    ctx.require_user()
    account = get_or_404(ctx, 'account')
    from ..accounts import find_user_by_login

    if ctx.param('user_id'):
        user = ctx.state.get_object('user', str(ctx.param('user_id')))
    elif ctx.param('email'):
        user = find_user_by_login(ctx.state, str(ctx.param('email')))
    else:
        from ..errors import missing_fields

        raise missing_fields(['email', 'user_id'])
    if user is None:
        raise ServiceError('USER_NOT_FOUND')
    if ctx.state.find_object('account_user', account_id=account['uuid'], user_id=user['uuid']):
        raise ServiceError('ALREADY_EXISTS')
    role_id = ctx.param('role_id')
    if role_id and ctx.state.get_object('role', role_id) is None:
        raise not_found('role_id')
    extra = settable_fields(ctx, exclude=('email', 'user_id', 'role_id'))
    customs = customfield_values(ctx)
    if customs is not None:
        extra['customfields'] = customs
    member = ctx.state.add_object(
        'account_user', {**extra, 'account_id': account['uuid'], 'user_id': user['uuid'], 'role_id': role_id}
    )
    return {'uuid': member['uuid']}


@service_route('/account/user/get')
def account_user_get(ctx: RequestContext) -> dict[str, Any]:
    """One membership."""
    account = get_or_404(ctx, 'account')
    return member_view(ctx, _member(ctx, account))


@service_route('/account/user/set')
def account_user_set(ctx: RequestContext) -> dict[str, Any]:
    """Change a membership (role, aliases, events...)."""
    account = get_or_404(ctx, 'account')
    member = _member(ctx, account)
    fields = settable_fields(ctx, exclude=('user_id',))
    if fields.get('role_id') and ctx.state.get_object('role', str(fields['role_id'])) is None:
        raise ServiceError('ROLE_NOT_FOUND')
    customs = customfield_values(ctx, member.get('customfields'))
    if customs is not None:
        fields['customfields'] = customs
    ctx.state.update_object('account_user', member['uuid'], fields)
    return {}


@service_route('/account/user/delete')
def account_user_delete(ctx: RequestContext) -> dict[str, Any]:
    """Remove a user from an account."""
    account = get_or_404(ctx, 'account')
    member = _member(ctx, account)
    ctx.state.delete_object('account_user', member['uuid'])
    return {}


@service_route('/account/user/list')
def account_user_list(ctx: RequestContext) -> dict[str, Any]:
    """Members of an account."""
    account = get_or_404(ctx, 'account')
    rows = [member_view(ctx, m) for m in ctx.state.list_objects('account_user', account_id=account['uuid'])]
    return list_answer(ctx, rows, struct='user', paginated_field='users', allowed=_MEMBER_FIELDS)
