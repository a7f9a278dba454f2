"""``/namespace/*``: engine FQDN, settings, permissions."""

from __future__ import annotations

from typing import Any, Optional

from ..context import RequestContext
from ..errors import missing_fields, not_found
from ..registry import service_route
from .common import get_or_404, settable_fields
from .session import ALL_PERMISSIONS

__all__: list[str] = []


def _namespace_known(ctx: RequestContext, namespace_id: str) -> bool:
    if ctx.state.get_object('namespace', namespace_id) is not None:
        return True
    return bool(ctx.state.list_studies(storage_namespace=namespace_id)) or bool(
        ctx.state.list_studies(phi_namespace=namespace_id)
    )


def _target_namespace(ctx: RequestContext) -> str:
    """Namespace named by ``namespace_id``, ``study_id`` or the storage triplet."""
    namespace_id: Optional[str] = ctx.param('namespace_id')
    if namespace_id is not None:
        if not _namespace_known(ctx, namespace_id):
            raise not_found('namespace_id')
        return namespace_id
    study = None
    if ctx.has('study_id'):
        study = ctx.state.get_study(str(ctx.param('study_id')))
    elif ctx.has('study_uid') and ctx.has('storage_namespace'):
        study = ctx.state.get_study(
            storage_namespace=ctx.param('storage_namespace'), study_uid=ctx.param('study_uid')
        )
    else:
        raise missing_fields(['namespace_id'])
    if study is None:
        raise not_found('study')
    return str(study['storage_namespace'])


@service_route('/namespace/engine/fqdn', auth='none', check_spec=False)
def engine_fqdn(ctx: RequestContext) -> dict[str, Any]:
    """Every namespace lives on the emulator itself."""
    namespace_id = _target_namespace(ctx)
    fqdn = ctx.config.engine_fqdn
    return {'engine_fqdn': fqdn, 'engine_url': f'{ctx.config.scheme}://{fqdn}', 'storage_namespace': namespace_id}


@service_route('/namespace/permissions', check_spec=False)
def namespace_permissions(ctx: RequestContext) -> dict[str, Any]:
    """The caller's flags in the namespace (1/0 for every flag of the vendor document)."""
    from ..permissions import effective_flags

    namespace_id = _target_namespace(ctx)
    user = ctx.user
    if user is None:
        return dict.fromkeys(ALL_PERMISSIONS, 0)
    return dict(effective_flags(ctx, user, namespace_id))


@service_route('/namespace/settings')
def namespace_settings(ctx: RequestContext) -> dict[str, Any]:
    """Store the given namespace settings and return them all."""
    namespace = get_or_404(ctx, 'namespace')
    given = settable_fields(ctx)
    settings = dict(namespace.get('settings') or {})
    settings.update(given)
    ctx.state.update_object('namespace', namespace['uuid'], {'settings': settings})
    return settings
