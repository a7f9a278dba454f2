"""check_errors: the one storage error mapper, and the exception tree."""

import pickle

import pytest

from ambra_sdk.exceptions import storage as errors
from ambra_sdk.exceptions.base import AmbraResponseException
from ambra_sdk.storage.response import check_errors

from .helpers import error_body, make_response

# class, storage code, readable status, HTTP, canned description (storage_spec 6.3)
TABLE = [
    ('Unknown', 1, 'UNKNOWN', 500, 'Internal server error'),
    ('Forbidden', 2, 'FORBIDDEN', 403, 'Access forbidden'),
    ('NotFound', 3, 'NOT_FOUND', 404, 'Entity not found'),
    ('Unauthorized', 4, 'UNAUTHORIZED', 401, 'Unauthorized request, supply valid auth token'),
    ('BadRequest', 5, 'BAD_REQUEST', 400, 'Bad request'),
    ('NotAcceptable', 6, 'NOT_ACCEPTABLE', 406, 'Not acceptable format'),
    ('AccessDenied', 7, 'ACCESS_DENIED', 403, "Access denied for this resource. You don't have permissions on it"),
    ('JsonDeserializeException', 8, 'JSON_DESERIALIZE_EXCEPTION', 400, 'Json deserialize exception'),
    ('JsonSerializeException', 9, 'JSON_SERIALIZE_EXCEPTION', 500, 'Json serialize exception'),
    ('StorageExceptionOccurred', 10, 'STORAGE_EXCEPTION_OCCURRED', 500,
     'An error occurred while contacting with object storage'),
    ('Conflict', 11, 'CONFLICT', 409, 'Resource is use in other process, try again later'),
    ('DownstreamNotAvailable', 12, 'DOWNSTREAM_NOT_AVAILABLE', 404, 'Downstream service not available'),
    ('DownstreamServerError', 13, 'DOWNSTREAM_SERVER_ERROR', 500, 'Third party service returned error on request'),
    ('ImageNotFound', 14, 'IMAGE_NOT_FOUND', 404, 'Image not found by ids'),
    ('ImagesNotFound', 15, 'IMAGES_NOT_FOUND', 404, 'Images not found by ids'),
    ('AttachmentNotFoundException', 16, 'ATTACHMENT_NOT_FOUND_EXCEPTION', 404, 'Attachment not found exception'),
    ('SeriesNotFound', 17, 'SERIES_NOT_FOUND', 404, 'Series not found by following ids'),
    ('StudyNotFound', 18, 'STUDY_NOT_FOUND', 404, "Study wasn't found by provided ids"),
    ('PayloadTooLarge', 19, 'PAYLOAD_TOO_LARGE', 413, 'Payload too large to process the entity'),
    ('StoreOperationFailed', 20, 'STORE_OPERATION_FAILED', 500,
     'An error occurred while trying to persist image into storage'),
    ('VirusDetected', 21, 'VIRUS_DETECTED', 403, 'Virus detected in uploading entity'),
    ('AnonymizeRegionsException', 22, 'ANONYMIZE_REGIONS_EXCEPTION', 500,
     'An error occurred during anonymizing regions of supplied DICOM'),
    ('ErrorOnReadingDicomTags', 23, 'ERROR_ON_READING_DICOM_TAGS', 500,
     'Error occurred during reading dicom tags into memory'),
    ('ErrorDuringUploadProcess', 24, 'ERROR_DURING_UPLOAD_PROCESS', 500, 'Error occurred during I/O operation'),
    ('ErrorOnFixingTags', 25, 'ERROR_ON_FIXING_TAGS', 500, 'An error occurred on modifying and fixing DICOM tags data'),
    ('ErrorOnReadingEmbeddedThinkingSystem', 26, 'ERROR_ON_READING_EMBEDDED_THINKING_SYSTEM', 500,
     'An error occurred during reading embedded thinking system PR and fixing tags'),
    ('TranscodingServiceUriBuildError', 27, 'TRANSCODING_SERVICE_URI_BUILD_ERROR', 500,
     'An error occured during building URL for transcoding service'),
    ('ErrorOccurredWhileExtractingDatumFromDicom', 28, 'ERROR_OCCURRED_WHILE_EXTRACTING_DATUM_FROM_DICOM', 500,
     'An error occurred while extracting DATUM tags from DICOM, and splitting this DICOM'),
    ('WritingDatumToFilesystemFailed', 29, 'WRITING_DATUM_TO_FILESYSTEM_FAILED', 500,
     'An error occurred while writing DATUM file to filesytem before processing and saving to storage'),
    ('UploadingDatumToStorageFailed', 30, 'UPLOADING_DATUM_TO_STORAGE_FAILED', 500,
     'An error occurred while uploading DATUM to storage'),
    ('DatumTempFileHasNotExpectedSize', 31, 'DATUM_TEMP_FILE_HAS_NOT_EXPECTED_SIZE', 500,
     'An error occurred while copying DATUM file for processing in the storage, file length is 0'),
    ('DicomTagTooLarge', 32, 'DICOM_TAG_TOO_LARGE', 500,
     'An error occurred while reading DATUM and DICOM data from Datum input stream'),
    ('UnknownErrorDuringReadingDatumDicomFileToObject', 33, 'UNKNOWN_ERROR_DURING_READING_DATUM_DICOM_FILE_TO_OBJECT',
     500, 'An error occurred while reading DATUM and DICOM data from Datum input stream to Dicom and Datum objects'),
    ('FailedToStoreDicom', 34, 'FAILED_TO_STORE_DICOM', 500, 'Failed to store DATUM DICOM'),
    ('TranscodingServiceError', 35, 'TRANSCODING_SERVICE_ERROR', 500,
     'Error persisted during trying transcoding service task'),
    ('NoImagesInStudy', 36, 'NO_IMAGES_IN_STUDY', 406, 'There are no images in study schema'),
    ('ErrorOnStudyPull', 37, 'ERROR_ON_STUDY_PULL', 500, 'Wrapped error when executing request to pull study'),
    ('NotVideoInImage', 38, 'NOT_VIDEO_IN_IMAGE', 415, 'Video in DICOM requested, but wrapped file is another content'),
    ('NotPdfFile', 39, 'NOT_PDF_FILE', 415, 'PDF requested from wrapped DICOM, wrong format found'),
    ('RequestedRangeNotSatisfiable', 40, 'REQUESTED_RANGE_NOT_SATISFIABLE', 416,
     'Range of bytes requested within this entity has wrong interval'),
    ('AnonymizeTagsFormatError', 41, 'ANONYMIZE_TAGS_FORMAT_ERROR', 412,
     'Bad anonymize_tags parameter format, the proper one ex. '
     'anonymize_tags={{tag_id_int_1}}={{tag_value_1}},{{tag_id_int_2}}={{tag_value_2}}'),
    ('MissingRequiredDicomTag', 42, 'MISSING_REQUIRED_DICOM_TAG', 412,
     'Some of the required tags for ingestion are not present in the DICOM file'),
    ('ValidationError', 99, 'VALIDATION_ERROR', 412, 'Request validation failed'),
]


def test_table_has_43_classes():
    assert len(TABLE) == 43
    assert len(errors.STORAGE_ERRORS) == 43
    assert frozenset({400, 401, 403, 404, 406, 409, 412, 413, 415, 416, 500}) == errors.STORAGE_ERROR_CODES


@pytest.mark.parametrize('name, code, readable, http, description', TABLE, ids=[row[0] for row in TABLE])
def test_class_canned_data_and_mapping(name, code, readable, http, description):
    cls = getattr(errors, name)
    assert (cls.storage_code, cls.readable_status, cls.http_status_code, cls.description) == (
        code, readable, http, description,
    )
    assert errors.STORAGE_ERRORS[readable] is cls
    assert issubclass(cls, errors.STATUS_ERRORS[http])
    response = make_response(http, error_body(readable, code, 'server says'))
    with pytest.raises(cls) as info:
        check_errors(response)
    exc = info.value
    assert type(exc) is cls
    assert exc.code == exc.http_status_code == http
    assert exc.storage_code == code
    assert exc.readable_status == readable
    assert exc.description == 'server says'
    assert exc.exception_data == {'study_uid': 'bad'}
    assert exc.created == '2021-08-11T00:00:00Z'
    assert exc.extended is None
    assert str(exc) == '{}. server says'.format(http)
    assert cls.description == description  # the instance value does not change the class


@pytest.mark.parametrize('status', [200, 201, 202, 204, 206, 299])
def test_any_2xx_is_success(status):
    response = make_response(status, b'not json')
    assert check_errors(response) is response


def test_catch_by_status():
    with pytest.raises(errors.NotFound):
        check_errors(make_response(404, error_body('STUDY_NOT_FOUND', 18)))
    with pytest.raises(errors.Forbidden):
        check_errors(make_response(403, error_body('ACCESS_DENIED', 7)))
    with pytest.raises(errors.Forbidden):
        check_errors(make_response(403, error_body('VIRUS_DETECTED', 21)))
    with pytest.raises(errors.InternalServerError):
        check_errors(make_response(500, error_body('UNKNOWN', 1)))
    with pytest.raises(errors.UnsupportedMediaType):
        check_errors(make_response(415, error_body('NOT_PDF_FILE', 39)))


def test_class_chosen_by_readable_status_not_http_status():
    with pytest.raises(errors.Conflict) as info:
        check_errors(make_response(404, error_body('CONFLICT', 3)))
    exc = info.value
    assert exc.http_status_code == 404
    assert isinstance(exc, errors.NotFound)  # also caught by its actual status
    assert type(exc).__name__ == 'Conflict'
    assert exc.storage_code == 3 and type(exc).http_status_code == 409
    clone = pickle.loads(pickle.dumps(exc))
    assert isinstance(clone, errors.Conflict) and isinstance(clone, errors.NotFound)
    assert errors.error_class_for(errors.Conflict, 404) is type(exc)  # cached


def test_matching_status_keeps_the_class():
    assert errors.error_class_for(errors.StudyNotFound, 404) is errors.StudyNotFound
    assert errors.error_class_for(errors.StudyNotFound, 418) is errors.StudyNotFound


def test_unknown_readable_status_raises_the_status_class():
    with pytest.raises(errors.NotFound) as info:
        check_errors(make_response(404, error_body('SOMETHING_NEW', 77)))
    assert type(info.value) is errors.NotFound
    assert info.value.readable_status == 'SOMETHING_NEW'


@pytest.mark.parametrize('status', [405, 422, 429, 502, 503, 504, 418])
def test_unknown_status(status):
    with pytest.raises(errors.UnexpectedStorageResponse) as info:
        check_errors(make_response(status, '<html>gateway</html>'))
    exc = info.value
    assert isinstance(exc, AmbraResponseException)
    assert exc.code == exc.http_status_code == status
    assert exc.description == 'Unknown status code'
    assert exc.response_text == '<html>gateway</html>'
    assert str(exc) == '{}. Unknown status code\n<html>gateway</html>'.format(status)


def test_non_json_body_keeps_the_start_of_the_body():
    body = 'x' * 5000
    with pytest.raises(errors.UnexpectedStorageResponse) as info:
        check_errors(make_response(404, body))
    assert info.value.response_text == 'x' * errors.BODY_START_LENGTH


@pytest.mark.parametrize('body', [[1, 2], [['kind', 'x'], ['a', 'b']], 'null', '"text"', '3'])
def test_non_object_json_body(body):
    with pytest.raises(errors.UnexpectedStorageResponse) as info:
        check_errors(make_response(400, body))
    assert info.value.code == 400
    assert 'not a JSON object' in info.value.description


@pytest.mark.parametrize('body, description', [
    ({'message': 'x'}, 'Unknown kind'),
    ({'kind': None}, 'Unknown kind'),
    ({'kind': 'text'}, 'Unknown kind'),
    ({'kind': {'code': 3}}, 'Unknown storage status'),
    ({'kind': {'code': 3, 'readable_status': ''}}, 'Unknown storage status'),
])
def test_malformed_error_bodies(body, description):
    with pytest.raises(errors.UnexpectedStorageResponse) as info:
        check_errors(make_response(404, body))
    assert info.value.description == description


def test_exceptions_pickle():
    try:
        check_errors(make_response(404, error_body('STUDY_NOT_FOUND', 18)))
    except errors.StudyNotFound as exc:
        clone = pickle.loads(pickle.dumps(exc))
        assert type(clone) is errors.StudyNotFound
        assert clone.exception_data == exc.exception_data
        assert str(clone) == str(exc)
    unexpected = pickle.loads(pickle.dumps(errors.UnexpectedStorageResponse(502, 'Unknown status code', 'b')))
    assert unexpected.http_status_code == 502
    incomplete = pickle.loads(pickle.dumps(errors.IncompleteDownload(10, 3)))
    assert (incomplete.expected, incomplete.received) == (10, 3)


def test_body_start_is_redacted():
    body = '<html>upstream error for /api/v3/storage/study/x/y/schema?sid=SECRET-SID-123&a=1</html>'
    with pytest.raises(errors.UnexpectedStorageResponse) as info:
        check_errors(make_response(502, body))
    assert 'SECRET-SID-123' not in str(info.value)
    assert 'SECRET-SID-123' not in (info.value.response_text or '')
