"""Read-only JSON routes: schema, count, tag, phi, image_phi, attribute, json, image_json, cadsr."""

from __future__ import annotations

from typing import Any, Dict, List

from werkzeug.wrappers import Response

from ambra_sdk.emulator.storage.routing import StorageRequest, json_response, storage_route
from ambra_sdk.emulator.storage.studies import study_count, study_schema
from ambra_sdk.emulator.storage.tags import (
    PATIENT_KEYWORDS,
    STUDY_KEYWORDS,
    TagFilter,
    attribute_map,
    dataset_tags,
    keyword_values,
    parse_groups,
    parse_include_tags,
    phi_tags,
)
from ambra_sdk.emulator.storage.upload import load_header

IMG = '/study/<namespace>/<study_uid>/image/<image_uid>/version/<image_version>'


def _filter(req: StorageRequest) -> TagFilter:
    return TagFilter(
        groups=parse_groups(req.arg('groups')),
        include_tags=parse_include_tags(req.arg('include_tags')),
        exclude_unnamed=req.flag('exclude_unnamed'),
        all_dicom_values=req.flag('all_dicom_values'),
    )


@storage_route('/study/<namespace>/<study_uid>/schema')
def schema(req: StorageRequest, namespace: str, study_uid: str) -> Response:
    """Study schema: series -> images (id, version), attachments."""
    req.require_study(namespace, study_uid)
    return json_response(study_schema(
        req.index, namespace, study_uid,
        extended=req.flag('extended'), attachments_only=req.flag('attachments_only'),
    ))


@storage_route('/study/<namespace>/<study_uid>/count')
def count(req: StorageRequest, namespace: str, study_uid: str) -> Response:
    """Image / attachment counts."""
    req.require_study(namespace, study_uid)
    return json_response(study_count(
        req.index, namespace, study_uid,
        images_only=req.flag('images_only'), attachments_only=req.flag('attachments_only'),
        count_files=req.flag('count_files'),
    ))


def _study_headers(req: StorageRequest, namespace: str, study_uid: str) -> List[Any]:
    return [
        load_header(rec.path)
        for rec in req.index.images(namespace, study_uid)
    ]


@storage_route('/study/<namespace>/<study_uid>/tag')
def tag(req: StorageRequest, namespace: str, study_uid: str) -> Response:
    """Study PHI tags: ``{"study_uid", "tags": [tag dicts of patient/study tags]}``."""
    req.require_study(namespace, study_uid)
    headers = _study_headers(req, namespace, study_uid)
    tags = phi_tags(headers[0]) if headers else []
    return json_response({'namespace': namespace, 'study_uid': study_uid, 'tags': tags})


@storage_route('/study/<namespace>/<study_uid>/phi')
def phi(req: StorageRequest, namespace: str, study_uid: str) -> Response:
    """Study PHI: ``{keyword: value}`` of patient- and study-level tags (first image wins)."""
    req.require_study(namespace, study_uid)
    result: Dict[str, Any] = {}
    for ds in _study_headers(req, namespace, study_uid):
        for key, value in keyword_values(ds, PATIENT_KEYWORDS + STUDY_KEYWORDS).items():
            result.setdefault(key, value)
    return json_response(result)


@storage_route(IMG + '/phi')
def image_phi(
    req: StorageRequest, namespace: str, study_uid: str, image_uid: str, image_version: str,
) -> Response:
    """Image PHI: ``{keyword: value}`` of the patient-level tags of one image."""
    rec = req.require_image(namespace, study_uid, image_uid, image_version)
    ds = load_header(rec.path)
    return json_response(keyword_values(ds, PATIENT_KEYWORDS))


@storage_route(IMG + '/attribute')
def attribute(
    req: StorageRequest, namespace: str, study_uid: str, image_uid: str, image_version: str,
) -> Response:
    """Image attributes: ``{keyword-or-GGGGEEEE: value}`` (no sequences or binaries)."""
    rec = req.require_image(namespace, study_uid, image_uid, image_version)
    ds = load_header(rec.path)
    return json_response(attribute_map(ds, _filter(req)))


def _image_json(rec_path: str, flt: TagFilter, image_uid: str, version: str) -> Dict[str, Any]:
    ds = load_header(rec_path)
    return {'image_uid': image_uid, 'image_version': version, 'tags': dataset_tags(ds, flt)}


@storage_route(IMG + '/json')
def image_json(
    req: StorageRequest, namespace: str, study_uid: str, image_uid: str, image_version: str,
) -> Response:
    """All DICOM tags of one image: ``{"tags": [{group, element, vr, vl, value, name}]}``."""
    rec = req.require_image(namespace, study_uid, image_uid, image_version)
    return json_response(_image_json(rec.path, _filter(req), rec.image_uid, rec.version))


@storage_route('/study/<namespace>/<study_uid>/json')
def study_json(req: StorageRequest, namespace: str, study_uid: str) -> Response:
    """Tags of every image of the study (optionally one series): a JSON array."""
    req.require_study(namespace, study_uid)
    flt = _filter(req)
    series_uid = req.arg('series_uid')
    body = [
        _image_json(rec.path, flt, rec.image_uid, rec.version)
        for rec in req.index.images(namespace, study_uid)
        if not series_uid or rec.series_uid == series_uid
    ]
    return json_response(body)


@storage_route(IMG + '/cadsr')
def cadsr(
    req: StorageRequest, namespace: str, study_uid: str, image_uid: str, image_version: str,
) -> Response:
    """CAD SR graphical annotations: always an empty array in the emulator."""
    req.require_image(namespace, study_uid, image_uid, image_version)
    return json_response([])
