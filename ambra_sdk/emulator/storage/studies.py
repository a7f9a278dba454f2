"""Study-level views: the schema, counts, and the service ``studies`` row.

After a change to a study's images storage updates its service row, so
``/study/list`` / ``/study/get`` show the study with patient name, modality,
image count and so on, as an upload to the real cloud does: a bare upload
(``/image``, ``/wrap``, a completed multipart upload) through the
asynchronous processing step (:func:`process_upload`, after
``State.processing.delay`` seconds), every other change at once
(:func:`sync_service_study`). Storage deletes refresh the counts of the
service row and never delete it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional

from pydicom.dataset import Dataset

from ambra_sdk.emulator.storage.index import AttachmentRecord, ImageRecord, StorageIndex
from ambra_sdk.emulator.storage.tags import converted

if TYPE_CHECKING:  # pragma: no cover
    from ambra_sdk.emulator.state import State

logger = logging.getLogger(__name__)

#: service study field -> DICOM keyword.
SERVICE_FIELDS = {
    'patient_name': 'PatientName',
    'patientid': 'PatientID',
    'patient_birth_date': 'PatientBirthDate',
    'patient_sex': 'PatientSex',
    'patient_age': 'PatientAge',
    'study_date': 'StudyDate',
    'study_time': 'StudyTime',
    'study_description': 'StudyDescription',
    'accession_number': 'AccessionNumber',
    'referring_physician': 'ReferringPhysicianName',
}


def image_entry(rec: ImageRecord, extended: bool = False) -> Dict[str, Any]:
    """One ``series[].images[]`` entry of the schema."""
    entry: Dict[str, Any] = {
        'id': rec.image_uid,
        'version': rec.version,
        'frames': rec.frames,
        'instance_number': rec.instance_number,
        'sop_class_uid': rec.sop_class_uid,
        'size': rec.size,
    }
    if rec.mime:
        entry['mime_type'] = rec.mime
    if extended:
        entry['phi_version'] = rec.version
        entry['transfer_attributes'] = {'transfer_syntax': rec.transfer_syntax}
    return entry


def attachment_entry(rec: AttachmentRecord) -> Dict[str, Any]:
    """One ``attachments[]`` entry of the schema (also the post_attachment answer)."""
    return {
        'id': rec.id,
        'uuid': rec.id,
        'version': rec.version,
        'name': rec.name,
        'content_type': rec.content_type,
        'size': rec.size,
        'namespace': rec.namespace,
        'study_uid': rec.study_uid,
    }


def study_schema(
    index: StorageIndex, namespace: str, study_uid: str,
    extended: bool = False, attachments_only: bool = False,
) -> Dict[str, Any]:
    """The ``/study/{ns}/{uid}/schema`` body.

    ``{"namespace", "study_uid", "series": [{"uid", "modality", "description",
    "number", "images": [{"id", "version", ...}]}], "attachments": [{"id", "version", ...}]}``
    """
    attachments = [attachment_entry(a) for a in index.attachments(namespace, study_uid)]
    if attachments_only:
        return {'namespace': namespace, 'study_uid': study_uid, 'attachments': attachments}
    series: Dict[str, Dict[str, Any]] = {}
    for rec in index.images(namespace, study_uid):
        entry = series.setdefault(rec.series_uid, {
            'uid': rec.series_uid,
            'series_uid': rec.series_uid,
            'modality': rec.modality,
            'description': rec.series_description,
            'number': rec.series_number,
            'images': [],
        })
        entry['images'].append(image_entry(rec, extended))
    for entry in series.values():
        entry['images'].sort(
            key=lambda i: (i['instance_number'] is None, i['instance_number'] or 0),
        )
    return {
        'namespace': namespace,
        'study_uid': study_uid,
        'series': list(series.values()),
        'attachments': attachments,
    }


def study_count(
    index: StorageIndex, namespace: str, study_uid: str,
    images_only: bool = False, attachments_only: bool = False, count_files: bool = False,
) -> Dict[str, Any]:
    """The ``count`` body: ``{"images": n, "attachments": m}`` (one key when filtered).

    ``count_files`` counts files present on disk (every stored version).
    """
    if count_files:
        import os

        images = sum(
            1 for r in index.images(namespace, study_uid, latest_only=False) if os.path.exists(r.path)
        )
        attachments = sum(
            1 for a in index.attachments(namespace, study_uid) if os.path.exists(a.path)
        )
    else:
        images = len(index.images(namespace, study_uid))
        attachments = len(index.attachments(namespace, study_uid))
    if images_only and not attachments_only:
        return {'images': images}
    if attachments_only and not images_only:
        return {'attachments': attachments}
    return {'images': images, 'attachments': attachments}


def _value_text(value: Any) -> str:
    return '' if value is None else str(value)


def _text(ds: Dataset, keyword: str) -> str:
    """``str`` of a tag's value (``''`` when missing or None), converted once per distinct value."""
    return str(converted(ds, keyword, _value_text, ''))


def header_fields(ds: Optional[Dataset]) -> Dict[str, Any]:
    """The patient / study fields (:data:`SERVICE_FIELDS`) that ``ds`` has."""
    summary: Dict[str, Any] = {}
    if ds is not None:
        for field, keyword in SERVICE_FIELDS.items():
            value = _text(ds, keyword)
            if value:
                summary[field] = value
    return summary


def study_summary(ds: Optional[Dataset], images: List[ImageRecord], attachments: int) -> Dict[str, Any]:
    """Service study fields for a study whose latest uploaded header is ``ds``."""
    summary = header_fields(ds)
    modalities = list(dict.fromkeys(r.modality for r in images if r.modality))
    summary['modality'] = '\\'.join(modalities)
    summary['image_count'] = len(images)
    summary['attachment_count'] = attachments
    summary['series_count'] = len({r.series_uid for r in images})
    summary['size'] = sum(r.size for r in images)
    return summary


def stats_summary(header: Mapping[str, Any], stats: Dict[str, Any], attachments: int) -> Dict[str, Any]:
    """:func:`study_summary` from the cached aggregates of :meth:`StorageIndex.study_stats`.

    :param header: the patient / study fields of the latest header (:func:`header_fields`).
    """
    summary = dict(header)
    summary['modality'] = '\\'.join(stats['modalities'])
    summary['image_count'] = int(stats['image_count'])
    summary['attachment_count'] = attachments
    summary['series_count'] = len(stats['series'])
    summary['size'] = int(stats['size'])
    return summary


def sync_service_study(
    state: State, index: StorageIndex, namespace: str, study_uid: str,
    engine_fqdn: str, ds: Optional[Dataset] = None,
) -> Optional[Dict[str, Any]]:
    """Create or update the service ``studies`` row of a storage study.

    :param ds: header of the image just stored (fills patient fields); None
        after deletions (only the counts are refreshed).
    :returns: the service study, or None when the study has no content left.

    Cost: O(1) after an upload (cached aggregates, see
    :meth:`~ambra_sdk.emulator.storage.index.StorageIndex.study_stats`), not
    O(images of the study).
    """
    return _sync(state, index, namespace, study_uid, engine_fqdn, header_fields(ds))


def process_upload(
    state: State, index: StorageIndex, namespace: str, study_uid: str, engine_fqdn: str, ds: Dataset,
) -> None:
    """Hand a bare upload's study to the processing step (``state.processing``).

    The service row is created or updated (and the channel event fires) when
    the step runs, :attr:`~ambra_sdk.emulator.processing.Processor.delay`
    seconds later (at once with delay 0). The header's fields are read now
    when ``ds`` was read from a file (the file may be gone by then), else
    when the step runs: a header parsed from memory holds its values, and
    the work an upload of the same study replaces never reads them. When
    the namespace, or its account, is gone by then the result is dropped.
    """
    header = header_fields(ds) if getattr(ds, 'filename', None) else None

    def work() -> None:
        fields = header_fields(ds) if header is None else header
        with state.transaction():  # no account delete between the check and the write
            if not _namespace_alive(state, namespace):
                logger.info('Processing of a study dropped: its namespace is gone')
                return
            _sync(state, index, namespace, study_uid, engine_fqdn, fields)

    state.processing.submit(('study', namespace, study_uid), work)


def _namespace_alive(state: State, namespace: str) -> bool:
    """True while the namespace exists, and its account when it names one."""
    found = state.get_object('namespace', namespace)
    if found is None:
        return False
    account_id = found.get('account_id')
    return not account_id or state.get_object('account', str(account_id)) is not None


def _sync(
    state: State, index: StorageIndex, namespace: str, study_uid: str,
    engine_fqdn: str, header: Mapping[str, Any],
) -> Optional[Dict[str, Any]]:
    """:func:`sync_service_study` with the header's fields already read."""
    with state.transaction():  # counts and the update are atomic (no stale image_count)
        stats = index.study_stats(namespace, study_uid)
        attachments = index.attachment_count(namespace, study_uid)
        existing = state.get_study(storage_namespace=namespace, study_uid=study_uid)
        summary = stats_summary(header, stats, attachments)
        if existing is None:
            if not stats['image_count'] and not attachments:
                return None
            return state.add_study(
                namespace, study_uid, phi_namespace=namespace, engine_fqdn=engine_fqdn, **summary,
            )
        if not existing.get('engine_fqdn'):
            summary['engine_fqdn'] = engine_fqdn
        summary['phantom'] = 0
        return state.merge_study(existing, summary)
