"""Exceptions of the SDK.

Every exception the SDK raises on purpose derives from
:class:`~ambra_sdk.exceptions.base.AmbraException`. Transport errors are
requests' own (``requests.exceptions.RequestException``), except a read
timeout, which is :class:`~ambra_sdk.exceptions.base.RequestTimeout`
(both an ``AmbraException`` and a requests ``ReadTimeout``)::

    Exception
    └── AmbraException                              ambra_sdk.exceptions.base
        ├── ApiConfigurationError (ValueError)      bad Api(...) arguments
        ├── MissingCredentials (RuntimeError)       new sid needed, no username/password
        ├── RequestTimeout (requests ReadTimeout)   no answer within the read timeout
        ├── IncompleteDownload (OSError)            storage body shorter than announced
        └── AmbraResponseException(code, description, response_text)
            ├── AuthorizationRequired               service 401 (sid missing/expired)
            ├── MethodNotAllowed                    service 405
            ├── PreconditionFailed                  service 412 (error_type, error_subtype, error_data)
            │   └── NotFound, InvalidCredentials, ... 243 classes, one per error_type
            │                                       ambra_sdk.exceptions.service
            ├── ServiceResponseError                service body the SDK cannot read
            │                                       (proxy HTML page, empty body, odd status)
            ├── UnexpectedStorageResponse           storage status/body the SDK cannot read
            └── StorageResponseException            storage errors, ambra_sdk.exceptions.storage
                ├── BadRequest (400)        └── JsonDeserializeException
                ├── Unauthorized (401)
                ├── Forbidden (403)         ├── AccessDenied, VirusDetected
                ├── NotFound (404)          ├── StudyNotFound, SeriesNotFound, ImageNotFound,
                │                           │   ImagesNotFound, AttachmentNotFoundException,
                │                           │   DownstreamNotAvailable
                ├── NotAcceptable (406)     └── NoImagesInStudy
                ├── Conflict (409)
                ├── ValidationError (412)   ├── AnonymizeTagsFormatError, MissingRequiredDicomTag
                ├── PayloadTooLarge (413)
                ├── UnsupportedMediaType (415) ├── NotVideoInImage, NotPdfFile
                ├── RequestedRangeNotSatisfiable (416)
                └── InternalServerError (500) └── Unknown, StoreOperationFailed, ... (20 classes)

Service errors are chosen by :func:`ambra_sdk.service.response.check_response`
from the method's documented errors; storage errors by
:func:`ambra_sdk.storage.response.check_errors` from the body's
``readable_status``. Catch a storage error by its HTTP status with the status
classes (``except NotFound``) or precisely (``except StudyNotFound``).
"""
