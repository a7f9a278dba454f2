"""``/link/*``: study links (add, get, delete, list, status, session, sid, pin)."""

from __future__ import annotations

import secrets
from typing import Any

from ..catalog import FIELDS
from ..context import RequestContext
from ..errors import ServiceError, documented_error, missing_fields, not_found, not_permitted
from ..listing import list_answer, select_fields
from ..registry import service_route
from .common import get_or_404, settable_fields
from .object_routes import register_object_routes

__all__: list[str] = []

ACTIONS = ('STUDY_LIST', 'STUDY_VIEW', 'STUDY_UPLOAD')


def _link_view(ctx: RequestContext, link: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in link.items() if k not in ('password', 'pin')}
    out['has_password'] = int(bool(link.get('password')))
    base = f'{ctx.config.scheme}://{ctx.config.engine_fqdn}'
    out['url'] = f'{base}/link/{link["short_id"]}'
    out['redirect_url'] = f'{base}/api/v3/link/redirect?uuid={link["uuid"]}'
    return out


def _find_link(ctx: RequestContext) -> dict[str, Any]:
    for key in ('uuid', 'short_id', 'pin'):
        value = ctx.param(key)
        if value is None:
            continue
        link = ctx.state.get_object('link', value) if key == 'uuid' else ctx.state.find_object('link', **{key: value})
        if link is None:
            raise not_found()
        return link
    raise missing_fields(['uuid'])


@service_route('/link/add', check_spec=False)
def link_add(ctx: RequestContext) -> dict[str, Any]:
    """Create a link to a study (or a filter/upload link)."""
    user = ctx.require_user()
    action = ctx.require('action')['action']
    if action not in ACTIONS:
        raise ServiceError('INVALID_ACTION')
    study_id = ctx.param('study_id')
    if study_id is None and not (ctx.has('filter') and ctx.has('account_id')) and not ctx.has('namespace_id'):
        raise missing_fields(['study_id'])
    if study_id is not None and ctx.state.get_study(study_id) is None:
        raise ServiceError('NOT_FOUND', study_id)
    fields = settable_fields(ctx)
    fields.update(
        {
            'user_id': user['uuid'],
            'short_id': secrets.token_hex(5),
            'hits': 0,
        }
    )
    if study_id is not None:
        study = ctx.state.get_study(study_id) or {}
        fields.setdefault('account_id', study.get('account_id'))
        fields.setdefault('namespace_id', study.get('phi_namespace'))
    link = ctx.state.add_object('link', fields)
    view = _link_view(ctx, link)
    return {'uuid': link['uuid'], 'url': view['url'], 'redirect_url': view['redirect_url']}


@service_route('/link/get', check_spec=False)  # the data spec lists the returns as params
def link_get(ctx: RequestContext) -> dict[str, Any]:
    """One link (password and pin are never returned)."""
    return select_fields(ctx, 'link', _link_view(ctx, get_or_404(ctx, 'link')))


register_object_routes('/link', 'link', delete=True)


@service_route('/link/list', check_spec=False)
def link_list(ctx: RequestContext) -> dict[str, Any]:
    """Links of a study, a user or an account."""
    ctx.require_user()
    where = {k: ctx.param(k) for k in ('study_id', 'user_id', 'account_id') if ctx.has(k)}
    if not where:
        raise missing_fields(['study_id', 'user_id', 'account_id'])
    rows = [_link_view(ctx, link) for link in ctx.state.list_objects('link', **where)]
    return list_answer(ctx, rows, struct='link', paginated_field='links', allowed=FIELDS['link'])


@service_route('/link/status', auth='none', check_spec=False)
def link_status(ctx: RequestContext) -> dict[str, Any]:
    """Public status of a link."""
    link = _find_link(ctx)
    return {
        'action': link.get('action'),
        'has_password': int(bool(link.get('password'))),
        'is_meeting': 0,
        'skip_email_prompt': link.get('skip_email_prompt', 0),
        'pin_auth': link.get('pin_auth', 0),
        'acceptance_required': link.get('acceptance_required', 0),
        'upload_match': link.get('upload_match'),
    }


def _use_link(ctx: RequestContext, link: dict[str, Any]) -> str:
    if link.get('password') and ctx.param('password') != link['password']:
        # /link/session documents INVALID_CREDENTIALS, /link/sid only NOT_FOUND ("the usage was not found")
        raise documented_error(ctx.path, ('INVALID_CREDENTIALS', 'NOT_FOUND')) or not_permitted()
    max_hits = link.get('max_hits')
    hits = int(link.get('hits') or 0) + 1
    if max_hits and hits > int(max_hits):
        raise ServiceError('NOT_FOUND')
    ctx.state.update_object('link', link['uuid'], {'hits': hits})
    return ctx.state.create_session(str(link['user_id']))


@service_route('/link/session', auth='none', check_spec=False)
def link_session(ctx: RequestContext) -> dict[str, Any]:
    """Open a session through a link (as the link's creator)."""
    link = _find_link(ctx)
    sid = _use_link(ctx, link)
    return {
        'sid': sid,
        'action': link.get('action'),
        'study_count': 1 if link.get('study_id') else 0,
        'share_code': link.get('share_code'),
        'pin_required': 0,
        'pin_via': None,
        'acceptance_required': link.get('acceptance_required', 0),
    }


@service_route('/link/sid', auth='none')
def link_sid(ctx: RequestContext) -> dict[str, Any]:
    """A sid for a link and an email."""
    link = get_or_404(ctx, 'link')
    return {'sid': _use_link(ctx, link)}


@service_route('/link/pin')
def link_pin(ctx: RequestContext) -> dict[str, Any]:
    """Generate a PIN for a link."""
    link = get_or_404(ctx, 'link')
    pin = ''.join(secrets.choice('0123456789') for _ in range(6))
    ctx.state.update_object('link', link['uuid'], {'pin': pin})
    return {'pin': pin, 'duration': 60}
