"""A decorator for the deprecated addon methods.

It warns with :class:`DeprecationWarning` on every call and never touches
the global warning filters (the reference's decorator reset them).
"""

import functools
import warnings
from typing import Any, Callable, TypeVar, cast

F = TypeVar('F', bound=Callable[..., Any])

DOCS_URL = 'https://dicomgrid.github.io/sdk-python/addon.html'


def deprecated(replacement: str, anchor: str) -> Callable[[F], F]:
    """Mark a method as deprecated in favour of ``replacement``.

    :param replacement: the method to use instead (``api.Addon.Job.wait``).
    :param anchor: the anchor of its section in the addon docs (``job-wait``).
    :return: the decorator.
    """
    reason = 'Use {}: {}#{}'.format(replacement, DOCS_URL, anchor)

    def decorator(func: F) -> F:
        message = 'Call to deprecated method {}. ({})'.format(func.__name__, reason)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            warnings.warn(message, category=DeprecationWarning, stacklevel=2)
            return func(*args, **kwargs)

        wrapper.__doc__ = '{}\n\n.. deprecated:: 3.21.2.0\n   {}\n'.format(func.__doc__ or '', reason)
        return cast(F, wrapper)

    return decorator
