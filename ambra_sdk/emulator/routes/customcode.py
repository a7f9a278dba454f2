"""``/customcode/*``: account custom code (stored; deploy, zip and the rest stay generic answers)."""

from __future__ import annotations

from typing import Any

from ..context import RequestContext
from ..listing import list_answer, select_fields
from ..registry import service_route
from .common import get_or_404, require_account, settable_fields

__all__: list[str] = []

_FIELDS = frozenset(
    {'uuid', 'account_id', 'name', 'language', 'type', 'code', 'zip', 'wrapper_func', 'created', 'updated'}
)


@service_route('/customcode/add')
def customcode_add(ctx: RequestContext) -> dict[str, Any]:
    """Store custom code in an account."""
    account = require_account(ctx)
    fields = settable_fields(ctx, exclude=('account_id',))
    code = ctx.state.add_object('customcode', {**fields, 'account_id': account['uuid']})
    return {'uuid': code['uuid']}


@service_route('/customcode/get')
def customcode_get(ctx: RequestContext) -> dict[str, Any]:
    """One custom code."""
    return select_fields(ctx, 'customcode', get_or_404(ctx, 'customcode'))


@service_route('/customcode/set')
def customcode_set(ctx: RequestContext) -> dict[str, Any]:
    """Update a custom code."""
    code = get_or_404(ctx, 'customcode')
    ctx.state.update_object('customcode', code['uuid'], settable_fields(ctx, exclude=('account_id',)))
    return {}


@service_route('/customcode/delete')
def customcode_delete(ctx: RequestContext) -> dict[str, Any]:
    """Delete a custom code."""
    code = get_or_404(ctx, 'customcode')
    ctx.state.delete_object('customcode', code['uuid'])
    return {}


@service_route('/customcode/list', check_spec=False)
def customcode_list(ctx: RequestContext) -> dict[str, Any]:
    """Custom code of an account."""
    account = require_account(ctx)
    rows = ctx.state.list_objects('customcode', account_id=account['uuid'])
    return list_answer(ctx, rows, struct='customcode', paginated_field='customcodes', allowed=_FIELDS)
