"""HTTP control API under ``/_emulator`` (for non-Python test suites).

Every call must carry the token made at start-up (printed by the CLI,
``emu.control_token``) in the :data:`TOKEN_HEADER` header, and a ``Host``
header naming the emulator itself (loopback names accepted), so that
neither a web page in the developer's browser (cross-origin form posts,
DNS rebinding) nor another user of the machine can drive it. Refusals
answer 403 (bad host) or 401 (missing or wrong token). With the control API
turned off (``--no-control``, ``Emulator(control=False)``) every call
answers 404.

* ``GET  /_emulator/info`` -> url, engine_fqdn, storage_base_url, username (never a password)
* ``POST /_emulator/reset`` -> wipe state back to the seeded admin
* ``GET  /_emulator/requests`` -> the request log; ``DELETE`` clears it
* ``GET  /_emulator/faults`` -> active rules; ``POST`` adds one (JSON body or
  form with the keyword arguments of :meth:`FaultInjector.add`);
  ``DELETE /_emulator/faults`` (or ``POST /_emulator/faults/clear``) clears them
* ``POST /_emulator/sessions/expire`` -> expire every session
* ``POST /_emulator/studies/seed`` -> add ``count`` synthetic studies fast
  (JSON ``{"count": 100000, "namespace_id": optional}``), see
  :meth:`~ambra_sdk.emulator.server.Emulator.seed_studies`
* ``GET  /_emulator/processing`` -> ``{"delay": seconds, "pending": n}`` (storage uploads
  not processed yet); ``POST`` with ``{"delay": seconds}`` changes the delay
* ``POST /_emulator/processing/wait`` -> wait (``{"timeout": seconds}``, default 30, at
  most 600) until every upload so far is processed: ``{"status": "OK", "pending": 0}``,
  or 504 ``{"status": "TIMEOUT", "pending": n}``
"""

from __future__ import annotations

import hmac
import json
from typing import TYPE_CHECKING, Any, Optional

from werkzeug.wrappers import Request, Response

from .origin import allowed_hosts

if TYPE_CHECKING:  # pragma: no cover
    from .app import EmulatorApp

__all__ = ['handle_control', 'TOKEN_HEADER', 'allowed_hosts']

#: Header carrying the control token.
TOKEN_HEADER = 'X-Ambra-Emulator-Token'

_FAULT_KEYS = {
    'path_pattern': str,
    'status': int,
    'retry_after': str,
    'delay': float,
    'drop_connection': bool,
    'truncate_body': bool,
    'expire_sid': bool,
    'corrupt_body': bool,
    'times': int,
    'error_type': str,
    'method': str,
}


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type='application/json')


def _to_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ('1', 'true', 'yes', 'on')
    return bool(value)


def _fault_kwargs(request: Request) -> dict[str, Any]:
    raw = (request.get_json(silent=True) or {}) if request.is_json else dict(request.form.items())
    if not isinstance(raw, dict):
        raise ValueError('Expected a JSON object')
    kwargs: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in _FAULT_KEYS:
            raise ValueError(f'Unknown fault option {key!r}')
        if value is None or (key == 'times' and str(value).lower() in ('none', 'null', '')):
            kwargs[key] = None
        elif _FAULT_KEYS[key] is bool:
            kwargs[key] = _to_bool(value)
        else:
            kwargs[key] = _FAULT_KEYS[key](value)
    if 'path_pattern' not in kwargs:
        raise ValueError('path_pattern is required')
    return kwargs


def _seed_studies(app: EmulatorApp, request: Request) -> Response:
    from .seed import seed_studies

    try:
        raw = _body(request)
        added = seed_studies(app.state, config=app.config, count=int(raw.get('count', 0)),
                             namespace_id=raw.get('namespace_id') or None)
    except (ValueError, TypeError) as exc:
        return _json({'status': 'ERROR', 'error': str(exc)}, 400)
    return _json({'status': 'OK', 'count': added})


#: Longest ``/_emulator/processing/wait``, in seconds.
MAX_PROCESSING_WAIT = 600.0


def _body(request: Request) -> dict[str, Any]:
    raw = request.get_json(silent=True) if request.is_json else dict(request.form.items())
    if not isinstance(raw, dict):
        raise ValueError('Expected a JSON object')
    return raw


def _processing(app: EmulatorApp, request: Request, path: str) -> Optional[Response]:
    """The ``/_emulator/processing`` calls (None: not one of them)."""
    from .processing import check_delay

    processor = app.state.processing
    try:
        if path == '/_emulator/processing' and request.method == 'POST':
            processor.delay = check_delay(_body(request).get('delay', processor.delay))
        elif path == '/_emulator/processing/wait' and request.method == 'POST':
            timeout = min(float(_body(request).get('timeout', 30.0)), MAX_PROCESSING_WAIT)
            if not processor.wait(max(timeout, 0.0)):
                return _json({'status': 'TIMEOUT', 'pending': processor.pending}, 504)
            return _json({'status': 'OK', 'pending': processor.pending})
        elif not (path == '/_emulator/processing' and request.method == 'GET'):
            return None
    except (ValueError, TypeError) as exc:
        return _json({'status': 'ERROR', 'error': str(exc)}, 400)
    return _json({'delay': processor.delay, 'pending': processor.pending})


def _refusal(app: EmulatorApp, request: Request) -> Optional[Response]:
    """The answer refusing this call, or None when it may go on."""
    token = app.config.control_token
    if token is None:
        return _json({'status': 'ERROR', 'error': 'unknown control call'}, 404)
    sent = request.headers.get(TOKEN_HEADER, '')
    if not hmac.compare_digest(sent.encode('utf-8', 'replace'), token.encode('utf-8')):
        return _json({'status': 'ERROR', 'error': 'the control API needs the {0} header'.format(TOKEN_HEADER)}, 401)
    return None


def handle_control(app: EmulatorApp, request: Request) -> Response:
    """Answer one ``/_emulator/...`` call (the app checked the Host; the token is checked here)."""
    refusal = _refusal(app, request)
    if refusal is not None:
        return refusal
    path = request.path.rstrip('/')
    method = request.method
    config = app.config
    if path == '/_emulator/info' and method == 'GET':
        return _json(
            {
                'url': config.url,
                'engine_fqdn': config.engine_fqdn,
                'storage_base_url': config.storage_base_url,
                'username': config.username,
            }
        )
    if path == '/_emulator/reset' and method == 'POST':
        if app.on_reset is not None:
            app.on_reset()
        return _json({'status': 'OK'})
    if path == '/_emulator/requests':
        if method == 'GET':
            return _json([e.to_dict() for e in app.requests_log])
        if method == 'DELETE':
            app.requests_log.clear()
            return _json({'status': 'OK'})
    if path == '/_emulator/faults':
        if method == 'GET':
            return _json([f.to_dict() for f in app.faults.list()])
        if method == 'POST':
            try:
                fault = app.faults.add(**_fault_kwargs(request))
            except (ValueError, TypeError) as exc:
                return _json({'status': 'ERROR', 'error': str(exc)}, 400)
            return _json(fault.to_dict())
        if method == 'DELETE':
            app.faults.clear()
            return _json({'status': 'OK'})
    if path == '/_emulator/faults/clear' and method == 'POST':
        app.faults.clear()
        return _json({'status': 'OK'})
    if path == '/_emulator/network' and method == 'GET':
        shaper = app.network
        received, sent = (0, 0) if shaper is None else shaper.traffic.snapshot()
        return _json({'profile': '' if shaper is None else str(shaper.profile), 'received': received, 'sent': sent})
    if path == '/_emulator/sessions/expire' and method == 'POST':
        app.state.expire_sessions()
        return _json({'status': 'OK'})
    if path == '/_emulator/studies/seed' and method == 'POST':
        return _seed_studies(app, request)
    processing = _processing(app, request, path)
    if processing is not None:
        return processing
    return _json({'status': 'ERROR', 'error': 'unknown control call'}, 404)
