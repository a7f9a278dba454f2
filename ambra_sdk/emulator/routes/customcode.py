"""``/customcode/*``: custom code of an account, its zip file and its deployments."""

from __future__ import annotations

import base64
import re
from typing import Any

from werkzeug.wrappers import Response

from ..context import RequestContext
from ..errors import ServiceError, documented_error, not_found, not_permitted
from ..listing import list_answer, select_fields
from ..registry import service_route
from .common import get_or_404, require_account

__all__: list[str] = []

TYPES = ('AI_CUSTOM_VALIDATION_CODE',)
LANGUAGES = ('PYTHON',)

#: ``Content-Type`` of ``/customcode/zip`` answers, as the server sends it.
ZIP_CONTENT_TYPE = 'application/zip; charset=ISO-8859-1'

_NOT_BASE64 = re.compile(r'[^A-Za-z0-9+/]')

#: Keys of a stored code that its answers never show (the zip is fetched by ``/customcode/zip``).
_HIDDEN = frozenset({'zip'})


def _settings(ctx: RequestContext) -> Any:
    settings = ctx.json_param('settings')
    if settings is not None and not isinstance(settings, dict):
        raise ServiceError('NOT_HASH', 'settings')
    return settings


def lenient_b64decode(text: str) -> bytes:
    """Decode base64 as Perl's ``MIME::Base64::decode_base64`` does: never an error.

    Characters outside the base64 alphabet (line breaks, spaces, ``-``...) are
    ignored, decoding stops at the first ``=``, and a missing or short padding
    is tolerated (a lone trailing character carries no whole byte and is dropped).
    """
    kept = _NOT_BASE64.sub('', text.split('=', 1)[0])
    kept = kept[: len(kept) - (len(kept) % 4 == 1)]
    return base64.b64decode(kept + '=' * (-len(kept) % 4))


def _zip(ctx: RequestContext) -> Any:
    """The ``zip`` parameter, decoded leniently (:func:`lenient_b64decode`) and kept as canonical base64 text.

    None when absent. The server's Perl decodes any text, so no ``zip`` is refused.
    """
    text = ctx.param('zip')
    if text is None:
        return None
    return base64.b64encode(lenient_b64decode(text)).decode('ascii')


def _deployments(ctx: RequestContext, code_id: str) -> list[dict[str, Any]]:
    rows = ctx.state.list_objects('customcode_deployment', customcode_id=code_id)
    return sorted(rows, key=lambda row: str(row.get('created')), reverse=True)


def code_view(ctx: RequestContext, code: dict[str, Any]) -> dict[str, Any]:
    """A code as ``/customcode/get`` answers it."""
    account = ctx.state.get_object('account', str(code.get('account_id'))) or {}
    deployments = _deployments(ctx, code['uuid'])
    out = {k: v for k, v in code.items() if k not in _HIDDEN}
    out.update(
        account_name=account.get('name'),
        is_deployed=int(bool(deployments)),
        deployments=deployments,
        has_zip=int(bool(code.get('zip'))),
    )
    return out


@service_route('/customcode/add')
def customcode_add(ctx: RequestContext) -> dict[str, Any]:
    """Store a code (and its optional zip) in an account."""
    ctx.require_user()
    params = ctx.require('account_id', 'name', 'type', 'language', 'code')
    account = require_account(ctx)
    if params['type'] not in TYPES:
        raise ServiceError('INVALID_TYPE')
    if params['language'] not in LANGUAGES:
        raise ServiceError('INVALID_LANGUAGE')
    fields = {
        'account_id': account['uuid'],
        'name': params['name'],
        'type': params['type'],
        'language': params['language'],
        'code': params['code'],
        'settings': _settings(ctx) or {},
        'zip': _zip(ctx),
    }
    code = ctx.state.add_object('customcode', fields)
    return {'uuid': code['uuid']}


@service_route('/customcode/get')
def customcode_get(ctx: RequestContext) -> dict[str, Any]:
    """One code, without its zip."""
    return select_fields(ctx, 'customcode', code_view(ctx, get_or_404(ctx, 'customcode')))


@service_route('/customcode/set')
def customcode_set(ctx: RequestContext) -> dict[str, Any]:
    """Change a code that is not deployed."""
    code = get_or_404(ctx, 'customcode')
    if _deployments(ctx, code['uuid']):
        raise ServiceError('IS_DEPLOYED')
    fields: dict[str, Any] = {k: ctx.form[k] for k in ('name', 'code') if k in ctx.form}
    settings = _settings(ctx)
    if settings is not None:
        fields['settings'] = settings
    zipped = _zip(ctx)
    if zipped is not None:
        fields['zip'] = zipped
    ctx.state.update_object('customcode', code['uuid'], fields)
    return {'uuid': code['uuid']}


@service_route('/customcode/delete')
def customcode_delete(ctx: RequestContext) -> dict[str, Any]:
    """Delete a code that is not deployed."""
    code = get_or_404(ctx, 'customcode')
    if _deployments(ctx, code['uuid']):
        raise ServiceError('IS_DEPLOYED')
    ctx.state.delete_object('customcode', code['uuid'])
    return {}


@service_route('/customcode/list')
def customcode_list(ctx: RequestContext) -> dict[str, Any]:
    """Codes of an account."""
    account = require_account(ctx)
    rows = [code_view(ctx, c) for c in ctx.state.list_objects('customcode', account_id=account['uuid'])]
    return list_answer(ctx, rows, struct='customcode', paginated_field='customcodes')


@service_route('/customcode/zip')
def customcode_zip(ctx: RequestContext) -> Response:
    """Stream back the zip file of a code (404 when the code or its zip is missing)."""
    uuid = ctx.param('uuid')
    code = ctx.state.get_object('customcode', uuid) if uuid else None
    if code is None or not code.get('zip'):
        return Response('Not found', status=404, content_type='text/plain')
    body = base64.b64decode(code['zip'])
    return Response(body, status=200, headers={'Content-Type': ZIP_CONTENT_TYPE})


@service_route('/customcode/deploy')
def customcode_deploy(ctx: RequestContext) -> dict[str, Any]:
    """Deploy a code to a namespace."""
    params = ctx.require('uuid', 'namespace_id')
    code = ctx.state.get_object('customcode', params['uuid'])
    namespace = ctx.state.get_object('namespace', params['namespace_id'])
    if code is None or namespace is None:
        raise not_found()
    deployed = ctx.state.list_objects('customcode_deployment', namespace_id=namespace['uuid'])
    if any(d.get('customcode_id') == code['uuid'] for d in deployed):
        raise ServiceError('ALREADY')
    if code.get('zip') and any(
        (ctx.state.get_object('customcode', str(d.get('customcode_id'))) or {}).get('zip') for d in deployed
    ):
        # "Only one code with an attached zip can be deployed to the namespace": the document lists
        # ONE_ZIP_ONLY for /customcode/set only; /customcode/deploy refuses with its NOT_PERMITTED
        raise documented_error(ctx.path, ('ONE_ZIP_ONLY',)) or not_permitted()
    user = ctx.user or {}
    deployment = ctx.state.add_object(
        'customcode_deployment',
        {'customcode_id': code['uuid'], 'namespace_id': namespace['uuid'], 'created_by': user.get('uuid')},
    )
    return {'uuid': deployment['uuid']}


@service_route('/customcode/undeploy')
def customcode_undeploy(ctx: RequestContext) -> dict[str, Any]:
    """Remove a deployment."""
    deployment = get_or_404(ctx, 'customcode_deployment', param='deployment_id')
    ctx.state.delete_object('customcode_deployment', deployment['uuid'])
    return {}


@service_route('/customcode/deploy/get')
def customcode_deploy_get(ctx: RequestContext) -> dict[str, Any]:
    """One deployment."""
    return select_fields(ctx, 'deployment', get_or_404(ctx, 'customcode_deployment'))


@service_route('/customcode/deploy/list')
def customcode_deploy_list(ctx: RequestContext) -> dict[str, Any]:
    """Deployments of a code or of a namespace."""
    where = {k: ctx.form[k] for k in ('customcode_id', 'namespace_id') if ctx.form.get(k)}
    rows = ctx.state.list_objects('customcode_deployment', **where)
    return list_answer(ctx, rows, struct='deployment', paginated_field='deployments')
