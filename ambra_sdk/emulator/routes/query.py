"""``/query/add``, ``get``, ``count``, ``seen`` (``count``/``seen``: LBL0022 v55.0): queries of a trial site.

Emulator choices where the document is terse (see docs/source/emulator.rst):

* a query belongs to the group (trial site) ``group_id`` names; its body is its first message;
  ``recipients`` (a JSON array of user uuids) are the users it is assigned to;
* ``/query/seen`` marks the query's messages seen by the caller (up to ``message_id`` when given);
* ``/query/count`` counts, over the queries of the groups of the caller's accounts:
  ``count_assigned`` those assigned to the caller with a message the caller has not seen,
  ``count_unassigned`` those with no recipient, ``count_unread`` those with a message the
  caller has not seen;
* the related study is stored under the name the caller used (v47 ``study_id``, v55
  ``created_study_id``) and answered as ``created_study_id``.
"""

from __future__ import annotations

import json
from typing import Any

from ..context import RequestContext
from ..errors import ServiceError, not_found
from ..listing import select_fields
from ..registry import service_route
from .common import get_or_404

__all__: list[str] = []

DEFAULT_STATUS = 'NEW'
_PLAIN = ('subject', 'body', 'query_type', 'owner_namespace_id', 'notify')


def _recipients(ctx: RequestContext) -> list[str]:
    """The ``recipients`` user uuids (a value that is not a JSON array assigns nobody: no error is documented)."""
    try:
        value = json.loads(str(ctx.param('recipients'))) if ctx.has('recipients') else []
    except ValueError:
        value = []
    if not isinstance(value, list):
        return []
    for user_id in value:
        if ctx.state.get_object('user', str(user_id)) is None:
            raise ServiceError('NOT_FOUND', 'recipients')
    return [str(user_id) for user_id in value]


@service_route('/query/add')
def query_add(ctx: RequestContext) -> dict[str, Any]:
    """Add a query to a trial site (group)."""
    user = ctx.require_user()
    group = ctx.state.get_object('group', ctx.require('group_id')['group_id'])
    if group is None:
        raise not_found('group_id')
    account = ctx.state.get_object('account', str(group.get('account_id'))) or {}
    tags = (account.get('settings') or {}).get('query_status_tags')
    status = tags[0] if isinstance(tags, list) and tags else DEFAULT_STATUS
    number = len(ctx.state.list_objects('query', account_id=group.get('account_id'))) + 1
    row: dict[str, Any] = {name: ctx.param(name) for name in _PLAIN}
    row.update(
        group_id=group['uuid'], account_id=group.get('account_id'), namespace_id=group.get('namespace_id'),
        owner_user_id=ctx.param('owner_user_id') or user['uuid'], query_status=status, query_no=number,
        created_study_id=ctx.param('created_study_id') or ctx.param('study_id'), recipients=_recipients(ctx),
        messages=[{'id': 1, 'user_id': user['uuid'], 'body': ctx.param('body')}], seen={},
    )
    query = ctx.state.add_object('query', row)
    return {'uuid': query['uuid']}


@service_route('/query/get')
def query_get(ctx: RequestContext) -> dict[str, Any]:
    """One query (without the emulator's bookkeeping of messages and seen marks)."""
    query = get_or_404(ctx, 'query')
    view = {k: v for k, v in query.items() if k not in ('messages', 'seen', 'account_id', 'namespace_id')}
    return select_fields(ctx, 'query', view)


def _unseen(query: dict[str, Any], user_id: str) -> bool:
    last = max((int(m['id']) for m in query.get('messages') or []), default=0)
    return int((query.get('seen') or {}).get(user_id, 0)) < last


@service_route('/query/seen')
def query_seen(ctx: RequestContext) -> dict[str, Any]:
    """Mark the query's messages (up to ``message_id``) seen by the caller."""
    user = ctx.require_user()
    query = get_or_404(ctx, 'query')
    ids = [int(m['id']) for m in query.get('messages') or []]
    upto = max(ids, default=0)
    if ctx.has('message_id'):
        try:
            upto = int(str(ctx.param('message_id')))
        except ValueError:
            raise not_found('message_id') from None
        if upto not in ids:
            raise not_found('message_id')
    seen = dict(query.get('seen') or {})
    seen[user['uuid']] = max(upto, int(seen.get(user['uuid'], 0)))
    ctx.state.update_object('query', query['uuid'], {'seen': seen})
    return {}


@service_route('/query/count')
def query_count(ctx: RequestContext) -> dict[str, Any]:
    """Counts of the caller's queries needing attention."""
    user = ctx.require_user()
    accounts = {m['account_id'] for m in ctx.state.list_objects('account_user', user_id=user['uuid'])}
    queries = [q for account in sorted(accounts) for q in ctx.state.list_objects('query', account_id=account)]
    mine = user['uuid']
    return {
        'count_assigned': sum(1 for q in queries if mine in (q.get('recipients') or []) and _unseen(q, mine)),
        'count_unassigned': sum(1 for q in queries if not q.get('recipients')),
        'count_unread': sum(1 for q in queries if _unseen(q, mine)),
    }
