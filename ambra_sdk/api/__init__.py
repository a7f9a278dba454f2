"""The SDK's entry point: :class:`Api`.

The reference's ``AsyncApi`` is absent by design: this SDK is synchronous
(see ``docs/source/differences.rst``).
"""

from typing import Any

from ambra_sdk.api.api import Api

#: Where the absence of the async surface is explained.
ASYNC_DOCS = 'docs/source/differences.rst, section "The async surface is absent"'

_ASYNC_NAMES = frozenset({'AsyncApi'})


def __getattr__(name: str) -> Any:
    if name in _ASYNC_NAMES:
        raise ImportError(
            '{name} is not part of this SDK: it is synchronous by design (the reference\'s async '
            'client is absent). Use ambra_sdk.api.Api, with threads for concurrency; see {docs}.'.format(
                name=name,
                docs=ASYNC_DOCS,
            ),
            name=name,
        )
    raise AttributeError('module {mod!r} has no attribute {name!r}'.format(mod=__name__, name=name))


__all__ = ['Api']
