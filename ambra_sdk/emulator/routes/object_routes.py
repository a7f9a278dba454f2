"""The plain handlers of an account's objects: ``get``, ``set``, ``delete`` and ``list`` (one helper).

Many namespaces answer these calls the same way: find the object the ``uuid`` parameter
names (:func:`~ambra_sdk.emulator.routes.common.get_or_404`: ``NOT_FOUND``, or ``NOT_PERMITTED``
where the document lists no ``NOT_FOUND``), then return its fields (``fields.*`` selection),
update it with what the call may change, or delete it (``set`` and ``delete`` answer ``{}``);
``list`` pages the objects of the ``account_id`` account.
:func:`register_object_routes` registers them, as :func:`~ambra_sdk.emulator.routes.subaccount.register_subaccount`
does for groups and locations. A call with more to check (``IN_USE``, locks...) keeps its own
handler: the error walk of ``tests/emulator/error_sites.py`` reads the tokens a handler raises
from its source, and a token chosen by a callable argument would hide from it.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Optional

from ..context import RequestContext
from ..listing import list_answer, select_fields
from ..registry import service_route
from .common import get_or_404, require_account

__all__ = ['register_object_routes']

#: ``changes(ctx)``: the fields a ``set`` call changes (validated; an empty dict changes nothing).
Changes = Callable[[RequestContext], 'dict[str, Any]']


def register_object_routes(  # noqa: PLR0913 (one keyword per call it may register)
    prefix: str,
    kind: str,
    *,
    get: bool = False,
    changes: Optional[Changes] = None,
    delete: bool = False,
    listed: Optional[str] = None,
    allowed: Optional[Iterable[str]] = None,
) -> None:
    """Register ``{prefix}/get``, ``/set``, ``/delete`` and ``/list``, each when asked for.

    :param prefix: the calls' common URL part, e.g. ``/timer_rule`` or ``/customfield/mapping``.
    :param kind: the state's object kind, e.g. ``timer_rule``.
    :param get: register ``get``: the object's fields (``fields.*`` selection).
    :param changes: register ``set``: the object is updated with ``changes(ctx)``.
    :param delete: register ``delete``: the object is deleted.
    :param listed: register ``list``: the objects of the ``account_id`` account, paginated under
        this answer field (e.g. ``roles``).
    :param allowed: with ``listed``: the fields ``fields.*`` and sorting may name.
    """

    def get_(ctx: RequestContext) -> dict[str, Any]:
        return select_fields(ctx, kind, get_or_404(ctx, kind))

    def set_(ctx: RequestContext) -> dict[str, Any]:
        obj = get_or_404(ctx, kind)
        assert changes is not None
        ctx.state.update_object(kind, obj['uuid'], changes(ctx))
        return {}

    def delete_(ctx: RequestContext) -> dict[str, Any]:
        obj = get_or_404(ctx, kind)
        ctx.state.delete_object(kind, obj['uuid'])
        return {}

    def list_(ctx: RequestContext) -> dict[str, Any]:
        account = require_account(ctx)
        rows = ctx.state.list_objects(kind, account_id=account['uuid'])
        assert listed is not None
        return list_answer(ctx, rows, struct=kind, paginated_field=listed, allowed=allowed)

    chosen = (
        ('get', get, get_), ('set', changes is not None, set_), ('delete', delete, delete_),
        ('list', listed is not None, list_),
    )
    for suffix, wanted, handler in chosen:
        if wanted:
            service_route(f'{prefix}/{suffix}')(handler)
