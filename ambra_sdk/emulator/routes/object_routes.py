"""The plain handlers of an object named by its ``uuid``: ``get``, ``set`` and ``delete`` (one helper).

Many namespaces answer these three calls the same way: find the object the ``uuid`` parameter
names (:func:`~ambra_sdk.emulator.routes.common.get_or_404`: ``NOT_FOUND``, or ``NOT_PERMITTED``
where the document lists no ``NOT_FOUND``), then return its fields (``fields.*`` selection),
update it with what the call may change, or delete it; ``set`` and ``delete`` answer ``{}``.
:func:`register_object_routes` registers them, as :func:`~ambra_sdk.emulator.routes.subaccount.register_subaccount`
does for groups and locations; a call with more to check (``IN_USE``, locks...) keeps its own handler.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from ..context import RequestContext
from ..listing import select_fields
from ..registry import service_route
from .common import get_or_404

__all__ = ['register_object_routes']

#: ``changes(ctx)``: the fields a ``set`` call changes (validated; an empty dict changes nothing).
Changes = Callable[[RequestContext], 'dict[str, Any]']


def register_object_routes(
    prefix: str, kind: str, *, get: bool = False, changes: Optional[Changes] = None, delete: bool = False,
) -> None:
    """Register ``{prefix}/get`` (``get``), ``{prefix}/set`` (``changes`` given) and ``{prefix}/delete`` (``delete``).

    :param prefix: the calls' common URL part, e.g. ``/timer_rule`` or ``/customfield/mapping``.
    :param kind: the state's object kind, e.g. ``timer_rule``.
    :param get: register ``get``: the object's fields (``fields.*`` selection).
    :param changes: register ``set``: the object is updated with ``changes(ctx)``.
    :param delete: register ``delete``: the object is deleted.
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

    chosen = (('get', get, get_), ('set', changes is not None, set_), ('delete', delete, delete_))
    for suffix, wanted, handler in chosen:
        if wanted:
            service_route(f'{prefix}/{suffix}')(handler)
