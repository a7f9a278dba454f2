"""Offline Ambra server for tests, docs and users (what moto is to boto3).

Quick start::

    from ambra_sdk.emulator import Emulator

    with Emulator() as emu:          # threaded werkzeug server on 127.0.0.1:<free port>
        api = emu.api()              # Api.with_creds(emu.url, emu.username, emu.password, ...)
        api.Study.list().all()

Requires the ``emulator`` extra (werkzeug; pydicom for storage). Importing
this package is cheap: :class:`Emulator` is loaded on first access, so the
pytest plugin can be registered without importing werkzeug; without the
extra, that access raises an ImportError naming the extra and the command
that installs it (:mod:`ambra_sdk.emulator.extra`).

Package layout (one job per module)
-----------------------------------

``server.py``        :class:`Emulator` (lifecycle, addresses, ``api()``, ``reset()``)
``httpd.py``         the HTTP server: connection threads, open connections, takeovers
``handler.py``       the request handler: TLS, keep-alive, body draining and limits, quiet logs
``limits.py``        body, connection and request-head bounds (``Limits``, ``HeadWatch``)
``origin.py``        the Host check of every request (DNS rebinding), loopback addresses
``startup.py``       ``StartupError``: why the emulator could not start, naming the option
``extra.py``         the ``emulator`` extra's modules and its one-line install hint
``private_files.py`` data folder 0700, files 0600
``tls.py``           the CA and certificate of ``tls=True`` (trustme)
``trust.py``         ``EmulatorApi``: an Api trusting the emulator's CA (``emu.api()`` with TLS)
``app.py``           WSGI app: logging, faults, auth, spec checks, dispatch
``registry.py``      route registration (``service_route`` / ``raw_route`` / ``on_reset``)
``context.py``       :class:`~ambra_sdk.emulator.context.RequestContext` given to handlers
``errors.py``        exceptions that become 401/404/405/412 answers
``state.py``         SQLite tables + files directory (the shared data contract)
``generic.py``       endpoint data spec: sid modes, MISSING_FIELDS, generic answers
``listing.py``       filter / sort / fields / pagination for list endpoints
``catalog.py``       known fields per object (validates filter/sort fields)
``bundle.py``        ``POST /api/v3/bundle`` (bundled calls with ``{{TOKEN}}`` templates)
``accounts.py``      password hashing and login lookup
``jobs.py``          jobs of raw (storage) calls with an ``X-AmbraHealth-Job-Id`` header
``faults.py``        fault injection rules
``events.py``        event bus of the state (hook points ``study_saved``, ``job_saved``)
``processing.py``    the delayed processing step of storage uploads (``state.processing``)
``channel.py``       ``/api/v3/channel/websocket`` (wsproto; READY / EDIT / DONE events)
``requests_log.py``  masked request log
``control.py``       ``/_emulator/...`` HTTP control API
``seed.py``          the seeded admin, account, namespace (+ demo data)
``routes/``          service endpoints with real state (session, user, study, ...)
``storage/``         storage endpoints (``/api/v3/storage/...``), owned by the storage side
``cli.py``           ``python -m ambra_sdk.emulator``
``pytest_plugin.py`` fixtures ``emulator``, ``ambra_emulator``, ``emulator_api``, ``api``

How a route module registers itself
-----------------------------------

A module registers handlers at import time with the decorators of
:mod:`ambra_sdk.emulator.registry`:

* service endpoint (``POST /api/v3/<url>``, form body)::

      from ambra_sdk.emulator.registry import service_route

      @service_route('/study/get')
      def study_get(ctx):                       # ctx: RequestContext
          study = ctx.state.get_study(ctx.require('uuid')['uuid'])
          return study                          # "status": "OK" is added

  401 / 405 / ``MISSING_FIELDS`` (from the data spec) are checked before the
  handler runs; raise :class:`~ambra_sdk.emulator.errors.ServiceError` for
  other 412 errors. Pass ``auth='none'|'optional'|'required'`` to override
  the data spec's sid mode and ``check_spec=False`` to skip its
  required-parameter check.

* raw HTTP route (storage: any method, rule relative to ``/api/v3``)::

      from ambra_sdk.emulator.registry import raw_route

      @raw_route('/storage/study/<namespace>/<study_uid>/schema', methods=['GET', 'HEAD'])
      def schema(ctx, namespace, study_uid):
          user = ctx.user                       # from ?sid=... (or basic auth); None if invalid
          ...
          return werkzeug.wrappers.Response(...)

  Raw routes are matched before service routes and do their own auth.
  When the request has an ``X-AmbraHealth-Job-Id`` header the app records
  the job (``RUNNING``, then ``DONE``/``FAILED`` from the answer) for
  ``/job/get``; a handler may set the final state itself.

The app imports :mod:`ambra_sdk.emulator.routes` (its ``__init__`` imports
each route module) and then :mod:`ambra_sdk.emulator.storage` if that
package exists; ``storage/__init__.py`` must import its route modules.
Handlers reach the state through ``ctx.state`` (see :mod:`.state` for the
tables and helpers such as ``add_study``, ``get_study``, ``list_studies``,
``add_image``, ``list_images``, ``add_job``, ``update_job``) and the
emulator's address through ``ctx.config.engine_fqdn``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .server import Emulator

__all__ = ['Emulator', 'EMULATOR_HEADER']

#: Header on every answer of the emulator (value: the SDK version). The ``ambra`` CLI turns its
#: client-side rate limits off when the server's first answer carries it (they protect the real
#: server, not an emulator); the SDK itself never reads it.
EMULATOR_HEADER = 'X-Ambra-Emulator'


def __getattr__(name: str) -> Any:
    if name == 'Emulator':
        try:
            from .server import Emulator
        except ImportError as error:  # the emulator extra is missing: say how to install it
            from .extra import extra_error

            raise extra_error(error) from None
        return Emulator
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
