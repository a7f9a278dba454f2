"""``/study/*``: studies with real state (add, get, set, delete, list, count, ...)."""

from __future__ import annotations

import json
from typing import Any, Optional

from ..catalog import FIELDS
from ..context import RequestContext
from ..errors import ServiceError, missing_fields, not_found
from ..generic import page_params
from ..listing import filter_rows, filter_rows_by, list_answer, select_fields
from ..permissions import study_flags
from ..registry import service_route
from ..study_sql import StudyQuery, plan_study_query
from .common import customfield_values, object_customfields

__all__: list[str] = []

#: DICOM-derived and other plain fields accepted by /study/add and /study/set.
STUDY_PARAMS = (
    'patient_name', 'patientid', 'patient_sex', 'patient_birth_date', 'patient_birth_time', 'patient_age',
    'patient_weight', 'patient_address', 'patient_size', 'patientid_other', 'patient_name_other',
    'patient_phone', 'patient_additional_history', 'study_description', 'accession_number',
    'patient_birthname', 'patient_mother_birthname', 'medical_record_locator',
    'patient_religious_preference', 'patient_comments', 'patient_current_location',
    'patient_institution_residence', 'patient_ethnic_group', 'patient_occupation', 'study_date',
    'study_time', 'modality', 'referring_physician', 'image_count', 'attachment_count', 'integration_key',
    'destination_ae_title', 'source_ae_title', 'node_id', 'seconds_to_ingest',
)
_INT_PARAMS = frozenset({'image_count', 'attachment_count', 'seconds_to_ingest'})

#: Fields every study answer has (defaults for the ones never set).
STUDY_DEFAULTS: dict[str, Any] = {
    'star': 0,
    'source': 'upload',
    'must_approve': 0,
    'thin': 0,
    'phantom': 0,
    'attachment_count': 0,
    'size': 0,
    'compressed_size': 0,
    'study_status': None,
    'is_dicom_wrapped': 0,
    'is_locked': 0,
    'is_frozen': 0,
    'is_being_retrieved': 0,
    'has_external_viewer': 0,
    'hl7': [],
    'customfields': [],
}

#: Valid filter/sort fields for studies.
STUDY_FIELDS = frozenset(FIELDS['study']) | frozenset(STUDY_PARAMS) | frozenset(STUDY_DEFAULTS) | {
    'uuid', 'engine_fqdn', 'phi_namespace_name', 'account_id', 'namespace_id', 'study_push_status',
}


def study_view(ctx: RequestContext, study: dict[str, Any]) -> dict[str, Any]:
    """A study as ``/study/get`` returns it."""
    out = dict(STUDY_DEFAULTS)
    out.update(study)
    names = ctx.cache.get('namespace_names')
    if names is None:
        names = {ns['uuid']: ns.get('name') for ns in ctx.state.list_objects('namespace')}
        ctx.cache['namespace_names'] = names
    out['phi_namespace_name'] = names.get(str(study.get('phi_namespace')))
    out['customfields'] = object_customfields(ctx, study, 'Study', study.get('account_id'))
    out['permissions'] = study_flags(ctx, str(study.get('phi_namespace')))
    out['viewer_link'] = f'{ctx.config.scheme}://{ctx.config.engine_fqdn}/viewer/{study["uuid"]}'
    if ctx.flag('extra'):
        out.update(_extra_fields(ctx, study))
    if ctx.flag('customfield_h'):
        out['customfield_h'] = {
            c.get('uuid') or c.get('tag'): c.get('value')
            for c in out.get('customfields') or ()
            if isinstance(c, dict)
        }
    return out


def _extra_fields(ctx: RequestContext, study: dict[str, Any]) -> dict[str, Any]:
    """The fields ``/study/get`` adds when the ``extra`` flag is given."""
    account = ctx.state.get_object('account', str(study.get('account_id')))
    creator = ctx.state.get_object('user', str(study.get('created_by'))) or {}
    name = str(study.get('patient_name') or '')
    last, _, first = name.partition('^')
    first = first.split('^')[0]
    return {
        'created_at': study.get('created'),
        'account_name': None if account is None else account.get('name'),
        'created_by_name': creator.get('name'),
        'created_by_email': creator.get('email'),
        'created_by_mobile_phone': creator.get('mobile_phone'),
        'created_by_type': 'user' if creator else None,
        'created_for_name': None,
        'created_for_type': None,
        'hipaa_name': (first[:1] + last[:1]).upper() or None,
        'first_name': first or None,
        'last_name': last or None,
        'message_count': 0,
    }


def _int_fields(ctx: RequestContext) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in STUDY_PARAMS:
        if name in ctx.form:
            fields[name] = ctx.integer(name) if name in _INT_PARAMS else ctx.form[name]
    return fields


def _find_study(ctx: RequestContext, id_params: tuple[str, ...] = ('uuid',)) -> dict[str, Any]:
    """Study named by one of ``id_params`` or by ``study_uid`` + ``storage_namespace``."""
    for name in id_params:
        value = ctx.param(name)
        if value is not None:
            study = ctx.state.get_study(value)
            if study is None:
                raise not_found(name)
            return study
    study_uid = ctx.param('study_uid')
    storage_namespace = ctx.param('storage_namespace')
    if study_uid is None or storage_namespace is None:
        raise missing_fields([id_params[0]] if study_uid is None else ['storage_namespace'])
    study = ctx.state.get_study(
        storage_namespace=storage_namespace, study_uid=study_uid, phi_namespace=ctx.param('phi_namespace')
    )
    if study is None:
        raise not_found('study_uid')
    return study


def _visible_namespaces(ctx: RequestContext) -> Optional[set[str]]:
    """PHI namespaces whose studies the caller sees: where they hold ``study_view`` (None: a sysadmin)."""
    from ..permissions import readable_namespaces

    return readable_namespaces(ctx, ctx.require_user(), 'study_view')


def _visible_studies(ctx: RequestContext) -> list[dict[str, Any]]:
    namespaces = _visible_namespaces(ctx)
    studies = ctx.state.list_studies()
    if namespaces is None:
        return studies
    return [s for s in studies if s.get('phi_namespace') in namespaces]


def _check_view_flags(ctx: RequestContext, namespaces: Optional[set[str]]) -> None:
    """Fail like the full pipeline, which viewed every visible study first (bad ``extra`` flag...)."""
    for study in ctx.state.list_studies_page(0, 1, namespaces):
        study_view(ctx, study)


def _sql_page(ctx: RequestContext, query: StudyQuery) -> dict[str, Any]:
    """``/study/list`` as one SQL page read (``WHERE``/``ORDER BY``/``LIMIT``/``OFFSET``).

    Same answer as :func:`list_answer` over every visible study, in O(page)
    memory: listing 100 000 studies page by page no longer re-reads the
    table per page.
    """
    namespaces = _visible_namespaces(ctx)
    _check_view_flags(ctx, namespaces)
    query.restrict_namespaces(namespaces)
    size, number = page_params(ctx)
    found = ctx.state.select_studies(query.where_sql(), query.args, query.order_by, (number - 1) * size, size + 1)
    rows = [study_view(ctx, s) for s in found[:size]]
    chunk = [select_fields(ctx, 'study', row, also_plain=True) for row in rows]
    return {'studies': chunk, 'page': {'more': 1 if len(found) > size else 0, 'number': number, 'rows': size}}


@service_route('/study/add', check_spec=False)
def study_add(ctx: RequestContext) -> dict[str, Any]:
    """Add a study (phantom until storage reports images, unless ``thin``)."""
    thin = ctx.flag('thin')
    params = ctx.require('study_uid', 'storage_namespace', 'phi_namespace') if not thin else {}
    storage_namespace = params.get('storage_namespace') or ctx.param('storage_namespace') or ctx.param('phi_namespace')
    phi_namespace = params.get('phi_namespace') or ctx.param('phi_namespace') or storage_namespace
    if storage_namespace is None:
        raise missing_fields(['storage_namespace', 'phi_namespace'])
    namespace = ctx.state.get_object('namespace', str(phi_namespace))
    if namespace is None:
        raise ServiceError('NAMESPACE_NOT_FOUND')
    study_uid = params.get('study_uid') or ctx.param('study_uid')
    if study_uid is None:
        from ..state import new_uuid

        study_uid = '2.25.' + str(int(new_uuid().replace('-', ''), 16))
    existing = ctx.state.get_study(storage_namespace=storage_namespace, study_uid=study_uid)
    if existing is not None:
        raise ServiceError('ALREADY_EXISTS', existing['uuid'], study_view(ctx, existing))
    fields = _int_fields(ctx)
    customs = customfield_values(ctx)
    user = ctx.user or {}
    study = ctx.state.add_study(
        storage_namespace=storage_namespace,
        study_uid=study_uid,
        phi_namespace=phi_namespace,
        engine_fqdn=ctx.config.engine_fqdn,
        phantom=0 if thin else 1,
        thin=int(thin),
        account_id=namespace.get('account_id'),
        namespace_id=phi_namespace,
        created_by=user.get('uuid'),
        customfields=customs or [],
        **fields,
    )
    return {'uuid': study['uuid'], 'engine_fqdn': ctx.config.engine_fqdn}


@service_route('/study/get', check_spec=False)
def study_get(ctx: RequestContext) -> dict[str, Any]:
    """One study (by uuid or storage triplet); ``fields``/``fields.study`` trim it."""
    study = _find_study(ctx)
    return select_fields(ctx, 'study', study_view(ctx, study), also_plain=True)


@service_route('/study/set', check_spec=False)
def study_set(ctx: RequestContext) -> dict[str, Any]:
    """Update study fields and custom fields."""
    study = _find_study(ctx, ('study_id', 'uuid'))
    fields = _int_fields(ctx)
    customs = customfield_values(ctx, study.get('customfields'))
    if customs is not None:
        fields['customfields'] = customs
    ctx.state.update_study(study['uuid'], **fields)
    return {'uuid': study['uuid']}


@service_route('/study/delete', check_spec=False)
def study_delete(ctx: RequestContext) -> dict[str, Any]:
    """Delete a study: its row, its images and attachments, and their stored files."""
    from ambra_sdk.emulator.storage.index import purge_study

    study = _find_study(ctx)
    if study.get('storage_namespace') and study.get('study_uid'):
        purge_study(ctx.state, study['storage_namespace'], study['study_uid'])
    ctx.state.delete_study(study['uuid'])
    return {}


@service_route('/study/list')
def study_list(ctx: RequestContext) -> dict[str, Any]:
    """Studies the caller can see, newest first; filters, sort, fields and pages."""
    query = plan_study_query(ctx, STUDY_FIELDS)
    if query is not None:
        return _sql_page(ctx, query)
    rows = [study_view(ctx, s) for s in _visible_studies(ctx)]
    return list_answer(
        ctx, rows, struct='study', paginated_field='studies', allowed=STUDY_FIELDS, also_plain_fields=True
    )


@service_route('/study/count')
def study_count(ctx: RequestContext) -> dict[str, Any]:
    """Number of visible studies matching the filters."""
    query = plan_study_query(ctx, STUDY_FIELDS)
    if query is not None:
        namespaces = _visible_namespaces(ctx)
        _check_view_flags(ctx, namespaces)
        query.restrict_namespaces(namespaces)
        return {'count': ctx.state.count_studies_where(query.where_sql(), query.args)}
    rows = filter_rows(ctx, [study_view(ctx, s) for s in _visible_studies(ctx)], STUDY_FIELDS)
    return {'count': len(rows)}


#: Nesting limit of saved filters that name other filters (a cycle stops there).
MAX_FILTER_DEPTH = 8


def _matches_saved(ctx: RequestContext, saved: dict[str, Any], row: dict[str, Any], depth: int = 0) -> bool:
    """Whether a study row passes a saved filter (hash: AND of conditions; array: OR of filters)."""
    configuration = saved.get('configuration')
    if isinstance(configuration, dict):
        return bool(filter_rows_by(configuration, [row], STUDY_FIELDS, ctx.path))
    if not isinstance(configuration, list) or depth >= MAX_FILTER_DEPTH:
        return False
    for uuid in configuration:
        other = ctx.state.get_object('filter', str(uuid))
        if other is not None and _matches_saved(ctx, other, row, depth + 1):
            return True
    return False


@service_route('/study/count_by_filter')
def study_count_by_filter(ctx: RequestContext) -> dict[str, Any]:
    """PACS mode (LBL0022 v55.0): visible studies per saved filter of the caller.

    The call's own ``filter.*`` parameters apply first; ``filter_uuids`` (a JSON array)
    limits the answer to those filters (unknown ones are left out), else (absent or not a
    JSON array) every filter the caller owns is counted.
    """
    user = ctx.require_user()
    rows = filter_rows(ctx, [study_view(ctx, s) for s in _visible_studies(ctx)], STUDY_FIELDS)
    try:
        wanted = json.loads(str(ctx.param('filter_uuids'))) if ctx.has('filter_uuids') else None
    except ValueError:
        wanted = None  # no error is documented for it: the caller's filters are counted
    if isinstance(wanted, list):
        saved = [f for f in (ctx.state.get_object('filter', str(u)) for u in wanted) if f is not None]
    else:
        saved = ctx.state.list_objects('filter', owner=user['uuid'])
    counts = {f['uuid']: sum(1 for row in rows if _matches_saved(ctx, f, row)) for f in saved}
    return {'count_by_filter': counts}


@service_route('/study/exists', check_spec=False)
def study_exists(ctx: RequestContext) -> dict[str, Any]:
    """``exists`` flag for a uuid, a storage triplet or a study_uid + account_id."""
    uuid = ctx.param('uuid')
    if uuid is not None:
        return {'exists': int(ctx.state.get_study(uuid) is not None)}
    study_uid = ctx.param('study_uid')
    if study_uid is None:
        raise missing_fields(['uuid'])
    storage_namespace: Optional[str] = ctx.param('storage_namespace')
    if storage_namespace is not None:
        found_one = ctx.state.get_study(storage_namespace=storage_namespace, study_uid=study_uid)
        return {'exists': int(found_one is not None)}
    account_id = ctx.param('account_id')
    if account_id is None:
        raise missing_fields(['storage_namespace', 'account_id'])
    found = ctx.state.list_studies(study_uid=study_uid)
    return {'exists': int(any(s.get('account_id') == account_id for s in found))}


@service_route('/study/sync', check_spec=False)
def study_sync(ctx: RequestContext) -> dict[str, Any]:
    """Sync a study against the storage data (not phantom; counts, size, modality from what storage holds).

    Storage has an uploaded file at once, so a sync right after an upload gives
    the study what storage holds, before the processing step runs.
    """
    study = _find_study(ctx, ('study_id', 'uuid'))
    if ctx.state.has_images(study['storage_namespace'], study['study_uid']):  # not every row of a big study
        from ..storage.routing import index_for
        from ..storage.studies import sync_service_study

        engine_fqdn = study.get('engine_fqdn') or ctx.config.engine_fqdn
        sync_service_study(ctx.state, index_for(ctx.state), study['storage_namespace'], study['study_uid'], engine_fqdn)
        return {}
    count = ctx.integer('image_count')
    image_count = count if count is not None else study.get('image_count')
    ctx.state.update_study(study['uuid'], phantom=0, image_count=image_count or 0)
    return {}


@service_route('/study/permissions', check_spec=False)
def study_permissions(ctx: RequestContext) -> dict[str, Any]:
    """The caller's ``study_*`` flags on a study."""
    study = _find_study(ctx)
    return study_flags(ctx, str(study['phi_namespace']))


@service_route('/study/star')
def study_star(ctx: RequestContext) -> dict[str, Any]:
    """Set the star flag."""
    study = _find_study(ctx)
    ctx.state.update_study(study['uuid'], star=int(ctx.flag('star')))
    return {}


@service_route('/study/freeze')
def study_freeze(ctx: RequestContext) -> dict[str, Any]:
    """Freeze (or with ``thaw=1`` thaw) a study."""
    study = _find_study(ctx)
    frozen = not ctx.flag('thaw')
    if bool(study.get('is_frozen')) == frozen:
        raise ServiceError('ALREADY')
    ctx.state.update_study(study['uuid'], is_frozen=int(frozen))
    return {}


@service_route('/study/duplicate', check_spec=False)
def study_duplicate(ctx: RequestContext) -> dict[str, Any]:
    """Copy a study (and its image rows) into another namespace."""
    study = _find_study(ctx)
    namespace_id = ctx.require('namespace_id')['namespace_id']
    namespace = ctx.state.get_object('namespace', namespace_id)
    if namespace is None:
        raise not_found('namespace_id')
    existing = ctx.state.get_study(storage_namespace=namespace_id, study_uid=study['study_uid'])
    if existing is not None:
        if not ctx.flag('overwrite'):
            raise ServiceError('ALREADY_EXISTS', existing['uuid'])
        ctx.state.delete_study(existing['uuid'])
    skip = ('uuid', 'created', 'updated', 'storage_namespace', 'phi_namespace', 'study_uid', 'engine_fqdn')
    copy = {k: v for k, v in study.items() if k not in skip}
    copy.update({'account_id': namespace.get('account_id'), 'namespace_id': namespace_id, 'source': 'copy'})
    ctx.state.add_study(
        storage_namespace=namespace_id,
        study_uid=study['study_uid'],
        phi_namespace=namespace_id,
        engine_fqdn=ctx.config.engine_fqdn,
        **copy,
    )
    for image in ctx.state.list_images(study['storage_namespace'], study['study_uid']):
        columns = ('namespace', 'study_uid', 'series_uid', 'image_uid', 'path', 'size', 'version', 'created')
        extra = {k: v for k, v in image.items() if k not in columns}
        ctx.state.add_image(
            namespace_id, study['study_uid'], image['series_uid'], image['image_uid'],
            image['path'], image['size'], image['version'], **extra,
        )
    return {}
