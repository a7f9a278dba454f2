"""Base exceptions of the SDK."""

from typing import Any, Optional

import requests


class AmbraException(Exception):  # noqa: N818 (public name kept from the reference)
    """Base class of every exception raised by the SDK."""


class AmbraResponseException(AmbraException):
    """The server answered with a status the SDK treats as an error.

    :param code: HTTP status code of the response.
    :param description: what the status means (vendor text where known).
    :param response_text: the response body (or its start), if useful.
    """

    def __init__(
        self,
        code: int,
        description: Optional[str] = None,
        response_text: Optional[str] = None,
    ) -> None:
        self.code = code
        self.description = description
        self.response_text = response_text
        message = '{code}. {description}'.format(code=code, description=description)
        if response_text:
            message = '{message}\n{text}'.format(message=message, text=response_text)
        super().__init__(message)

    def __reduce__(self) -> Any:  # keep exceptions picklable
        return (self.__class__, (self.code, self.description, self.response_text))


class MissingCredentials(AmbraException, RuntimeError):  # noqa: N818
    """The sid expired (or was never set) and the Api has no username/password.

    Subclasses :class:`RuntimeError`, which the reference raised here
    (``RuntimeError('Missed credentials')``).
    """


class ApiConfigurationError(AmbraException, ValueError):
    """An :class:`~ambra_sdk.api.Api` was built with wrong or missing arguments."""


class RequestTimeout(AmbraException, requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):  # noqa: N818
    """The server did not answer within the read timeout, retries included.

    A :class:`requests.exceptions.ReadTimeout` (and, as requests reports a
    read timeout after retries, a :class:`requests.exceptions.ConnectionError`).
    """


class ResponseTooLarge(AmbraException, requests.exceptions.ContentDecodingError):  # noqa: N818
    """A body grew past its limit once decoded (a decompression bomb, or an absurd answer).

    Bodies read into memory (service answers, storage JSON, error bodies) may
    not exceed ``api.max_body_bytes`` decoded bytes; a download with a
    ``Content-Encoding`` may not expand more than ``api.max_download_expansion``
    times. A :class:`requests.exceptions.ContentDecodingError` (so a
    ``RequestException``).
    """
