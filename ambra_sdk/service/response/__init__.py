"""Service responses (package, as in the reference: ``.response``, ``.base_response``).

The error mapper is :func:`ambra_sdk.service.response.response.check_response`.
``IterableResponse`` is loaded on first use (it pulls in the query machinery).
"""

from typing import TYPE_CHECKING, Any

from ambra_sdk.service.response.response import (
    RESPONSE_TEXT_LIMIT,
    build_result,
    check_412,
    check_response,
    decode_json,
    is_json,
    page_json,
    response_error,
)

if TYPE_CHECKING:
    from ambra_sdk.service.query.iterable import IterableResponse


def __getattr__(name: str) -> Any:
    if name == 'IterableResponse':
        from ambra_sdk.service.query.iterable import IterableResponse

        return IterableResponse
    raise AttributeError('module {mod!r} has no attribute {name!r}'.format(mod=__name__, name=name))


__all__ = [
    'IterableResponse',
    'RESPONSE_TEXT_LIMIT',
    'build_result',
    'check_412',
    'check_response',
    'decode_json',
    'is_json',
    'page_json',
    'response_error',
]
