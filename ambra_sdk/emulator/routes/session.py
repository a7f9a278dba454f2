"""``/session/*``: login, logout, user, permissions."""

from __future__ import annotations

import hashlib
from typing import Any

from ..accounts import find_user_by_login, password_accepted, public_user
from ..context import RequestContext
from ..errors import ServiceError, missing_fields, not_found
from ..lockout import lockout_for
from ..registry import service_route

__all__: list[str] = []


@service_route('/session/login', auth='none', check_spec=False)
def login(ctx: RequestContext) -> dict[str, Any]:
    """Log in with ``login`` (or ``email``) and ``password``; ``LOCKOUT`` after too many failures."""
    login_name = ctx.param('login') or ctx.param('email')
    password = ctx.param('password')
    missing = [n for n, v in (('login', login_name), ('password', password)) if v is None]
    if ctx.param('use_pkey') is not None:
        raise ServiceError('ONLY_ONE' if password is not None else 'INVALID_CREDENTIALS')
    if missing:
        raise missing_fields(missing)
    assert login_name is not None and password is not None
    user = find_user_by_login(ctx.state, login_name)
    lockout = lockout_for(ctx.state, ctx.config.lockout_attempts, ctx.config.lockout_window)
    key = str(user['uuid']) if user is not None else 'login:' + login_name.strip().lower()
    if lockout.locked(key):
        raise ServiceError('LOCKOUT')
    if user is None or not password_accepted(user, password, ctx.request.remote_addr):
        lockout.failed(key)
        raise ServiceError('INVALID_CREDENTIALS')
    lockout.succeeded(key)
    if user.get('disabled'):
        raise ServiceError('DISABLED')
    sid = ctx.state.create_session(user['uuid'])
    return {
        'sid': sid,
        'uuid': user['uuid'],
        'name': user.get('name'),
        'training_todo': 0,
        'pin_required': 0,
        'pin_via': None,
        'sign_required': 0,
        'terms_md5': None,
        'privacy_md5': None,
        'indicator_md5': None,
        'is_proxy': 0,
    }


@service_route('/session/logout', auth='required')
def logout(ctx: RequestContext) -> dict[str, Any]:
    """Delete the session."""
    sid = ctx.sid
    if sid is not None and not ctx.state.delete_session(sid):
        raise not_found('sid')
    return {'logout_url': None}


def _user_namespaces(ctx: RequestContext, user: dict[str, Any]) -> list[dict[str, Any]]:
    namespaces = []
    own = ctx.state.get_object('namespace', str(user.get('namespace_id')))
    if own is not None:
        namespaces.append({'uuid': own['uuid'], 'name': own.get('name')})
    for membership in ctx.state.list_objects('account_user', user_id=user['uuid']):
        account = ctx.state.get_object('account', membership['account_id'])
        if account is not None:
            ns = ctx.state.get_object('namespace', str(account.get('namespace_id')))
            if ns is not None:
                namespaces.append({'uuid': ns['uuid'], 'name': ns.get('name')})
    return namespaces


@service_route('/session/user')
def session_user(ctx: RequestContext) -> dict[str, Any]:
    """Return the session owner with its namespaces."""
    user = ctx.require_user()
    out = public_user(user)
    out['namespaces'] = _user_namespaces(ctx, user)
    out['sid_md5'] = hashlib.md5((ctx.sid or '').encode()).hexdigest()
    out['accelerator_used'] = 0
    out['session_expire'] = 180
    settings = ctx.json_param('settings')
    if isinstance(settings, list):
        stored = user.get('settings') or {}
        out['settings'] = {k: stored.get(k) for k in settings}
    return out


#: Permissions the emulator grants (every user may do everything).
ALL_PERMISSIONS = (
    'study_view', 'study_edit', 'study_delete', 'study_upload', 'study_download', 'study_share',
    'user_view', 'user_edit', 'account_view', 'account_edit', 'group_view', 'group_edit',
    'location_view', 'location_edit', 'role_view', 'role_edit', 'customfield_view', 'customfield_edit',
    'link_view', 'link_edit', 'namespace_view', 'namespace_edit',
)


@service_route('/session/permissions', check_spec=False)
def permissions(ctx: RequestContext) -> dict[str, Any]:
    """The caller's flags in an account or namespace (1/0 for every flag of the vendor document)."""
    ctx.require_user()
    account_id = ctx.param('account_id')
    namespace_id = ctx.param('namespace_id')
    if account_id is None and namespace_id is None:
        raise missing_fields(['account_id', 'namespace_id'])
    if account_id is not None and ctx.state.get_object('account', account_id) is None:
        raise not_found('account_id')
    if namespace_id is not None and ctx.state.get_object('namespace', namespace_id) is None:
        raise not_found('namespace_id')
    from ..permissions import effective_flags, flags_in_account

    user = ctx.require_user()
    if namespace_id is None:
        account = ctx.state.get_object('account', str(account_id)) or {}
        namespace_id = str(account.get('namespace_id') or '')
        if not user.get('sysadmin') and flags_in_account(ctx.state, user, str(account_id), ctx.cache) is None:
            raise ServiceError('NOT_PERMITTED')
    return dict(effective_flags(ctx, user, namespace_id))
