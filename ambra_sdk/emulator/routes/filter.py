"""``/filter/add``, ``get``, ``delete``: saved study filters (what ``/study/count_by_filter`` counts by).

``configuration`` is, as the document says, a JSON hash of ``filter.FIELD.CONDITION`` keys
(AND'ed, the same conditions as ``/study/list``) or a JSON array of other filters' uuids
(OR'ed). The caller is the filter's ``owner``.
"""

from __future__ import annotations

import json
from typing import Any

from ..context import RequestContext
from ..errors import ServiceError
from ..registry import service_route
from .common import require_account
from .object_routes import register_object_routes

__all__: list[str] = []


@service_route('/filter/add')
def filter_add(ctx: RequestContext) -> dict[str, Any]:
    """Save a filter."""
    user = ctx.require_user()
    params = ctx.require('configuration', 'name', 'type')
    try:
        configuration = json.loads(params['configuration'])
    except ValueError:
        configuration = None
    if not isinstance(configuration, (dict, list)):
        raise ServiceError('INVALID_CONFIG', 'configuration')
    account_id = require_account(ctx)['uuid'] if ctx.has('account_id') else None
    row = {
        'name': params['name'], 'type': params['type'], 'configuration': configuration,
        'account_id': account_id, 'owner': user['uuid'], 'tier_parent_id': ctx.param('tier_parent_id'),
    }
    saved = ctx.state.add_object('filter', row)
    return {'uuid': saved['uuid']}


register_object_routes('/filter', 'filter', get=True, delete=True)
