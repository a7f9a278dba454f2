"""Hand-written base classes of the service exceptions.

The 243 per-error classes in :mod:`ambra_sdk.exceptions.service` are generated
and derive from :class:`PreconditionFailed`.
"""

from typing import Any, Optional

from ambra_sdk.exceptions.base import AmbraResponseException


class AuthorizationRequired(AmbraResponseException):
    """HTTP 401: the sid is missing, invalid or expired."""

    code = 401
    default_description = (
        'The call needs a valid, logged in session id (sid) '
        'or valid basic authentication user name and password.'
    )

    def __init__(self, description: Optional[str] = None, response_text: Optional[str] = None) -> None:
        super().__init__(
            code=401,
            description=description or self.default_description,
            response_text=response_text,
        )

    def __reduce__(self) -> Any:
        return (self.__class__, (self.description, self.response_text))


class MethodNotAllowed(AmbraResponseException):
    """HTTP 405: the call must be a POST."""

    default_description = 'The call must be a POST not a GET'

    def __init__(self, description: Optional[str] = None, response_text: Optional[str] = None) -> None:
        super().__init__(
            code=405,
            description=description or self.default_description,
            response_text=response_text,
        )

    def __reduce__(self) -> Any:
        return (self.__class__, (self.description, self.response_text))


class PreconditionFailed(AmbraResponseException):
    """HTTP 412: the server answered ``status: ERROR`` with an ``error_type``.

    :param error_type: the ``error_type`` token (a string, sometimes a list).
    :param error_subtype: the optional ``error_subtype`` token.
    :param error_data: the optional ``error_data`` payload.
    :param description: what the error means for this endpoint (from the vendor document).
    """

    default_description = (
        'The returned json data structure will have the status flag set to ERROR. '
        'The error_type and the optional error_subtype fields will hold tokens that '
        'describe the error. The optional error_data field can hold additional error data.'
    )

    def __init__(
        self,
        error_type: Any = None,
        error_subtype: Any = None,
        error_data: Any = None,
        description: Optional[str] = None,
    ) -> None:
        self.error_type = error_type
        self.error_subtype = error_subtype
        self.error_data = error_data
        super().__init__(code=412, description=description or self.default_description)

    def set_additional_info(self, error_type: Any, error_subtype: Any, error_data: Any) -> None:
        """Store the error fields of the response.

        :param error_type: ``error_type`` from the response.
        :param error_subtype: ``error_subtype`` from the response.
        :param error_data: ``error_data`` from the response.
        """
        self.error_type = error_type
        self.error_subtype = error_subtype
        self.error_data = error_data

    def __str__(self) -> str:
        description = (self.description or '').rstrip('.')
        return (
            '{description}.\nError type: {error_type}\nError subtype: {error_subtype}\n'
            'Error data: {error_data}\n'
        ).format(
            description=description,
            error_type=self.error_type,
            error_subtype=self.error_subtype,
            error_data=describe_error_data(self.error_data),
        )

    def __reduce__(self) -> Any:
        return (
            self.__class__,
            (self.error_type, self.error_subtype, self.error_data, self.description),
        )


def describe_error_data(error_data: Any) -> str:
    """Describe ``error_data`` for a message without the values it may hold.

    ``error_data`` can carry a whole object (``ALREADY_EXISTS`` on
    ``/study/add`` returns the existing study, patient name included), so
    messages show field names only; the value stays in ``exc.error_data``.

    :param error_data: the ``error_data`` of a response.
    """
    if error_data is None:
        return 'None'
    if isinstance(error_data, (list, tuple)) and all(isinstance(item, str) and len(item) <= 64 for item in error_data):
        return ', '.join(error_data) if error_data else '[]'
    if isinstance(error_data, dict):
        return '<{0} with fields: {1}>'.format(type(error_data).__name__, ', '.join(sorted(map(str, error_data))))
    return '<{0}, see exc.error_data>'.format(type(error_data).__name__)


class ServiceResponseError(AmbraResponseException):
    """The service answered something the SDK cannot interpret.

    A proxy's HTML error page, an empty body, an unexpected status: the
    exception carries the status code and the first characters of the body.
    """
