"""The reference's ``base_response`` import path.

``BaseIterableResponse`` is :class:`~ambra_sdk.service.query.iterable.IterableResponse`
(no async twin); both checks go through the one mapper,
:func:`~ambra_sdk.service.response.response.check_response`.
"""

from typing import TYPE_CHECKING, Any, Union

import requests

from ambra_sdk.service.response.response import check_412, check_response

if TYPE_CHECKING:
    from ambra_sdk.service.query.iterable import IterableResponse as BaseIterableResponse


def check_401_405(status_code: Union[int, requests.Response]) -> None:
    """Raise for a 401 or a 405 status, return for any other.

    :param status_code: the HTTP status (the reference's keyword), or the
        service response itself.
    :raises AuthorizationRequired: on 401.
    :raises MethodNotAllowed: on 405.
    """
    if isinstance(status_code, requests.Response):
        response = status_code
    else:
        response = requests.Response()
        response.status_code = int(status_code)
        response._content = b''  # noqa: SLF001 (an empty answer of that status)
    if response.status_code in {401, 405}:
        check_response(response, None)


def __getattr__(name: str) -> Any:
    if name == 'BaseIterableResponse':
        from ambra_sdk.service.query.iterable import IterableResponse

        return IterableResponse
    raise AttributeError('module {mod!r} has no attribute {name!r}'.format(mod=__name__, name=name))


__all__ = ['BaseIterableResponse', 'check_401_405', 'check_412']
