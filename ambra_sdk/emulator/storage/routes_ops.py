"""Study operations: split, merge, anonymize, crop, clone, hl7_to_sr, create_rt.

Split, anonymize, crop and clone answer the new study UID as plain text;
merge answers 202 with an empty body. The work is done synchronously (the
real server queues it), so the result is visible as soon as the call returns.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from pydicom.uid import generate_uid
from werkzeug.wrappers import Response

from ambra_sdk.emulator.storage.bundle import parse_uid_list
from ambra_sdk.emulator.storage.derive import (
    CopyPlan,
    Transform,
    copy_images,
    crop_transform,
    obscure_transform,
    store_dataset,
)
from ambra_sdk.emulator.storage.errors import StorageError, study_not_found
from ambra_sdk.emulator.storage.generate import basic_text_sr, rtstruct, study_template
from ambra_sdk.emulator.storage.index import ImageRecord
from ambra_sdk.emulator.storage.routing import (
    StorageRequest,
    accepted,
    encoded_json_response,
    storage_route,
)
from ambra_sdk.emulator.storage.studies import sync_service_study


def _text(body: str, status: int = 200) -> Response:
    return Response(body, status=status, content_type='text/plain')


def _copy(
    req: StorageRequest, namespace: str, study_uid: str, images: List[ImageRecord],
    new_study_uid: Optional[str], to_namespace: Optional[str], new_image_uids: bool,
    new_series_uids: bool = False, transform: Optional[Transform] = None,
) -> str:
    target_ns = to_namespace or namespace
    if to_namespace:
        req.require_namespace(to_namespace)
    new_uid = new_study_uid or generate_uid()
    if (target_ns, new_uid) == (namespace, study_uid):
        raise StorageError('CONFLICT', 'The new study UID equals the original', {'study_uid': new_uid})
    plan = CopyPlan(new_uid, new_series_uids, new_image_uids, transform)
    stored = copy_images(req.index, images, target_ns, plan)
    last = stored[-1].dataset if stored else None
    sync_service_study(req.state, req.index, target_ns, new_uid, req.engine_fqdn, last)
    return new_uid


def _region_body(req: StorageRequest) -> Dict[str, Any]:
    try:
        body = json.loads(req.request.get_data(as_text=True) or '{}')
    except ValueError:
        raise StorageError('JSON_DESERIALIZE_EXCEPTION', 'The body is not valid JSON') from None
    if not isinstance(body, dict):
        raise StorageError('JSON_DESERIALIZE_EXCEPTION', 'The body must be a JSON object')
    return body


@storage_route('/study/<namespace>/<study_uid>/split', methods=('POST',), permission='study_split')
def split(req: StorageRequest, namespace: str, study_uid: str) -> Response:
    """Copy (some series of) the study into a new study; answer its UID."""
    req.require_study(namespace, study_uid)
    series = parse_uid_list(req.arg('series_uid'))
    images = [
        r for r in req.index.images(namespace, study_uid)
        if series is None or r.series_uid in series
    ]
    if not images:
        raise StorageError('SERIES_NOT_FOUND', exception_data={'series_uid': req.arg('series_uid')})
    new_uid = _copy(req, namespace, study_uid, images, None, req.arg('to_namespace'), False)
    if series is not None and req.flag('delete_series_from_original'):
        req.index.delete_images(namespace, study_uid, [r.image_uid for r in images])
        sync_service_study(req.state, req.index, namespace, study_uid, req.engine_fqdn)
    return _text(new_uid)


@storage_route('/study/<namespace>/<study_uid>/merge', methods=('GET',), permission='study_merge')
def merge(req: StorageRequest, namespace: str, study_uid: str) -> Response:
    """Copy the secondary studies' images into this one (202, empty body)."""
    req.require_study(namespace, study_uid)
    secondaries = parse_uid_list(req.arg('secondary_study_uid'))
    if not secondaries:
        raise StorageError('VALIDATION_ERROR', 'secondary_study_uid is required')
    if study_uid in secondaries:
        raise StorageError(
            'VALIDATION_ERROR', 'A study cannot be merged into itself', {'secondary_study_uid': study_uid},
        )
    for secondary in sorted(secondaries):
        if not req.index.study_exists(namespace, secondary):
            raise study_not_found(namespace, secondary)
    series = parse_uid_list(req.arg('series_uids'))
    delete_secondary = req.flag('delete_secondary_study')
    for secondary in sorted(secondaries):
        images = [
            r for r in req.index.images(namespace, secondary)
            if series is None or r.series_uid in series
        ]
        copy_images(req.index, images, namespace, CopyPlan(study_uid))
        if delete_secondary:  # a storage delete: the secondary's service row stays
            req.index.delete_study(namespace, secondary)
            sync_service_study(req.state, req.index, namespace, secondary, req.engine_fqdn)
    sync_service_study(req.state, req.index, namespace, study_uid, req.engine_fqdn)
    return accepted()


@storage_route('/study/<namespace>/<study_uid>/anonymize', methods=('POST',), permission='study_edit')
def anonymize(req: StorageRequest, namespace: str, study_uid: str) -> Response:
    """Copy with regions obscured (``color`` or a checkerboard); answer the new UID."""
    req.require_study(namespace, study_uid)
    spec = _region_body(req)
    req.flag('is_ai')
    new_uid = _copy(
        req, namespace, study_uid, req.index.images(namespace, study_uid),
        req.arg('new_study_uid'), req.arg('to_namespace'), not req.flag('keep_image_uids'),
        transform=obscure_transform(spec, req.arg('color')),
    )
    return _text(new_uid, 202)


@storage_route('/study/<namespace>/<study_uid>/crop', methods=('POST',), permission='study_edit')
def crop(req: StorageRequest, namespace: str, study_uid: str) -> Response:
    """Copy cropped to the region; answer the new UID."""
    req.require_study(namespace, study_uid)
    spec = _region_body(req)
    new_uid = _copy(
        req, namespace, study_uid, req.index.images(namespace, study_uid),
        req.arg('new_study_uid'), req.arg('to_namespace'), not req.flag('keep_image_uids'),
        transform=crop_transform(spec),
    )
    return _text(new_uid, 202)


@storage_route('/study/<namespace>/<study_uid>/clone', methods=('POST',), permission='study_duplicate')
def clone(req: StorageRequest, namespace: str, study_uid: str) -> Response:
    """Copy into a new study UID (optionally new series / image UIDs); answer it."""
    req.require_study(namespace, study_uid)
    new_uid = _copy(
        req, namespace, study_uid, req.index.images(namespace, study_uid), None, None,
        req.flag('new_image_uids'), req.flag('new_series_uids'),
    )
    return _text(new_uid, 202)


@storage_route('/study/<namespace>/<study_uid>/hl7/<hl7uuid>/sr', methods=('POST',))
def hl7_to_sr(req: StorageRequest, namespace: str, study_uid: str, hl7uuid: str) -> Response:
    """Turn an HL7 report (an ``hl7`` object of the state) into a Basic Text SR.

    An unknown report is 500 ``DOWNSTREAM_SERVER_ERROR`` (the storage document:
    500 "if hl7 report data not converted to DICOM"; storage fetches the report
    from the services, which do not find it) and nothing is stored.
    """
    req.require_study(namespace, study_uid)
    report = req.state.get_object('hl7', hl7uuid)
    if report is None:
        raise StorageError('DOWNSTREAM_SERVER_ERROR', exception_data={'hl7_uuid': hl7uuid})
    text = str(report.get('message') or report.get('report') or f'HL7 report {hl7uuid}')
    ds = basic_text_sr(text, study_template(req.index, namespace, study_uid), 'HL7 Report')
    ds.StudyInstanceUID = study_uid
    stored = store_dataset(req.index, namespace, ds)
    sync_service_study(req.state, req.index, namespace, study_uid, req.engine_fqdn, stored.dataset)
    return encoded_json_response(stored.answer_json(), 202)


@storage_route('/study/<namespace>/<study_uid>/rt', methods=('POST',))
def create_rt(req: StorageRequest, namespace: str, study_uid: str) -> Response:
    """Build an RTSTRUCT from the vendor JSON body; answer its image attributes."""
    req.require_study(namespace, study_uid)
    body = _region_body(req)
    ds = rtstruct(body, study_template(req.index, namespace, study_uid))
    ds.StudyInstanceUID = study_uid
    stored = store_dataset(req.index, namespace, ds)
    sync_service_study(req.state, req.index, namespace, study_uid, req.engine_fqdn, stored.dataset)
    return encoded_json_response(stored.answer_json())
