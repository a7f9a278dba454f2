"""The one mapper from storage responses to exceptions."""

from typing import Any, NoReturn
from urllib.parse import urlsplit

from requests import Response

from ambra_sdk.bounded_json import UnreadableJson, bounded_json_loads
from ambra_sdk.exceptions.storage import (
    BODY_START_LENGTH,
    STATUS_ERRORS,
    STORAGE_ERROR_CODES,
    STORAGE_ERRORS,
    UnexpectedStorageResponse,
    error_class_for,
)
from ambra_sdk.redact import redact_text

_NOT_JSON = object()


def _body_start(response: Response) -> str:
    try:
        text = response.text
    except Exception:  # noqa: BLE001 (a broken stream must not hide the status)
        return ''
    return redact_text(text[:BODY_START_LENGTH])


def check_errors(response: Response) -> Response:
    """Return ``response`` when it is a success, else raise the matching exception.

    * Any 2xx status is a success; the body is not read.
    * A redirect (3xx) is never followed: it raises
      :class:`~ambra_sdk.exceptions.storage.UnexpectedStorageResponse` naming
      the status and the target host (never the sid).
    * A status the storage API does not document, or a body that is not a
      JSON object, raises
      :class:`~ambra_sdk.exceptions.storage.UnexpectedStorageResponse`
      with the status and the start of the body (sids and registered
      secrets masked).
    * Otherwise the class is chosen by ``kind.readable_status`` (see
      :mod:`ambra_sdk.exceptions.storage`).

    :param response: a storage response.
    :return: the same response.
    :raises StorageResponseException: an error described by the server.
    :raises UnexpectedStorageResponse: an error the SDK cannot interpret.
    """
    status = response.status_code
    if 200 <= status < 300:
        return response
    if 300 <= status < 400:
        raise UnexpectedStorageResponse(status, redirect_description(response))
    if status not in STORAGE_ERROR_CODES:
        raise UnexpectedStorageResponse(status, 'Unknown status code', _body_start(response))
    try:
        body = bounded_json_loads(response.content, max_bytes=None)  # read within api.max_body_bytes
    except UnreadableJson:
        body = _NOT_JSON
    if body is _NOT_JSON:  # raised here, not in the except block: the decoder's error is not chained
        raise UnexpectedStorageResponse(status, 'Unknown status code', _body_start(response))
    if not isinstance(body, dict):
        raise UnexpectedStorageResponse(status, 'Error body is not a JSON object', _body_start(response))
    raise_storage_error(status, body, _body_start(response))


def redirect_description(response: Response) -> str:
    """Describe a redirect the SDK did not follow: its target host, never its query.

    :param response: a 3xx response.
    """
    location = response.headers.get('Location') or ''
    try:
        target = urlsplit(location)
        host = target.netloc.rpartition('@')[2] or urlsplit(response.url or '').netloc.rpartition('@')[2]
    except ValueError:
        host = '?'
    return 'Redirect to host {host!r} not followed (the storage API does not redirect; the sid stays here)'.format(
        host=redact_text(host) or '?',
    )


def json_body(response: Response) -> Any:
    """Decode the JSON body of a storage 2xx response.

    :param response: a checked storage response.
    :return: the decoded JSON.
    :raises UnexpectedStorageResponse: the body is not JSON (invalid UTF-8,
        bad syntax, nested deeper than :data:`ambra_sdk.bounded_json.MAX_JSON_DEPTH`...).
    """
    try:
        return bounded_json_loads(response.content, max_bytes=None)  # read within api.max_body_bytes
    except UnreadableJson as unreadable:
        error = UnexpectedStorageResponse(
            response.status_code, 'The body is {0}'.format(unreadable), _body_start(response),
        )
    raise error  # outside the except block: the decoder's error (and its text) is not in the chain


def raise_storage_error(status_code: int, json: 'dict[str, Any]', body_start: str = '') -> NoReturn:
    """Raise the exception described by a storage error body.

    :param status_code: HTTP status of the response.
    :param json: the decoded error body (a JSON object).
    :param body_start: start of the body text, kept in :class:`UnexpectedStorageResponse`.
    :raises StorageResponseException: the class of ``kind.readable_status``, or the
        class of the HTTP status when the readable status is not known.
    :raises UnexpectedStorageResponse: no ``kind`` or no ``kind.readable_status``.
    """
    status, body = status_code, json
    kind = body.get('kind')
    if not kind or not isinstance(kind, dict):
        raise UnexpectedStorageResponse(status, 'Unknown kind', body_start)
    readable_status = kind.get('readable_status')
    if not readable_status or not isinstance(readable_status, str):
        raise UnexpectedStorageResponse(status, 'Unknown storage status', body_start)
    error_class = STORAGE_ERRORS.get(readable_status) or STATUS_ERRORS.get(status)
    if error_class is None:
        raise UnexpectedStorageResponse(status, 'Unknown storage error', body_start)
    raise error_class_for(error_class, status)(
        http_status_code=status,
        exception_data=body.get('exception_data'),
        storage_code=kind.get('code'),
        description=body.get('message'),
        readable_status=readable_status,
        created=body.get('created'),
        extended=body.get('extended'),
    )
