"""Exceptions of the storage API (``api.Storage``).

Every error the storage server describes with a ``kind.readable_status`` has a
class here (43 of them, with the reference's names and canned data). On top of
the reference, each class also derives from the class of its HTTP status, so a
caller can catch by status::

    StorageResponseException
    ├── BadRequest (400, BAD_REQUEST)
    │   └── JsonDeserializeException
    ├── Unauthorized (401, UNAUTHORIZED)
    ├── Forbidden (403, FORBIDDEN)
    │   ├── AccessDenied          (re-login + one retry, see Api.retry_with_new_sid)
    │   └── VirusDetected
    ├── NotFound (404, NOT_FOUND)
    │   ├── DownstreamNotAvailable
    │   ├── ImageNotFound, ImagesNotFound, SeriesNotFound, StudyNotFound
    │   └── AttachmentNotFoundException
    ├── NotAcceptable (406, NOT_ACCEPTABLE)
    │   └── NoImagesInStudy
    ├── Conflict (409, CONFLICT)
    ├── ValidationError (412, VALIDATION_ERROR)
    │   ├── AnonymizeTagsFormatError
    │   └── MissingRequiredDicomTag
    ├── PayloadTooLarge (413, PAYLOAD_TOO_LARGE)
    ├── UnsupportedMediaType (415; no readable status of its own)
    │   ├── NotVideoInImage
    │   └── NotPdfFile
    ├── RequestedRangeNotSatisfiable (416, REQUESTED_RANGE_NOT_SATISFIABLE)
    └── InternalServerError (500; no readable status of its own)
        └── Unknown, JsonSerializeException, StorageExceptionOccurred, ... (all 500 errors)

The class raised is chosen by ``readable_status`` (as the reference does), never
by ``kind.code``. The status actually received is ``exc.http_status_code``
(also ``exc.code``). When it differs from the class's documented status (the
server reuses codes: a 404 with ``CONFLICT``), the exception is of a subclass
of both, so ``except Conflict`` and ``except NotFound`` both catch it (see
:func:`error_class_for`). A readable status the SDK does not know raises the
class of the HTTP status (``NotFound`` for a 404).

Responses the SDK cannot interpret (a status the storage API does not
document, a body that is not JSON or not a JSON object, a missing ``kind``)
raise :class:`UnexpectedStorageResponse` with the status and the start of
the body.
"""

from types import MappingProxyType
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Tuple, Type

from ambra_sdk.exceptions.base import AmbraException, AmbraResponseException

#: How many characters of an unexpected body are kept in the exception.
BODY_START_LENGTH = 500


class StorageResponseException(AmbraResponseException):
    """Base class of the errors described by the storage server.

    Class attributes hold the canned data of each error; the instance
    attributes hold what the server answered.

    :param http_status_code: HTTP status of the response.
    :param exception_data: ``exception_data`` of the error body.
    :param storage_code: ``kind.code`` of the error body.
    :param description: ``message`` of the error body.
    :param readable_status: ``kind.readable_status`` of the error body.
    :param created: ``created`` timestamp of the error body.
    :param extended: ``extended`` trace (only with ``X-AmbraHealth-Verbose-Errors: 1``).
    """

    storage_code: Optional[int] = None
    description: Optional[str] = None
    http_status_code: Optional[int] = None
    readable_status: Optional[str] = None

    def __init__(
        self,
        *,
        http_status_code: int,
        exception_data: Any = None,
        storage_code: Optional[int] = None,
        description: Optional[str] = None,
        readable_status: Optional[str] = None,
        created: Any = None,
        extended: Any = None,
    ) -> None:
        super().__init__(http_status_code, description)
        self.exception_data = exception_data
        self.storage_code = storage_code
        self.description = description
        self.http_status_code = http_status_code
        self.readable_status = readable_status
        self.created = created
        self.extended = extended

    def __reduce__(self) -> Any:
        """Keep the exception picklable (keyword-only constructor)."""
        kwargs = {
            'http_status_code': self.http_status_code,
            'exception_data': self.exception_data,
            'storage_code': self.storage_code,
            'description': self.description,
            'readable_status': self.readable_status,
            'created': self.created,
            'extended': self.extended,
        }
        canonical = vars(self.__class__).get('_canonical', self.__class__)
        return (_rebuild, (canonical, kwargs))


def _rebuild(cls: Type[StorageResponseException], kwargs: Dict[str, Any]) -> StorageResponseException:
    return error_class_for(cls, kwargs['http_status_code'])(**kwargs)


class UnexpectedStorageResponse(AmbraResponseException):
    """The storage server answered something the SDK cannot interpret.

    Raised for a status the storage API does not document, a body that is
    not JSON or not a JSON object, or an error body without ``kind`` /
    ``kind.readable_status``.

    :param code: HTTP status of the response (also ``http_status_code``).
    :param description: what was wrong (``Unknown status code``, ``Unknown kind``...).
    :param response_text: the start of the body (at most
        :data:`BODY_START_LENGTH` characters).
    """

    def __init__(self, code: int, description: Optional[str] = None, response_text: Optional[str] = None) -> None:
        super().__init__(code, description, response_text)
        self.http_status_code = code


class IncompleteDownload(AmbraException, OSError):
    """A streamed download ended before ``Content-Length`` bytes arrived.

    Nothing is left under the destination name.

    :param expected: the ``Content-Length`` announced by the server.
    :param received: the bytes actually received.
    """

    def __init__(self, expected: int, received: int) -> None:
        self.expected = expected
        self.received = received
        super().__init__(
            'Incomplete download: expected {expected} bytes, received {received}'.format(
                expected=expected, received=received,
            ),
        )

    def __reduce__(self) -> Any:
        return (self.__class__, (self.expected, self.received))


# --- status level classes (also the readable-status classes of the same name) ---


class BadRequest(StorageResponseException):
    """400: bad request."""

    storage_code = 5
    readable_status = 'BAD_REQUEST'
    http_status_code = 400
    description = 'Bad request'


class Unauthorized(StorageResponseException):
    """401: unauthorized request (does not trigger a re-login)."""

    storage_code = 4
    readable_status = 'UNAUTHORIZED'
    http_status_code = 401
    description = 'Unauthorized request, supply valid auth token'


class Forbidden(StorageResponseException):
    """403: access forbidden. Base of every 403 storage error."""

    storage_code = 2
    readable_status = 'FORBIDDEN'
    http_status_code = 403
    description = 'Access forbidden'


class NotFound(StorageResponseException):
    """404: entity not found. Base of every 404 storage error."""

    storage_code = 3
    readable_status = 'NOT_FOUND'
    http_status_code = 404
    description = 'Entity not found'


class NotAcceptable(StorageResponseException):
    """406: not acceptable format. Base of every 406 storage error."""

    storage_code = 6
    readable_status = 'NOT_ACCEPTABLE'
    http_status_code = 406
    description = 'Not acceptable format'


class Conflict(StorageResponseException):
    """409: the resource is used by another process; try again later."""

    storage_code = 11
    readable_status = 'CONFLICT'
    http_status_code = 409
    description = 'Resource is use in other process, try again later'


class ValidationError(StorageResponseException):
    """412: request validation failed. Base of every 412 storage error."""

    storage_code = 99
    readable_status = 'VALIDATION_ERROR'
    http_status_code = 412
    description = 'Request validation failed'


class PayloadTooLarge(StorageResponseException):
    """413: payload too large."""

    storage_code = 19
    readable_status = 'PAYLOAD_TOO_LARGE'
    http_status_code = 413
    description = 'Payload too large to process the entity'


class UnsupportedMediaType(StorageResponseException):
    """415: base of the storage errors about a wrong content type (no readable status)."""

    http_status_code = 415
    description = 'Unsupported media type'


class RequestedRangeNotSatisfiable(StorageResponseException):
    """416: the requested byte range is wrong."""

    storage_code = 40
    readable_status = 'REQUESTED_RANGE_NOT_SATISFIABLE'
    http_status_code = 416
    description = 'Range of bytes requested within this entity has wrong interval'


class InternalServerError(StorageResponseException):
    """500: base of every storage server-side error (no readable status)."""

    http_status_code = 500
    description = 'Internal server error'


# --- readable-status classes below a status class ---


class JsonDeserializeException(BadRequest):
    """400: JSON deserialize exception."""

    storage_code = 8
    readable_status = 'JSON_DESERIALIZE_EXCEPTION'
    description = 'Json deserialize exception'


class AccessDenied(Forbidden):
    """403: access denied (also: wrong or expired sid). Triggers one re-login and retry."""

    storage_code = 7
    readable_status = 'ACCESS_DENIED'
    description = "Access denied for this resource. You don't have permissions on it"


class VirusDetected(Forbidden):
    """403: virus detected in the uploaded entity."""

    storage_code = 21
    readable_status = 'VIRUS_DETECTED'
    description = 'Virus detected in uploading entity'


class DownstreamNotAvailable(NotFound):
    """404: downstream service not available."""

    storage_code = 12
    readable_status = 'DOWNSTREAM_NOT_AVAILABLE'
    description = 'Downstream service not available'


class ImageNotFound(NotFound):
    """404: image not found."""

    storage_code = 14
    readable_status = 'IMAGE_NOT_FOUND'
    description = 'Image not found by ids'


class ImagesNotFound(NotFound):
    """404: images not found."""

    storage_code = 15
    readable_status = 'IMAGES_NOT_FOUND'
    description = 'Images not found by ids'


class AttachmentNotFoundException(NotFound):
    """404: attachment not found."""

    storage_code = 16
    readable_status = 'ATTACHMENT_NOT_FOUND_EXCEPTION'
    description = 'Attachment not found exception'


class SeriesNotFound(NotFound):
    """404: series not found."""

    storage_code = 17
    readable_status = 'SERIES_NOT_FOUND'
    description = 'Series not found by following ids'


class StudyNotFound(NotFound):
    """404: study not found."""

    storage_code = 18
    readable_status = 'STUDY_NOT_FOUND'
    description = "Study wasn't found by provided ids"


class NoImagesInStudy(NotAcceptable):
    """406: there are no images in the study schema."""

    storage_code = 36
    readable_status = 'NO_IMAGES_IN_STUDY'
    description = 'There are no images in study schema'


class AnonymizeTagsFormatError(ValidationError):
    """412: bad ``anonymize_tags`` format."""

    storage_code = 41
    readable_status = 'ANONYMIZE_TAGS_FORMAT_ERROR'
    description = (
        'Bad anonymize_tags parameter format, the proper one ex. '
        'anonymize_tags={{tag_id_int_1}}={{tag_value_1}},{{tag_id_int_2}}={{tag_value_2}}'
    )


class MissingRequiredDicomTag(ValidationError):
    """412: a tag required for ingestion is missing."""

    storage_code = 42
    readable_status = 'MISSING_REQUIRED_DICOM_TAG'
    description = 'Some of the required tags for ingestion are not present in the DICOM file'


class NotVideoInImage(UnsupportedMediaType):
    """415: video requested but the wrapped file is something else."""

    storage_code = 38
    readable_status = 'NOT_VIDEO_IN_IMAGE'
    description = 'Video in DICOM requested, but wrapped file is another content'


class NotPdfFile(UnsupportedMediaType):
    """415: PDF requested from a wrapped DICOM that is not a PDF."""

    storage_code = 39
    readable_status = 'NOT_PDF_FILE'
    description = 'PDF requested from wrapped DICOM, wrong format found'


class Unknown(InternalServerError):
    """500: internal server error."""

    storage_code = 1
    readable_status = 'UNKNOWN'
    description = 'Internal server error'


class JsonSerializeException(InternalServerError):
    """500: JSON serialize exception."""

    storage_code = 9
    readable_status = 'JSON_SERIALIZE_EXCEPTION'
    description = 'Json serialize exception'


class StorageExceptionOccurred(InternalServerError):
    """500: error while contacting the object storage."""

    storage_code = 10
    readable_status = 'STORAGE_EXCEPTION_OCCURRED'
    description = 'An error occurred while contacting with object storage'


class DownstreamServerError(InternalServerError):
    """500: a third party service returned an error."""

    storage_code = 13
    readable_status = 'DOWNSTREAM_SERVER_ERROR'
    description = 'Third party service returned error on request'


class StoreOperationFailed(InternalServerError):
    """500: error while persisting the image."""

    storage_code = 20
    readable_status = 'STORE_OPERATION_FAILED'
    description = 'An error occurred while trying to persist image into storage'


class AnonymizeRegionsException(InternalServerError):
    """500: error while anonymizing regions."""

    storage_code = 22
    readable_status = 'ANONYMIZE_REGIONS_EXCEPTION'
    description = 'An error occurred during anonymizing regions of supplied DICOM'


class ErrorOnReadingDicomTags(InternalServerError):
    """500: error while reading DICOM tags."""

    storage_code = 23
    readable_status = 'ERROR_ON_READING_DICOM_TAGS'
    description = 'Error occurred during reading dicom tags into memory'


class ErrorDuringUploadProcess(InternalServerError):
    """500: I/O error during upload."""

    storage_code = 24
    readable_status = 'ERROR_DURING_UPLOAD_PROCESS'
    description = 'Error occurred during I/O operation'


class ErrorOnFixingTags(InternalServerError):
    """500: error while fixing DICOM tags."""

    storage_code = 25
    readable_status = 'ERROR_ON_FIXING_TAGS'
    description = 'An error occurred on modifying and fixing DICOM tags data'


class ErrorOnReadingEmbeddedThinkingSystem(InternalServerError):
    """500: error while reading an embedded thinking system PR."""

    storage_code = 26
    readable_status = 'ERROR_ON_READING_EMBEDDED_THINKING_SYSTEM'
    description = 'An error occurred during reading embedded thinking system PR and fixing tags'


class TranscodingServiceUriBuildError(InternalServerError):
    """500: error while building the transcoding service URL."""

    storage_code = 27
    readable_status = 'TRANSCODING_SERVICE_URI_BUILD_ERROR'
    description = 'An error occured during building URL for transcoding service'


class ErrorOccurredWhileExtractingDatumFromDicom(InternalServerError):
    """500: error while extracting DATUM tags."""

    storage_code = 28
    readable_status = 'ERROR_OCCURRED_WHILE_EXTRACTING_DATUM_FROM_DICOM'
    description = 'An error occurred while extracting DATUM tags from DICOM, and splitting this DICOM'


class WritingDatumToFilesystemFailed(InternalServerError):
    """500: error while writing a DATUM file."""

    storage_code = 29
    readable_status = 'WRITING_DATUM_TO_FILESYSTEM_FAILED'
    description = (
        'An error occurred while writing DATUM file to filesytem before processing and saving to storage'
    )


class UploadingDatumToStorageFailed(InternalServerError):
    """500: error while uploading a DATUM."""

    storage_code = 30
    readable_status = 'UPLOADING_DATUM_TO_STORAGE_FAILED'
    description = 'An error occurred while uploading DATUM to storage'


class DatumTempFileHasNotExpectedSize(InternalServerError):
    """500: the copied DATUM file is empty."""

    storage_code = 31
    readable_status = 'DATUM_TEMP_FILE_HAS_NOT_EXPECTED_SIZE'
    description = (
        'An error occurred while copying DATUM file for processing in the storage, file length is 0'
    )


class DicomTagTooLarge(InternalServerError):
    """500: error while reading DATUM and DICOM data."""

    storage_code = 32
    readable_status = 'DICOM_TAG_TOO_LARGE'
    description = 'An error occurred while reading DATUM and DICOM data from Datum input stream'


class UnknownErrorDuringReadingDatumDicomFileToObject(InternalServerError):
    """500: error while reading DATUM and DICOM data into objects."""

    storage_code = 33
    readable_status = 'UNKNOWN_ERROR_DURING_READING_DATUM_DICOM_FILE_TO_OBJECT'
    description = (
        'An error occurred while reading DATUM and DICOM data from Datum input stream '
        'to Dicom and Datum objects'
    )


class FailedToStoreDicom(InternalServerError):
    """500: failed to store the DATUM DICOM."""

    storage_code = 34
    readable_status = 'FAILED_TO_STORE_DICOM'
    description = 'Failed to store DATUM DICOM'


class TranscodingServiceError(InternalServerError):
    """500: transcoding service error."""

    storage_code = 35
    readable_status = 'TRANSCODING_SERVICE_ERROR'
    description = 'Error persisted during trying transcoding service task'


class ErrorOnStudyPull(InternalServerError):
    """500: error while pulling a study."""

    storage_code = 37
    readable_status = 'ERROR_ON_STUDY_PULL'
    description = 'Wrapped error when executing request to pull study'


def _collect() -> Dict[str, Type[StorageResponseException]]:
    found: Dict[str, Type[StorageResponseException]] = {}
    for candidate in list(globals().values()):
        if (
            isinstance(candidate, type)
            and issubclass(candidate, StorageResponseException)
            and 'readable_status' in vars(candidate)
            and candidate.readable_status
        ):
            found[candidate.readable_status] = candidate
    return found


#: ``readable_status`` -> exception class (43 entries).
STORAGE_ERRORS: Mapping[str, Type[StorageResponseException]] = MappingProxyType(_collect())

#: The storage error classes, one per ``readable_status`` (the reference's ``errors`` list).
errors: List[Type[StorageResponseException]] = list(STORAGE_ERRORS.values())

#: HTTP status -> status level class (the class every error of that status derives from).
STATUS_ERRORS: Mapping[int, Type[StorageResponseException]] = MappingProxyType({
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    406: NotAcceptable,
    409: Conflict,
    412: ValidationError,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    416: RequestedRangeNotSatisfiable,
    500: InternalServerError,
})

_COMBINED: Dict[Tuple[Type[StorageResponseException], int], Type[StorageResponseException]] = {}


def error_class_for(cls: Type[StorageResponseException], status: int) -> Type[StorageResponseException]:
    """Return the class to raise for an error of class ``cls`` that came with ``status``.

    Usually ``cls`` itself. When the server sent a readable status whose
    class belongs to another HTTP status (the server reuses codes, e.g. a
    404 with ``CONFLICT``), the result is a subclass of both ``cls`` and
    the status class of ``status``, with the same name, so that both
    ``except Conflict`` and ``except NotFound`` catch it.

    :param cls: the class chosen by ``readable_status``.
    :param status: the HTTP status received.
    :return: the class to raise.
    """
    base = STATUS_ERRORS.get(status)
    if base is None or issubclass(cls, base):
        return cls
    combined = _COMBINED.get((cls, status))
    if combined is None:
        combined = type(cls.__name__, (cls, base), {
            '__module__': cls.__module__,
            '__qualname__': cls.__qualname__,
            '__doc__': cls.__doc__,
            '_canonical': cls,
        })
        combined = _COMBINED.setdefault((cls, status), combined)  # one class even if threads race
    return combined


#: Every HTTP status the storage API documents for its errors.
STORAGE_ERROR_CODES: FrozenSet[int] = frozenset(
    error.http_status_code for error in STORAGE_ERRORS.values() if error.http_status_code is not None
)

__all__ = [
    'errors',
    'BODY_START_LENGTH', 'STORAGE_ERRORS', 'STATUS_ERRORS', 'STORAGE_ERROR_CODES', 'error_class_for',
    'StorageResponseException', 'UnexpectedStorageResponse', 'IncompleteDownload',
    'BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'NotAcceptable', 'Conflict',
    'ValidationError', 'PayloadTooLarge', 'UnsupportedMediaType', 'RequestedRangeNotSatisfiable',
    'InternalServerError', 'JsonDeserializeException', 'AccessDenied', 'VirusDetected',
    'DownstreamNotAvailable', 'ImageNotFound', 'ImagesNotFound', 'AttachmentNotFoundException',
    'SeriesNotFound', 'StudyNotFound', 'NoImagesInStudy', 'AnonymizeTagsFormatError',
    'MissingRequiredDicomTag', 'NotVideoInImage', 'NotPdfFile', 'Unknown', 'JsonSerializeException',
    'StorageExceptionOccurred', 'DownstreamServerError', 'StoreOperationFailed',
    'AnonymizeRegionsException', 'ErrorOnReadingDicomTags', 'ErrorDuringUploadProcess',
    'ErrorOnFixingTags', 'ErrorOnReadingEmbeddedThinkingSystem', 'TranscodingServiceUriBuildError',
    'ErrorOccurredWhileExtractingDatumFromDicom', 'WritingDatumToFilesystemFailed',
    'UploadingDatumToStorageFailed', 'DatumTempFileHasNotExpectedSize', 'DicomTagTooLarge',
    'UnknownErrorDuringReadingDatumDicomFileToObject', 'FailedToStoreDicom',
    'TranscodingServiceError', 'ErrorOnStudyPull',
]
