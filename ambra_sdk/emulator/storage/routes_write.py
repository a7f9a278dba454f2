"""Routes that add or remove content: upload, wrap, deletes, attachments, cache."""

from __future__ import annotations

from typing import Any, Dict, Optional

from werkzeug.wrappers import Response

from ambra_sdk.emulator.storage.attachments import (
    attachment_disposition,
    is_wrappable,
    latest_attachment,
    store_attachment,
)
from ambra_sdk.emulator.storage.derive import store_dataset
from ambra_sdk.emulator.storage.errors import StorageError, image_not_found
from ambra_sdk.emulator.storage.generate import (
    apply_tag_overrides,
    encapsulated_document,
    parse_tag_overrides,
    study_template,
)
from ambra_sdk.emulator.storage.index import AttachmentRecord
from ambra_sdk.emulator.storage.routing import (
    StorageRequest,
    accepted,
    encoded_json_response,
    json_response,
    storage_route,
)
from ambra_sdk.emulator.storage.studies import attachment_entry, process_upload, sync_service_study
from ambra_sdk.emulator.storage.upload import Stored, file_dicom, spool_body
from ambra_sdk.emulator.storage.zipstream import file_chunks

#: Largest file ``wrap`` accepts (2 GiB - 1), from the vendor doc.
WRAP_LIMIT = 2 ** 31 - 1


def _stored_response(req: StorageRequest, stored: Stored, status: int = 200) -> Response:
    """Answer a bare upload at once; its service study comes from the processing step."""
    rec = stored.record
    process_upload(req.state, req.index, rec.namespace, rec.study_uid, req.engine_fqdn, stored.dataset)
    return encoded_json_response(stored.answer_json(), status)


@storage_route('/namespace/<namespace>/image', methods=('POST',))
def upload(req: StorageRequest, namespace: str) -> Response:
    """Raw DICOM body -> a stored image version (streamed to disk in chunks)."""
    tmp = req.index.new_tmp_path()
    body = spool_body(req.request.stream, tmp)
    stored = file_dicom(req.index, namespace, tmp, body.size, body.sha1, req.arg('study_uid') or None, body.content)
    return _stored_response(req, stored)


@storage_route('/namespace/<namespace>/wrap', methods=('POST',))
def wrap(req: StorageRequest, namespace: str) -> Response:
    """Multipart ``file`` (+ ``tags``) -> a DICOM wrapping it (PDF, image, video...)."""
    declared = req.request.headers.get('X-File-Size')
    if declared is None or not declared.strip().isdigit():
        raise StorageError('VALIDATION_ERROR', 'X-File-Size header is missing or invalid',
                           {'X-File-Size': declared})
    if int(declared) > WRAP_LIMIT:
        raise StorageError('PAYLOAD_TOO_LARGE', exception_data={'X-File-Size': int(declared)})
    part = req.request.files.get('file')
    if part is None:
        raise StorageError('VALIDATION_ERROR', 'Multipart field "file" is missing')
    content = part.stream.read(WRAP_LIMIT + 1)
    if len(content) > WRAP_LIMIT:
        raise StorageError('PAYLOAD_TOO_LARGE')
    tags_text = req.arg('tags')
    overrides = parse_tag_overrides(tags_text)
    req.flag('render_wrapped_pdf')
    from ambra_sdk.emulator.storage.attachments import guess_content_type

    mime = guess_content_type(part.filename or '', part.mimetype)
    ds = encapsulated_document(content, mime, None, part.filename or '')
    apply_tag_overrides(ds, overrides)
    stored = store_dataset(req.index, namespace, ds)
    return _stored_response(req, stored, 202)


@storage_route('/study/<namespace>/<study_uid>', methods=('DELETE',))
def delete(req: StorageRequest, namespace: str, study_uid: str) -> Response:
    """Delete the study's content (``keep_attachments=1`` keeps reports and attachments).

    The service study stays (its counts are refreshed): storage deletes never
    cascade into the service API, and a later DELETE answers 202 again.
    """
    req.require_known_study(namespace, study_uid)
    keep = req.flag('keep_attachments')
    req.index.delete_study(namespace, study_uid, keep_attachments=keep)
    sync_service_study(req.state, req.index, namespace, study_uid, req.engine_fqdn)
    return accepted()


@storage_route('/study/<namespace>/<study_uid>/image/<image_uid>', methods=('DELETE',), permission='study_delete_image')
def delete_image(req: StorageRequest, namespace: str, study_uid: str, image_uid: str) -> Response:
    """Delete every version of one image."""
    req.require_known_study(namespace, study_uid)
    if not req.index.delete_images(namespace, study_uid, [image_uid]):
        raise image_not_found(namespace, study_uid, image_uid)
    sync_service_study(req.state, req.index, namespace, study_uid, req.engine_fqdn)
    return accepted()


@storage_route('/study/<namespace>/<study_uid>/images', methods=('DELETE',), permission='study_delete_image')
def delete_images(req: StorageRequest, namespace: str, study_uid: str) -> Response:
    """Delete the images listed (comma-separated) in the raw body."""
    text = req.request.get_data(as_text=True)
    if not text.strip() and req.request.form:  # sent as a form (e.g. ``curl -d``)
        text = ','.join(req.request.form.keys())
    uids = [u.strip() for u in text.split(',') if u.strip()]
    if not uids:
        raise StorageError('VALIDATION_ERROR', 'Request body is empty', http_status=422)
    req.require_known_study(namespace, study_uid)
    known = {r.image_uid for r in req.index.images(namespace, study_uid)}
    missing = [u for u in uids if u not in known]
    if len(missing) == len(uids):
        raise StorageError('IMAGES_NOT_FOUND', exception_data={'image_uids': missing})
    req.index.delete_images(namespace, study_uid, uids)
    sync_service_study(req.state, req.index, namespace, study_uid, req.engine_fqdn)
    return accepted()


@storage_route('/study/<namespace>/<study_uid>/cache', methods=('DELETE',), permission='study_edit')
def cache(req: StorageRequest, namespace: str, study_uid: str) -> Response:
    """Clear caches: nothing is cached in the emulator."""
    req.require_study(namespace, study_uid)
    return accepted()


# ---------------------------------------------------------------- attachments
def _file_response(rec: AttachmentRecord) -> Response:
    """An attachment as a download: never shown inline from the emulator's origin (the app adds
    ``nosniff`` and a sandboxing CSP to every answer)."""
    response = Response(
        file_chunks(rec.path)(), status=200, content_type=rec.content_type)
    response.headers['Content-Length'] = str(rec.size)
    response.headers['Content-Disposition'] = attachment_disposition(rec.name)
    return response


def _require_attachment(
    req: StorageRequest, namespace: str, study_uid: str, attachment_id: str, version: str,
) -> AttachmentRecord:
    req.require_study(namespace, study_uid)
    rec = req.index.attachment(namespace, study_uid, attachment_id, version)
    if rec is None:
        raise StorageError(
            'ATTACHMENT_NOT_FOUND_EXCEPTION',
            exception_data={'attachment_id': attachment_id, 'version': version},
        )
    return rec


@storage_route('/study/<namespace>/<study_uid>/attachment', methods=('POST',))
def post_attachment(req: StorageRequest, namespace: str, study_uid: str) -> Response:
    """Multipart part ``data`` -> a new attachment (optionally wrapped into DICOM)."""
    part = req.request.files.get('data')
    if part is None:
        raise StorageError('VALIDATION_ERROR', 'Multipart field "data" is missing')
    template = study_template(req.index, namespace, study_uid)
    if template is None and req.state.get_study(storage_namespace=namespace, study_uid=study_uid) is None:
        raise StorageError(
            'STUDY_NOT_FOUND', exception_data={'namespace': namespace, 'study_uid': study_uid},
        )
    rec = store_attachment(
        req.index, namespace, study_uid, part.stream, part.filename, part.mimetype,
        static_ids=req.flag('static_ids'),
    )
    body: Dict[str, Any] = attachment_entry(rec)
    req.flag('wrap_html_as_pdf')
    if (req.flag('wrap_images') or req.flag('synchronous_wrap')) and is_wrappable(rec.content_type):
        stored = _wrap_attachment(req, rec, template)
        body['wrapped'] = {'series_uid': stored.record.series_uid, 'image_uid': stored.record.image_uid,
                           'image_version': stored.record.version}
    sync_service_study(req.state, req.index, namespace, study_uid, req.engine_fqdn)
    if req.flag('return_html'):
        return json_response(body, 202, content_type='text/html')
    return json_response(body, 202)


def _wrap_attachment(req: StorageRequest, rec: AttachmentRecord, template: Optional[Any]) -> Stored:
    with open(rec.path, 'rb') as src:
        content = src.read()
    ds = encapsulated_document(content, rec.content_type, template, rec.name)
    ds.StudyInstanceUID = rec.study_uid
    stored = store_dataset(req.index, rec.namespace, ds)
    sync_service_study(req.state, req.index, rec.namespace, rec.study_uid, req.engine_fqdn, stored.dataset)
    return stored


@storage_route('/study/<namespace>/<study_uid>/attachment/<attachment_id>/version/<version>')
def attachment(
    req: StorageRequest, namespace: str, study_uid: str, attachment_id: str, version: str,
) -> Response:
    """Stream one attachment version."""
    return _file_response(_require_attachment(req, namespace, study_uid, attachment_id, version))


@storage_route(
    '/study/<namespace>/<study_uid>/attachment/<attachment_id>/version/<version>/<path:file_name>',
)
def attachment_named(
    req: StorageRequest, namespace: str, study_uid: str, attachment_id: str, version: str,
    file_name: str,
) -> Response:
    """Same as :func:`attachment`; the trailing file name is only a download hint."""
    return _file_response(_require_attachment(req, namespace, study_uid, attachment_id, version))


def _latest(req: StorageRequest, namespace: str, study_uid: str, selector: str) -> Response:
    if selector != 'latest' and not selector.startswith('latest.'):
        raise StorageError('NOT_FOUND', exception_data={'path': selector})
    req.require_study(namespace, study_uid)
    rec = latest_attachment(req.index.attachments(namespace, study_uid), selector)
    if rec is None:
        raise StorageError('ATTACHMENT_NOT_FOUND_EXCEPTION', exception_data={'study_uid': study_uid})
    return _file_response(rec)


@storage_route('/study/<namespace>/<study_uid>/attachment/<selector>')
def latest(req: StorageRequest, namespace: str, study_uid: str, selector: str) -> Response:
    """The newest attachment (``latest``) or the newest with an extension (``latest.pdf``)."""
    return _latest(req, namespace, study_uid, selector)


@storage_route('/study/<namespace>/<study_uid>/attachment/<selector>/<path:file_name>')
def latest_named(
    req: StorageRequest, namespace: str, study_uid: str, selector: str, file_name: str,
) -> Response:
    """``latest/<file_name>`` as the SDK builds it; the name is only a download hint."""
    return _latest(req, namespace, study_uid, selector)


@storage_route(
    '/study/<namespace>/<study_uid>/attachment/<attachment_id>/version/<version>/image',
    methods=('POST',),
)
def attachment_image(
    req: StorageRequest, namespace: str, study_uid: str, attachment_id: str, version: str,
) -> Response:
    """Render an attachment into a DICOM image of the study."""
    rec = _require_attachment(req, namespace, study_uid, attachment_id, version)
    req.flag('static_ids')
    stored = _wrap_attachment(req, rec, study_template(req.index, namespace, study_uid))
    return encoded_json_response(stored.answer_json(), 202)


@storage_route(
    '/study/<namespace>/<study_uid>/attachment/<attachment_id>/version/<hash_arg>',
    methods=('DELETE',),
)
def delete_attachment(
    req: StorageRequest, namespace: str, study_uid: str, attachment_id: str, hash_arg: str,
) -> Response:
    """Delete one attachment version."""
    _require_attachment(req, namespace, study_uid, attachment_id, hash_arg)
    req.index.delete_attachment(namespace, study_uid, attachment_id, hash_arg)
    sync_service_study(req.state, req.index, namespace, study_uid, req.engine_fqdn)
    return accepted()

