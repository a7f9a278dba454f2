"""Route registry: how a module plugs an endpoint into the emulator.

Two kinds of routes:

* **service routes** (``POST /api/v3/<url>``)::

      from ambra_sdk.emulator.registry import service_route

      @service_route('/study/get')
      def study_get(ctx: RequestContext) -> dict:
          return {...}            # "status": "OK" is added for you

  The handler gets a :class:`~ambra_sdk.emulator.context.RequestContext`
  and returns the JSON fields of the answer (or a werkzeug ``Response`` for
  non-JSON answers). Raise :class:`~ambra_sdk.emulator.errors.ServiceError`
  for a 412. Before the handler runs, the app has already answered 405 for
  non-POST calls, 401 for a missing/bad sid and 412 ``MISSING_FIELDS``
  according to the endpoint data spec (``ambra_sdk/service/endpoints.json``).

* **raw routes** (any method, any URL under ``/api/v3``; used by storage)::

      from ambra_sdk.emulator.registry import raw_route

      @raw_route('/storage/study/<namespace>/<study_uid>/schema', methods=['GET', 'HEAD'])
      def schema(ctx: RequestContext, namespace: str, study_uid: str) -> Response:
          ...

  The rule uses werkzeug routing syntax and is relative to ``/api/v3``.
  Raw handlers do their own authentication (``ctx.user`` / ``ctx.sid``)
  and return a werkzeug ``Response``. Raw routes are matched before
  service routes.

``@on_reset`` registers ``func(state)`` to run after every reset.

A module registers itself just by being imported: the app imports
:mod:`ambra_sdk.emulator.routes` (whose ``__init__`` imports every route
module) and then, if it exists, :mod:`ambra_sdk.emulator.storage` (whose
``__init__`` must import its own route modules).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    from .context import RequestContext

__all__ = [
    'ServiceRoute',
    'RawRoute',
    'service_route',
    'raw_route',
    'service_routes',
    'raw_routes',
    'load_route_modules',
    'on_reset',
    'reset_hooks',
]

F = TypeVar('F', bound=Callable[..., Any])


@dataclass(frozen=True)
class ServiceRoute:
    """A registered service endpoint handler.

    :ivar url: the vendor URL, e.g. ``/study/list``.
    :ivar handler: ``handler(ctx) -> dict | Response | None``.
    :ivar auth: ``'spec'`` (use the data spec's ``sid`` value), ``'required'``,
        ``'optional'`` (a bad sid is still a 401) or ``'none'``.
    :ivar check_spec: validate required parameters from the data spec first.
    """

    url: str
    handler: Callable[[RequestContext], Any]
    auth: str = 'spec'
    check_spec: bool = True


@dataclass(frozen=True)
class RawRoute:
    """A registered raw HTTP route (werkzeug rule relative to ``/api/v3``)."""

    rule: str
    handler: Callable[..., Any]
    methods: Sequence[str] = field(default=('GET',))
    #: werkzeug matches a websocket upgrade request only to a websocket rule (and no other request).
    websocket: bool = False


_SERVICE: dict[str, ServiceRoute] = {}
_RAW: list[RawRoute] = []
_RESET_HOOKS: list[Callable[[Any], None]] = []


def service_route(url: str, *, auth: str = 'spec', check_spec: bool = True) -> Callable[[F], F]:
    """Register a service endpoint handler (decorator); the last one wins."""
    if auth not in ('spec', 'required', 'optional', 'none'):
        raise ValueError(f'Bad auth mode {auth!r}')

    def decorator(func: F) -> F:
        _SERVICE[url] = ServiceRoute(url=url, handler=func, auth=auth, check_spec=check_spec)
        return func

    return decorator


def raw_route(rule: str, methods: Sequence[str] = ('GET',), websocket: bool = False) -> Callable[[F], F]:
    """Register a raw HTTP route (decorator); ``websocket=True`` for a websocket upgrade route."""

    def decorator(func: F) -> F:
        methods_upper = tuple(m.upper() for m in methods)
        _RAW[:] = [r for r in _RAW if not (r.rule == rule and tuple(r.methods) == methods_upper)]
        _RAW.append(RawRoute(rule=rule, handler=func, methods=methods_upper, websocket=websocket))
        return func

    return decorator


def on_reset(func: F) -> F:
    """Register ``func(state)`` to run after every ``Emulator.reset()`` (decorator).

    For modules that cache something derived from the state (e.g. an index).
    """
    if func not in _RESET_HOOKS:
        _RESET_HOOKS.append(func)
    return func


def reset_hooks() -> list[Callable[[Any], None]]:
    """Return the registered reset hooks."""
    return list(_RESET_HOOKS)


def service_routes() -> dict[str, ServiceRoute]:
    """Return a copy of the registered service routes keyed by URL."""
    return dict(_SERVICE)


def raw_routes() -> list[RawRoute]:
    """Return a copy of the registered raw routes."""
    return list(_RAW)


def get_service_route(url: str) -> Optional[ServiceRoute]:
    """Return the handler registered for ``url`` or None."""
    return _SERVICE.get(url)


_OPTIONAL_PACKAGES = ('ambra_sdk.emulator.storage', 'ambra_sdk.emulator.channel')


def load_route_modules() -> None:
    """Import the built-in route modules, the optional storage package and the websocket channel."""
    importlib.import_module('ambra_sdk.emulator.routes')
    for name in _OPTIONAL_PACKAGES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
