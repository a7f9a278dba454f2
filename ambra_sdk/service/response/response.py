"""Service responses: the one place that turns a failed response into an exception.

* 200: the response is fine (the JSON ``status`` field is not checked).
* 401: :class:`AuthorizationRequired` (the Api then logs in again once).
* 405: :class:`MethodNotAllowed`.
* 412 with a JSON ``{"status": "ERROR", "error_type": ...}`` body: the exception
  mapped for that error by the method (a fresh instance that keeps the vendor
  description), else :class:`PreconditionFailed`.
* 404: :class:`ServiceResponseError` naming the URL that answered and the
  expected form of the Api URL (``https://host/api/v3``).
* Anything else (a 412 without a JSON error body, 3xx, 500, ...):
  :class:`ServiceResponseError` with the status and the first 500 characters
  of the body.
"""

import copy
from typing import Any, Callable, Dict, Mapping, Optional

import requests

from ambra_sdk.bounded_json import UnreadableJson, bounded_json_loads
from ambra_sdk.exceptions.service_base import (
    AuthorizationRequired,
    MethodNotAllowed,
    PreconditionFailed,
    ServiceResponseError,
)
from ambra_sdk.redact import redact_text
from ambra_sdk.service.response.wrong_url import not_found_description

#: How much of a body an exception carries.
RESPONSE_TEXT_LIMIT = 500


def _body_start(response: requests.Response) -> str:
    try:
        text = response.text[:RESPONSE_TEXT_LIMIT]
    except Exception:  # noqa: BLE001 (undecodable body: show what we can)
        text = repr(response.content[:RESPONSE_TEXT_LIMIT])
    return redact_text(text)  # a server may echo the sid


def response_error(response: requests.Response, description: str) -> ServiceResponseError:
    """Build the error for a response the SDK cannot interpret.

    :param response: the response.
    :param description: what is wrong with it.
    :return: the exception (with the status code and the start of the body).
    """
    return ServiceResponseError(
        code=response.status_code,
        description=description,
        response_text=_body_start(response),
    )


def is_json(response: requests.Response) -> bool:
    """Tell whether the response declares a JSON body.

    :param response: the response.
    """
    return 'application/json' in (response.headers.get('content-type') or '')


def decode_json(response: requests.Response, what: str = 'response') -> Any:
    """Decode a JSON body.

    :param response: the response.
    :param what: how the error message names the response.
    :raises ServiceResponseError: when the body is empty or not JSON.
    :return: the decoded JSON.
    """
    try:
        return bounded_json_loads(response.content, max_bytes=None)  # read within api.max_body_bytes
    except UnreadableJson as unreadable:
        error = response_error(
            response,
            'The service sent a {what} that is {why} (content type: {ct})'.format(
                what=what,
                why=unreadable,
                ct=response.headers.get('content-type'),
            ),
        )
    raise error  # outside the except block: the decoder's error (holding the body) is not chained


def _mapped_exception(errors_mapping: Mapping[Any, Any], error_type: Any, error_subtype: Any) -> Any:
    lookup_type = error_type[0] if isinstance(error_type, list) and error_type else error_type
    if not isinstance(lookup_type, str):
        return None
    subtype_key = str(error_subtype) if error_subtype is not None else None
    keys: list = [(lookup_type, subtype_key), (lookup_type, None)]
    if error_subtype is None:
        keys.append(lookup_type)  # legacy mappings: {'DUPLICATE_NAME': DuplicateName()}
    for key in keys:
        if key in errors_mapping:
            return errors_mapping[key]
    return None


def _fresh(mapped: Any) -> BaseException:
    """Return a new exception like ``mapped`` (an instance or a class)."""
    if isinstance(mapped, type):
        return mapped()
    description = getattr(mapped, 'description', None)
    try:
        return type(mapped)(description=description)
    except TypeError:  # a custom class without a ``description`` argument
        return copy.copy(mapped)


def check_412(
    json: Any,
    errors_mapping: Optional[Mapping[Any, Any]],
    response: Optional[requests.Response] = None,
) -> None:
    """Raise the exception for a 412 error body.

    :param json: the decoded JSON body (the reference's keyword name).
    :param errors_mapping: the method's error mapping.
    :param response: the response (for error messages; optional, as the reference had none).
    :raises PreconditionFailed: (or its mapped subclass) always for a valid error body.
    :raises ServiceResponseError: when the body is not an error object.
    """
    body = json
    if not isinstance(body, dict) or body.get('status') != 'ERROR':
        description = '412 response without an ERROR status'
        if response is None:
            raise ServiceResponseError(code=412, description=description, response_text=redact_text(repr(body)[:500]))
        raise response_error(response, description)
    error_type = body.get('error_type')
    error_subtype = body.get('error_subtype')
    error_data = body.get('error_data')
    mapped = _mapped_exception(errors_mapping or {}, error_type, error_subtype)
    if mapped is None:
        raise PreconditionFailed(error_type=error_type, error_subtype=error_subtype, error_data=error_data)
    exception = _fresh(mapped)
    if hasattr(exception, 'set_additional_info'):
        exception.set_additional_info(error_type, error_subtype, error_data)
    raise exception


def check_response(response: requests.Response, errors_mapping: Optional[Mapping[Any, Any]]) -> requests.Response:
    """Return a 200 response, raise the matching exception otherwise.

    :param response: the service response.
    :param errors_mapping: the method's mapping of 412 errors to exceptions.
    :raises AuthorizationRequired: on 401.
    :raises MethodNotAllowed: on 405.
    :raises PreconditionFailed: on 412 (the mapped subclass when there is one).
    :raises ServiceResponseError: on any other status or a 412 without a JSON error body.
    :return: the response.
    """
    status = response.status_code
    if status == 200:
        return response
    if status == 401:
        raise AuthorizationRequired()
    if status == 405:
        raise MethodNotAllowed()
    if status == 412:
        body = decode_json(response, what='412 response')
        check_412(body, errors_mapping, response)
    if status == 404:
        raise response_error(response, not_found_description(response))
    raise response_error(response, 'Unknown error')


def build_result(response: requests.Response, return_constructor: Callable[[Any], Any]) -> Any:
    """Turn a checked 200 response into what ``Query.get()`` returns.

    A JSON body becomes ``return_constructor(body)`` without its ``status``
    key; any other body (e.g. a zip download) returns the response itself.

    :param response: the 200 response.
    :param return_constructor: builds the result from the decoded JSON.
    :raises ServiceResponseError: when a JSON content type comes with a body that is not JSON.
    :return: the result.
    """
    if not is_json(response):
        return response
    body = decode_json(response)
    if not isinstance(body, dict):
        raise response_error(response, 'The service sent a JSON {kind} where an object was expected'.format(
            kind=type(body).__name__,
        ))
    body.pop('status', None)
    return return_constructor(body)


def page_json(response: requests.Response, paginated_field: str) -> Dict[str, Any]:
    """Decode one page of a paginated method.

    :param response: the checked 200 response.
    :param paginated_field: the key holding the rows.
    :raises ServiceResponseError: when the body is not a JSON page, or its ``page.rows`` /
        ``page.more`` is not an integer (both are then ints in the page returned).
    :return: the decoded page.
    """
    body = decode_json(response, what='page')
    if not isinstance(body, dict) or not isinstance(body.get('page'), dict):
        raise response_error(response, "The service sent a page without a 'page' object")
    if not isinstance(body.get(paginated_field, []), list):
        raise response_error(response, "The page's {field!r} is not a list".format(field=paginated_field))
    page = body['page']
    for key in ('rows', 'more'):
        if key in page and page[key] is not None:
            number = page_integer(page[key], allow_bool=key == 'more')
            if number is None:
                raise response_error(response, "The page's 'page.{key}' is not an integer".format(key=key))
            page[key] = number
    return body


def page_integer(value: Any, allow_bool: bool = False) -> Optional[int]:
    """Read ``page.rows``/``page.more`` of an answer: a non-negative int or a string of digits.

    :param value: the decoded value.
    :param allow_bool: accept ``true``/``false`` (``more``) as 1/0.
    :return: the integer, or None when the value is not one.
    """
    if isinstance(value, bool):
        return int(value) if allow_bool else None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


__all__ = ['check_response', 'check_412', 'build_result', 'page_json', 'decode_json', 'is_json', 'response_error']


def __getattr__(name: str) -> Any:
    # The reference's ``response`` module also holds IterableResponse (loaded on first use).
    if name == 'IterableResponse':
        from ambra_sdk.service.query.iterable import IterableResponse

        return IterableResponse
    raise AttributeError('module {mod!r} has no attribute {name!r}'.format(mod=__name__, name=name))
