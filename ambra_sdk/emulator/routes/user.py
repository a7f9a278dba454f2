"""``/user/*``: add, get, set, delete, namespace list, enable."""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Optional

from ..accounts import check_password, find_user_by_login, hash_password, public_user
from ..context import RequestContext
from ..errors import ServiceError, not_found
from ..listing import select_fields
from ..permissions import effective_flags
from ..registry import service_route
from .common import get_or_404, require_account, settable_fields, visible_account_ids

__all__: list[str] = []

#: Password rules of the vendor document's ``BAD_PASSWORD`` (``/user/set``): length, digits, letters, history.
MIN_PASSWORD = 8
MIN_DIGITS = 2
MIN_LETTERS = 2
#: A new password may not be one of this many previous ones.
PASSWORD_HISTORY = 3


def _account_regexps(ctx: RequestContext, user_id: Optional[str], account_ids: Iterable[str] = ()) -> list[str]:
    """The ``passwd_regexp`` settings (JSON lists of patterns) of the user's accounts."""
    ids = set(account_ids)
    if user_id:
        ids |= {m['account_id'] for m in ctx.state.list_objects('account_user', user_id=user_id)}
    patterns: list[str] = []
    for account_id in sorted(ids):
        account = ctx.state.get_object('account', account_id) or {}
        raw = (account.get('settings') or {}).get('passwd_regexp')
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except ValueError:
                raw = [raw]
        if isinstance(raw, list):
            patterns.extend(str(p) for p in raw)
    return patterns


def _check_password_rules(
    ctx: RequestContext, password: str, user: Optional[dict[str, Any]] = None, account_ids: Iterable[str] = ()
) -> None:
    """``BAD_PASSWORD`` unless the password follows the document's rules and the accounts' ``passwd_regexp``."""
    digits = sum(c.isdigit() for c in password)
    letters = sum(c.isalpha() for c in password)
    if len(password) < MIN_PASSWORD or digits < MIN_DIGITS or letters < MIN_LETTERS:
        raise ServiceError('BAD_PASSWORD')
    if user is not None:
        previous = [user, *(user.get('password_history') or [])][:PASSWORD_HISTORY]
        if any(check_password(old, password) for old in previous if isinstance(old, dict)):
            raise ServiceError('BAD_PASSWORD')
    for pattern in _account_regexps(ctx, None if user is None else user.get('uuid'), account_ids):
        try:
            if re.search(pattern, password) is None:
                raise ServiceError('BAD_PASSWORD')
        except re.error:
            continue  # a malformed setting checks nothing


def _new_password_fields(user: dict[str, Any], password: str) -> dict[str, Any]:
    """The stored password fields, keeping the previous ones for the history rule."""
    history = [{'password_salt': user.get('password_salt'), 'password_hash': user.get('password_hash')}]
    history += list(user.get('password_history') or [])
    return {**hash_password(password), 'password_history': history[: PASSWORD_HISTORY - 1]}


def _user_view(user: dict[str, Any]) -> dict[str, Any]:
    out = public_user(user)
    first, last = out.get('first') or '', out.get('last') or ''
    out.setdefault('name', f'{first} {last}'.strip())
    out.setdefault('sysadmin', 0)
    out.setdefault('support', 0)
    out.setdefault('is_anonymous', 0)
    return out


@service_route('/user/add')
def user_add(ctx: RequestContext) -> dict[str, Any]:
    """Create a user in an account (with a personal namespace)."""
    ctx.require_user()
    account = require_account(ctx)
    email = ctx.require('email')['email']
    if find_user_by_login(ctx.state, email) is not None:
        raise ServiceError('DUPLICATE_EMAIL')
    password = ctx.param('password') or ''
    _check_password_rules(ctx, password, account_ids=[account['uuid']])
    fields = settable_fields(ctx, exclude=('password', 'account_id'))
    name = f"{fields.get('first', '')} {fields.get('last', '')}".strip()
    namespace = ctx.state.add_object(
        'namespace', {'name': name, 'type': 'user', 'engine_fqdn': ctx.config.engine_fqdn, 'account_id': None}
    )
    user = ctx.state.add_object(
        'user',
        {
            **fields,
            'name': name,
            'namespace_id': namespace['uuid'],
            'sysadmin': 0,
            'settings': {},
            **hash_password(password),
        },
    )
    ctx.state.update_object('namespace', namespace['uuid'], {'user_id': user['uuid']})
    ctx.state.add_object('account_user', {'account_id': account['uuid'], 'user_id': user['uuid'], 'role_id': None})
    return {'uuid': user['uuid'], 'namespace_id': namespace['uuid']}


@service_route('/user/get')
def user_get(ctx: RequestContext) -> dict[str, Any]:
    """A user (the caller when ``uuid`` is not given)."""
    me = ctx.require_user()
    uuid = ctx.param('uuid')
    user = me if uuid is None else ctx.state.get_object('user', uuid)
    if user is None:
        raise not_found()
    return select_fields(ctx, 'user', _user_view(user))


@service_route('/user/set', check_spec=False)
def user_set(ctx: RequestContext) -> dict[str, Any]:
    """Update a user (the caller when ``uuid`` is not given); handles password changes."""
    me = ctx.require_user()
    uuid = ctx.param('uuid') or me['uuid']
    user = ctx.state.get_object('user', uuid)
    if user is None:
        raise not_found()
    fields = settable_fields(ctx, exclude=('password', 'old_password', 'account_id'))
    if 'email' in fields:
        other = find_user_by_login(ctx.state, str(fields['email']))
        if other is not None and other['uuid'] != uuid:
            raise ServiceError('DUPLICATE_EMAIL')
    password = ctx.param('password')
    if password is not None:
        # another user's password: the dispatch already asked user_edit in every account of theirs
        if uuid == me['uuid'] and not check_password(user, ctx.param('old_password') or ''):
            raise ServiceError('INVALID_PASSWORD')
        _check_password_rules(ctx, password, user)
        fields.update(_new_password_fields(user, password))
    if 'first' in fields or 'last' in fields:
        merged = {**user, **fields}
        fields['name'] = f"{merged.get('first', '')} {merged.get('last', '')}".strip()
    ctx.state.update_object('user', uuid, fields)
    return {}


@service_route('/user/delete')
def user_delete(ctx: RequestContext) -> dict[str, Any]:
    """Delete the caller's own user, its memberships and sessions."""
    me = ctx.require_user()
    for member in ctx.state.list_objects('account_user', user_id=me['uuid']):
        ctx.state.delete_object('account_user', member['uuid'])
    ctx.state.delete_object('user', me['uuid'])
    ctx.state.expire_sessions(me['uuid'])
    return {}


@service_route('/user/enable')
def user_enable(ctx: RequestContext) -> dict[str, Any]:
    """Enable (or with ``disable=1`` disable) a user."""
    ctx.require_user()
    user = get_or_404(ctx, 'user')
    disable = ctx.flag('disable')
    if not disable and not user.get('disabled'):
        raise ServiceError('NOT_DISABLED')
    ctx.state.update_object('user', user['uuid'], {'disabled': int(disable)})
    if disable:
        ctx.state.expire_sessions(user['uuid'])
    return {}


@service_route('/user/namespace/list')
def user_namespace_list(ctx: RequestContext) -> dict[str, Any]:
    """Namespaces the caller can access (own + account/group/location namespaces)."""
    me = ctx.require_user()
    accounts = visible_account_ids(ctx, me)
    wanted = ctx.param('account_id')
    rows = []
    for ns in ctx.state.list_objects('namespace'):
        if ns['uuid'] == me.get('namespace_id') or ns.get('account_id') in accounts:
            if wanted and ns.get('account_id') != wanted:
                continue
            type_uuid = ns.get('group_id') or ns.get('location_id') or ns.get('account_id') or ns.get('user_id')
            rows.append(
                {
                    'uuid': ns['uuid'],
                    'name': ns.get('name'),
                    'type': str(ns.get('type', 'account')).capitalize(),
                    'type_uuid': type_uuid,
                    'permissions': effective_flags(ctx, me, ns['uuid']),
                    'settings': ns.get('settings') or {},
                    'study_count': len(ctx.state.list_studies(phi_namespace=ns['uuid'])),
                    'thin_study_count': 0,
                }
            )
    if ctx.flag('name_and_id_only'):
        rows = [{'uuid': r['uuid'], 'name': r['name']} for r in rows]
    return {'namespaces': rows}
