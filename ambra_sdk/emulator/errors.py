"""Exceptions a route raises to produce the vendor's error responses.

* :class:`ServiceError` -> HTTP 412 with the documented JSON
  ``{"status": "ERROR", "error_type": ..., "error_subtype": ..., "error_data": ...}``.
* :class:`AuthorizationRequiredError` -> HTTP 401 ("Authorization required").
* :class:`MethodNotAllowedError` -> HTTP 405 ("The call must be a POST not a GET").
* :class:`EndpointNotFoundError` -> HTTP 404 (unknown URL).
"""

from __future__ import annotations

import functools
from typing import Any, Iterable, Optional, Sequence, Union

__all__ = [
    'EmulatorError',
    'ServiceError',
    'AuthorizationRequiredError',
    'MethodNotAllowedError',
    'EndpointNotFoundError',
    'missing_fields',
    'not_found',
    'not_permitted',
    'invalid_json',
    'documented_tokens',
    'documented_error',
]


class EmulatorError(Exception):
    """Base class: an error answer with an HTTP status."""

    status = 500

    def body(self) -> dict[str, Any]:
        """Return the JSON body of the error answer."""
        return {'status': 'ERROR', 'error_type': type(self).__name__}


class ServiceError(EmulatorError):
    """A vendor "412 Precondition failed" error.

    :param error_type: token such as ``NOT_FOUND`` or ``MISSING_FIELDS``.
    :param error_subtype: optional subtype (a string or a JSON value).
    :param error_data: optional extra data.
    """

    status = 412

    def __init__(
        self,
        error_type: Union[str, list[str]],
        error_subtype: Any = None,
        error_data: Any = None,
    ) -> None:
        super().__init__(error_type if isinstance(error_type, str) else error_type[0])
        self.error_type = error_type
        self.error_subtype = error_subtype
        self.error_data = error_data

    def body(self) -> dict[str, Any]:
        """Return the vendor error structure (optional keys only when set)."""
        out: dict[str, Any] = {'status': 'ERROR', 'error_type': self.error_type}
        if self.error_subtype is not None:
            out['error_subtype'] = self.error_subtype
        if self.error_data is not None:
            out['error_data'] = self.error_data
        return out


class AuthorizationRequiredError(EmulatorError):
    """401: the call needs a valid sid, basic authentication or an OAuth token."""

    status = 401

    def body(self) -> dict[str, Any]:
        """Return the 401 body."""
        return {'status': 'ERROR', 'error_type': 'AUTHORIZATION_REQUIRED'}


class MethodNotAllowedError(EmulatorError):
    """405: the call must be a POST not a GET (or the HTTP method is neither)."""

    status = 405

    def body(self) -> dict[str, Any]:
        """Return the 405 body."""
        return {'status': 'ERROR', 'error_type': 'METHOD_NOT_ALLOWED'}


class EndpointNotFoundError(EmulatorError):
    """404: no such endpoint."""

    status = 404

    def body(self) -> dict[str, Any]:
        """Return the 404 body."""
        return {'status': 'ERROR', 'error_type': 'NOT_FOUND'}


def missing_fields(names: Iterable[str]) -> ServiceError:
    """Build the ``MISSING_FIELDS`` error.

    The vendor doc puts the list of missing fields in ``error_subtype``; the
    emulator also repeats it in ``error_data`` for convenience.
    """
    listed = list(names)
    return ServiceError('MISSING_FIELDS', listed, listed)


def not_found(subtype: Optional[str] = None) -> ServiceError:
    """Build a ``NOT_FOUND`` error (subtype = the key that was not found)."""
    return ServiceError('NOT_FOUND', subtype)


def not_permitted(subtype: Optional[str] = None) -> ServiceError:
    """Build a ``NOT_PERMITTED`` error."""
    return ServiceError('NOT_PERMITTED', subtype)


def invalid_json(name: str) -> ServiceError:
    """Build the ``INVALID_JSON`` error for the parameter ``name``.

    The server names the parameter twice: ``error_type`` is the list
    ``["INVALID_JSON", name]`` (service_spec: "the error type may be a list")
    and ``error_subtype`` holds the name, as the vendor document says.
    """
    return ServiceError(['INVALID_JSON', name], name)


@functools.cache
def _catalogue() -> dict[str, frozenset[str]]:
    # the emulator serves every document's calls: the union's error lists (v47 and v55)
    from ambra_sdk.service.spec import load_all_endpoints

    return {str(e['url']): frozenset(str(x['type']) for x in e.get('errors') or ()) for e in load_all_endpoints()}


def documented_tokens(url: str) -> Optional[frozenset[str]]:
    """The ``error_type`` tokens the vendor document lists for a call (None: a call it does not have)."""
    return _catalogue().get(url)


def documented_error(url: str, tokens: Sequence[str], subtype: Any = None) -> Optional[ServiceError]:
    """The error of the first of ``tokens`` the document lists for ``url``, or None when it lists none.

    THE way a check shared by many calls (a malformed flag, integer or JSON
    value, an unknown object) keeps to each call's documented errors: it
    answers its token where the call documents it and, where it does not,
    does something documented instead (the caller ignores the value, or
    falls back to a generic token). A call the document does not have (the
    undocumented ``/account/add``...) takes the first token.
    """
    listed = documented_tokens(url)
    for token in tokens:
        if listed is None or token in listed:
            if token == 'INVALID_JSON':
                return invalid_json(str(subtype))
            return ServiceError(token, subtype)
    return None
