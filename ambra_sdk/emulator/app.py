"""The WSGI application: auth, spec checks, dispatch, faults and logging.

Request flow for ``POST /api/v3/<url>``:

1. ``/_emulator/...`` control calls go to :mod:`ambra_sdk.emulator.control`.
2. The request is logged (secrets masked) and a matching fault rule, if
   any, is applied (delay, expired sid, drop, status answer).
3. A raw route (storage) that matches the path handles it, else
4. the service route: 405 unless POST (or GET with the parameters in the
   query string, except where the doc says "The call must be a POST"),
   401 per the endpoint's sid mode,
   412 ``MISSING_FIELDS`` per the data spec, 412 ``NOT_PERMITTED`` per
   :mod:`ambra_sdk.emulator.permissions`, then the registered handler or
   the generic answer; ``fields._top`` is applied to the JSON answer.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Optional

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from ambra_sdk import __version__ as _sdk_version

from . import EMULATOR_HEADER
from .bundle import run_bundle
from .context import EmulatorConfig, RequestContext
from .errors import (
    AuthorizationRequiredError,
    EmulatorError,
    EndpointNotFoundError,
    MethodNotAllowedError,
    missing_fields,
)
from .faults import CorruptingStream, Fault, FaultInjector
from .generic import EndpointSpec, generic_answer, load_spec
from .jobs import finish_job, start_job
from .limits import STORAGE_PATH_PREFIX
from .origin import foreign_host_refusal
from .permissions import authorize_service
from .registry import ServiceRoute, get_service_route, load_route_modules, raw_routes
from .requests_log import LoggedRequest, RequestLog, mask

if TYPE_CHECKING:  # pragma: no cover
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from .network import NetworkShaper
    from .state import State

__all__ = ['EmulatorApp', 'API_PREFIX', 'json_response']

logger = logging.getLogger(__name__)

#: Every API URL starts with this prefix.
API_PREFIX = '/api/v3'
CONTROL_PREFIX = '/_emulator'
#: The header that marks every answer (see :data:`ambra_sdk.emulator.EMULATOR_HEADER`).
_MARK = (EMULATOR_HEADER, _sdk_version)


def json_response(body: Any, status: int = 200, headers: Optional[dict[str, str]] = None) -> Response:
    """Build a JSON response."""
    return Response(json.dumps(body), status=status, headers=headers, content_type='application/json')


def _apply_top_fields(ctx: RequestContext, body: dict[str, Any]) -> dict[str, Any]:
    """Limit top-level keys to ``fields._top`` (``status`` is always kept)."""
    wanted = ctx.json_param('fields._top')
    if not isinstance(wanted, list):
        return body
    keep = {str(w) for w in wanted}
    return {k: v for k, v in body.items() if k == 'status' or k in keep}


class EmulatorRequest(Request):
    """Request with generous form limits (the vendor accepts big JSON form fields)."""

    max_form_memory_size = 64 * 1024 * 1024
    max_form_parts = 100_000


class EmulatorApp:
    """WSGI callable serving the emulated Ambra API.

    :param state: the emulator state.
    :param config: emulator facts (engine fqdn, admin credentials).
    :param faults: fault rules.
    :param requests_log: where requests are recorded.
    :param spec: endpoint data spec keyed by URL (loaded from the package when None).
    :param on_reset: called by ``POST /_emulator/reset``.
    :param network: the server's network shaper (None: no profile), for ``GET /_emulator/network``.
    """

    def __init__(
        self,
        state: State,
        config: EmulatorConfig,
        faults: Optional[FaultInjector] = None,
        requests_log: Optional[RequestLog] = None,
        spec: Optional[dict[str, EndpointSpec]] = None,
        on_reset: Optional[Callable[[], None]] = None,
        network: Optional[NetworkShaper] = None,
    ) -> None:
        load_route_modules()
        self.state = state
        self.config = config
        self.faults = faults if faults is not None else FaultInjector()
        state.events.faults = self.faults  # websocket channel: message-level faults
        self.requests_log = requests_log if requests_log is not None else RequestLog()
        self.spec = spec if spec is not None else load_spec()
        self.on_reset = on_reset
        self.network = network
        routes = raw_routes()
        self._raw_handlers = [r.handler for r in routes]
        self._raw_map = Map(
            [
                Rule(API_PREFIX + r.rule, endpoint=index, methods=list(r.methods), websocket=r.websocket)
                for index, r in enumerate(routes)
            ],
            strict_slashes=False,
        )

    # ------------------------------------------------------------------ WSGI

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        def marked(status: str, headers: Any, exc_info: Any = None) -> Any:
            headers.append(_MARK)  # every answer says it comes from the emulator (the CLI reads it)
            return start_response(status, headers, exc_info)

        return self._answer(environ, _with_safety_headers(marked))

    def _answer(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = EmulatorRequest(environ)
        refusal = foreign_host_refusal(request, self.config.engine_fqdn)
        if refusal is not None:  # DNS rebinding: every path, before anything is read or logged
            return refusal(environ, start_response)
        path = request.path
        if path.startswith(CONTROL_PREFIX):
            from .control import handle_control

            return handle_control(self, request)(environ, start_response)
        inside = path.startswith(API_PREFIX + '/')
        if path.rstrip('/') == API_PREFIX + '/bundle':
            request.get_data(cache=True)  # the JSON text, whatever the content type says
        rel = path[len(API_PREFIX):] if inside else path
        ctx = RequestContext(request, self.state, self.config, rel.rstrip('/') or '/')
        entry = self._log(ctx)
        if not inside:
            entry.status = EndpointNotFoundError.status
            return json_response(EndpointNotFoundError().body(), EndpointNotFoundError.status)(environ, start_response)
        fault = self.faults.take(request.method, ctx.path, path)
        if fault is not None:
            early = self._apply_fault_before(fault, ctx, environ, entry)
            if early is not None:
                entry.status = early.status_code
                return early(environ, start_response)
        response = self._dispatch(ctx, environ)
        entry.status = response.status_code
        if fault is not None and fault.truncate_body:
            entry.status = None
            return self._truncated(response, environ, start_response)
        return response(environ, start_response)

    # -------------------------------------------------------------- logging

    def _log(self, ctx: RequestContext) -> LoggedRequest:
        form: dict[str, Any] = dict(ctx.form)
        try:
            for key, storage in ctx.request.files.items():
                form[key] = f'<file {storage.filename or ""}>'
        except Exception:  # noqa: BLE001 - malformed multipart
            pass
        entry = LoggedRequest(
            method=ctx.request.method,
            path=ctx.path,
            params=mask(dict(ctx.request.args.items())),
            form=mask(form),
            basic_auth=ctx.request.authorization is not None,
            json=mask(_json_body(ctx.request)),
        )
        self.requests_log.append(entry)
        return entry

    # --------------------------------------------------------------- faults

    def _apply_fault_before(
        self, fault: Fault, ctx: RequestContext, environ: WSGIEnvironment, entry: LoggedRequest
    ) -> Optional[Response]:
        if fault.delay:
            time.sleep(fault.delay)
        if fault.expire_sid:
            auth = ctx.request.authorization
            token = ctx.sid or (auth.token if auth is not None and auth.type == 'bearer' else None)
            if token:
                self.state.delete_session(token)
        if fault.corrupt_body:
            request = ctx.request
            request.__dict__['stream'] = CorruptingStream(request.stream)
        if fault.drop_connection:
            entry.status = None
            _close_socket(environ)
            raise ConnectionAbortedError('emulator fault: connection dropped')
        if fault.status is None:
            return None
        headers = {}
        if fault.retry_after is not None:
            headers['Retry-After'] = str(fault.retry_after)
        if fault.error_type or fault.status == 412:
            body = {'status': 'ERROR', 'error_type': fault.error_type or 'EMULATED_FAULT'}
            return json_response(body, fault.status, headers)
        return json_response(
            {'status': 'ERROR', 'error_type': 'EMULATED_FAULT', 'error_subtype': fault.status},
            fault.status,
            headers,
        )

    def _truncated(
        self, response: Response, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterator[bytes]:
        body = response.get_data()
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != 'content-length']
        headers.append(('Content-Length', str(len(body))))
        start_response(response.status, headers)
        yield body[: len(body) // 2]
        _close_socket(environ)
        raise ConnectionAbortedError('emulator fault: body truncated')

    # -------------------------------------------------------------- dispatch

    def _dispatch(self, ctx: RequestContext, environ: WSGIEnvironment) -> Response:
        try:
            raw = self._match_raw(environ)
            if raw is not None:
                return self._raw(ctx, *raw)
            return self._service(ctx)
        except EmulatorError as exc:
            return json_response(exc.body(), exc.status)
        except HTTPException as exc:
            return exc.get_response(environ)  # type: ignore[return-value]
        except Exception:  # noqa: BLE001 - a test server must answer
            logger.exception('Emulator handler failed for %s', ctx.path)
            return json_response({'status': 'ERROR', 'error_type': 'INTERNAL_ERROR'}, 500)

    @staticmethod
    def _raw(ctx: RequestContext, handler: Callable[..., Any], args: dict[str, Any]) -> Response:
        job_id = start_job(ctx)
        response: Optional[Response] = None
        try:
            result = handler(ctx, **args)
            response = result if isinstance(result, Response) else json_response(result)
        except EmulatorError as exc:
            response = json_response(exc.body(), exc.status)
        finally:
            if job_id is not None:
                finish_job(ctx, job_id, response)
        return response

    def _match_raw(self, environ: WSGIEnvironment) -> Optional[tuple[Callable[..., Any], dict[str, Any]]]:
        adapter = self._raw_map.bind_to_environ(environ)
        try:
            index, args = adapter.match()
        except HTTPException as exc:
            if exc.code == 404:
                return None
            raise
        return self._raw_handlers[int(index)], dict(args)

    def _bundle(self, ctx: RequestContext) -> Response:
        if ctx.request.method != 'POST':
            raise MethodNotAllowedError()

        def call(sub_ctx: RequestContext) -> tuple[int, dict[str, Any]]:
            try:
                response = self._service(sub_ctx)
            except EmulatorError as exc:
                return exc.status, exc.body()
            except Exception:  # noqa: BLE001 - every call of a bundle gets a hash
                logger.exception('Emulator handler failed for %s in a bundle', sub_ctx.path)
                return 500, {'status': 'ERROR', 'error_type': 'INTERNAL_ERROR'}
            try:
                body = json.loads(response.get_data(as_text=True))
            except ValueError:
                body = {}
            return response.status_code, body if isinstance(body, dict) else {'result': body}

        results = run_bundle(ctx, call)
        if results is None:
            return json_response({'status': 'ERROR', 'error_type': 'BAD_REQUEST'}, 400)
        return json_response(results)

    def _service(self, ctx: RequestContext) -> Response:
        if ctx.path == '/bundle':
            return self._bundle(ctx)
        route: Optional[ServiceRoute] = get_service_route(ctx.path)
        endpoint = self.spec.get(ctx.path)
        if route is None and endpoint is None:
            raise EndpointNotFoundError()
        if ctx.request.method not in ('POST', 'GET') or (
            ctx.request.method == 'GET' and endpoint is not None and endpoint.post_only
        ):
            raise MethodNotAllowedError()
        mode = route.auth if route is not None and route.auth != 'spec' else None
        if mode is None:
            mode = endpoint.sid if endpoint is not None else 'required'
        self._check_auth(ctx, mode, endpoint)
        if endpoint is not None and (route is None or route.check_spec):
            missing = endpoint.missing(ctx.form)
            if missing:
                raise missing_fields(missing)
        authorize_service(ctx)
        if route is not None:
            result = route.handler(ctx)
        else:
            assert endpoint is not None
            result = generic_answer(endpoint, ctx)
        if isinstance(result, Response):
            return result
        body = {'status': 'OK', **(result or {})}
        page = body.get('page')
        if isinstance(page, dict) and 'more' in page:
            body.setdefault('more', page['more'])  # the server repeats page.more at the top
        return json_response(_apply_top_fields(ctx, body))

    @staticmethod
    def _check_auth(ctx: RequestContext, mode: str, endpoint: Optional[EndpointSpec]) -> None:
        if mode == 'none':
            return
        if mode == 'required':
            ctx.require_user()
            return
        if ctx.sid and ctx.user is None:
            raise AuthorizationRequiredError()
        if mode == 'alternative' and ctx.user is None:
            options = endpoint.sid_alternatives() if endpoint is not None else []
            if not any(all(ctx.has(name) for name in option) for option in options):
                raise AuthorizationRequiredError()


#: Headers of every answer: no content sniffing, and nothing served from the emulator's
#: origin runs as a page (stored attachments, ``return_html`` answers...).
SAFETY_HEADERS = (
    ('X-Content-Type-Options', 'nosniff'),
    ('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'; sandbox"),
)


def _with_safety_headers(start_response: StartResponse) -> StartResponse:
    """``start_response`` adding :data:`SAFETY_HEADERS` to every answer (a handler's own values win)."""

    def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        present = {name.lower() for name, _ in headers}
        headers = list(headers) + [(name, value) for name, value in SAFETY_HEADERS if name.lower() not in present]
        return start_response(status, headers, exc_info)

    return start  # type: ignore[return-value]


#: JSON bodies up to this size are kept in the request log (masked); storage bodies never are.
LOGGED_JSON_BYTES = 1024 * 1024


def _json_body(request: Request) -> Any:
    """The JSON body of a service call (a bundle...) for the log, or None (not JSON, too big, storage)."""
    length = request.content_length
    if request.path.startswith(STORAGE_PATH_PREFIX) or length is None or length > LOGGED_JSON_BYTES:
        return None
    if not request.is_json and request.path.rstrip('/') != API_PREFIX + '/bundle':
        return None
    try:
        return json.loads(request.get_data(cache=True))
    except ValueError:
        return None


def _close_socket(environ: WSGIEnvironment) -> None:
    """Really close the client connection (werkzeug's dev server exposes it)."""
    sock = environ.get('werkzeug.socket')
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
