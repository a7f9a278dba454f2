"""Storage error bodies, shaped as ``storage_spec.md`` section 6.2 describes.

Every failure of a storage route is raised as :class:`StorageError` and turned
into a JSON response by :func:`error_response_body`::

    {"kind": {"code": 18, "readable_status": "STUDY_NOT_FOUND"},
     "message": "...", "exception_data": {...},
     "created": "2026-11-27T21:00:00.000Z", "extended": null}
"""

from __future__ import annotations

import datetime
import json
import traceback
from typing import Any, Dict, Optional, Tuple

#: Every storage error kind (``storage_spec.md`` section 6.3): ``readable_status`` ->
#: (storage code, HTTP status, canned message). THE table of the emulator's storage errors:
#: the ``message`` of an answer is always the kind's canned text, specifics go in ``exception_data``.
KINDS: Dict[str, Tuple[int, int, str]] = {
    'UNKNOWN': (1, 500, 'Internal server error'),
    'FORBIDDEN': (2, 403, 'Access forbidden'),
    'NOT_FOUND': (3, 404, 'Entity not found'),
    'UNAUTHORIZED': (4, 401, 'Unauthorized request, supply valid auth token'),
    'BAD_REQUEST': (5, 400, 'Bad request'),
    'NOT_ACCEPTABLE': (6, 406, 'Not acceptable format'),
    'ACCESS_DENIED': (7, 403, "Access denied for this resource. You don't have permissions on it"),
    'JSON_DESERIALIZE_EXCEPTION': (8, 400, 'Json deserialize exception'),
    'JSON_SERIALIZE_EXCEPTION': (9, 500, 'Json serialize exception'),
    'STORAGE_EXCEPTION_OCCURRED': (10, 500, 'An error occurred while contacting with object storage'),
    'CONFLICT': (11, 409, 'Resource is use in other process, try again later'),
    'DOWNSTREAM_NOT_AVAILABLE': (12, 404, 'Downstream service not available'),
    'DOWNSTREAM_SERVER_ERROR': (13, 500, 'Third party service returned error on request'),
    'IMAGE_NOT_FOUND': (14, 404, 'Image not found by ids'),
    'IMAGES_NOT_FOUND': (15, 404, 'Images not found by ids'),
    'ATTACHMENT_NOT_FOUND_EXCEPTION': (16, 404, 'Attachment not found exception'),
    'SERIES_NOT_FOUND': (17, 404, 'Series not found by following ids'),
    'STUDY_NOT_FOUND': (18, 404, "Study wasn't found by provided ids"),
    'PAYLOAD_TOO_LARGE': (19, 413, 'Payload too large to process the entity'),
    'STORE_OPERATION_FAILED': (20, 500, 'An error occurred while trying to persist image into storage'),
    'VIRUS_DETECTED': (21, 403, 'Virus detected in uploading entity'),
    'ANONYMIZE_REGIONS_EXCEPTION': (22, 500, 'An error occurred during anonymizing regions of supplied DICOM'),
    'ERROR_ON_READING_DICOM_TAGS': (23, 500, 'Error occurred during reading dicom tags into memory'),
    'ERROR_DURING_UPLOAD_PROCESS': (24, 500, 'Error occurred during I/O operation'),
    'ERROR_ON_FIXING_TAGS': (25, 500, 'An error occurred on modifying and fixing DICOM tags data'),
    'ERROR_ON_READING_EMBEDDED_THINKING_SYSTEM': (
        26, 500, 'An error occurred during reading embedded thinking system PR and fixing tags',
    ),
    'TRANSCODING_SERVICE_URI_BUILD_ERROR': (27, 500, 'An error occured during building URL for transcoding service'),
    'ERROR_OCCURRED_WHILE_EXTRACTING_DATUM_FROM_DICOM': (
        28, 500,
        'An error occurred while extracting DATUM tags from DICOM, and splitting this DICOM',
    ),
    'WRITING_DATUM_TO_FILESYSTEM_FAILED': (
        29, 500,
        'An error occurred while writing DATUM file to filesytem before processing and saving to '
        'storage',
    ),
    'UPLOADING_DATUM_TO_STORAGE_FAILED': (30, 500, 'An error occurred while uploading DATUM to storage'),
    'DATUM_TEMP_FILE_HAS_NOT_EXPECTED_SIZE': (
        31, 500,
        'An error occurred while copying DATUM file for processing in the storage, file length is 0',
    ),
    'DICOM_TAG_TOO_LARGE': (32, 500, 'An error occurred while reading DATUM and DICOM data from Datum input stream'),
    'UNKNOWN_ERROR_DURING_READING_DATUM_DICOM_FILE_TO_OBJECT': (
        33, 500,
        'An error occurred while reading DATUM and DICOM data from Datum input stream to Dicom and '
        'Datum objects',
    ),
    'FAILED_TO_STORE_DICOM': (34, 500, 'Failed to store DATUM DICOM'),
    'TRANSCODING_SERVICE_ERROR': (35, 500, 'Error persisted during trying transcoding service task'),
    'NO_IMAGES_IN_STUDY': (36, 406, 'There are no images in study schema'),
    'ERROR_ON_STUDY_PULL': (37, 500, 'Wrapped error when executing request to pull study'),
    'NOT_VIDEO_IN_IMAGE': (38, 415, 'Video in DICOM requested, but wrapped file is another content'),
    'NOT_PDF_FILE': (39, 415, 'PDF requested from wrapped DICOM, wrong format found'),
    'REQUESTED_RANGE_NOT_SATISFIABLE': (40, 416, 'Range of bytes requested within this entity has wrong interval'),
    'ANONYMIZE_TAGS_FORMAT_ERROR': (
        41, 412,
        'Bad anonymize_tags parameter format, the proper one ex. '
        'anonymize_tags={{tag_id_int_1}}={{tag_value_1}},{{tag_id_int_2}}={{tag_value_2}}',
    ),
    'MISSING_REQUIRED_DICOM_TAG': (
        42, 412,
        'Some of the required tags for ingestion are not present in the DICOM file',
    ),
    'VALIDATION_ERROR': (99, 412, 'Request validation failed'),
}


class StorageError(Exception):
    """A storage failure that becomes a JSON error response.

    The answer's ``message`` is always the kind's canned text (:data:`KINDS`),
    as on the server; what is specific to this failure goes in ``exception_data``.

    :param readable_status: a key of :data:`KINDS`, e.g. ``'STUDY_NOT_FOUND'``.
    :param reason: a human-readable specific, put in ``exception_data['reason']``.
    :param exception_data: context for ``exception_data`` (e.g. ``{'study_uid': ...}``).
    :param http_status: override the HTTP status of the kind.
    """

    def __init__(
        self,
        readable_status: str,
        reason: Optional[str] = None,
        exception_data: Optional[Dict[str, Any]] = None,
        http_status: Optional[int] = None,
    ) -> None:
        code, status, canned = KINDS[readable_status]
        self.readable_status = readable_status
        self.code = code
        self.http_status = http_status if http_status is not None else status
        self.message = canned
        self.exception_data: Dict[str, Any] = dict(exception_data or {})
        if reason is not None:
            self.exception_data.setdefault('reason', reason)
        super().__init__(f'{self.http_status} {readable_status}: {self.message}')


def utc_timestamp() -> str:
    """Return the current UTC time as ``YYYY-MM-DDTHH:MM:SS.mmmZ``."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime('%Y-%m-%dT%H:%M:%S.') + f'{now.microsecond // 1000:03d}Z'


def error_response_body(error: StorageError, verbose: bool = False) -> bytes:
    """Serialise ``error`` as the storage error JSON body.

    :param error: the error to serialise.
    :param verbose: fill ``extended`` with a stack trace (the server does this
        when the request has ``X-AmbraHealth-Verbose-Errors: 1``).
    :returns: UTF-8 JSON bytes.
    """
    extended: Optional[str] = None
    if verbose:
        extended = ''.join(
            traceback.format_exception(type(error), error, error.__traceback__),
        ) or error.message
    body = {
        'kind': {'code': error.code, 'readable_status': error.readable_status},
        'message': error.message,
        'exception_data': error.exception_data,
        'created': utc_timestamp(),
        'extended': extended,
    }
    return json.dumps(body).encode('utf-8')


def study_not_found(namespace: str, study_uid: str) -> StorageError:
    """Build the 404 STUDY_NOT_FOUND error for a study."""
    return StorageError('STUDY_NOT_FOUND', exception_data={'namespace': namespace, 'study_uid': study_uid})


def image_not_found(
    namespace: str, study_uid: str, image_uid: str, version: Optional[str] = None,
) -> StorageError:
    """Build the 404 IMAGE_NOT_FOUND error for an image (and version)."""
    data: Dict[str, Any] = {
        'namespace': namespace, 'study_uid': study_uid, 'image_uid': image_uid,
    }
    if version is not None:
        data['image_version'] = version
    return StorageError('IMAGE_NOT_FOUND', exception_data=data)
