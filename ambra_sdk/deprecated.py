"""``deprecated``: the reference's decorator for deprecated functions and classes.

``@deprecated`` or ``@deprecated('use X')`` makes every call warn with
:class:`DeprecationWarning` (``'Call to deprecated function {name} ({reason}).'``,
``'class'`` for classes). Unlike the reference it never changes the global
warning filters (see ``docs/source/differences.rst``).
"""

import functools
import inspect
import warnings
from typing import Any, Callable, Optional, TypeVar, Union, cast, overload

F = TypeVar('F', bound=Callable[..., Any])


def _wrap(func: F, reason: Optional[str]) -> F:
    kind = 'class' if inspect.isclass(func) else 'function'
    message = 'Call to deprecated {kind} {name}'.format(kind=kind, name=func.__name__)
    message += ' ({reason}).'.format(reason=reason) if reason is not None else '.'

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(message, category=DeprecationWarning, stacklevel=2)
        return func(*args, **kwargs)

    return cast(F, wrapper)


@overload
def deprecated(reason: str) -> Callable[[F], F]: ...


@overload
def deprecated(reason: F) -> F: ...


def deprecated(reason: Union[str, F]) -> Union[Callable[[F], F], F]:
    """Mark a function or a class as deprecated.

    :param reason: why, and what to use instead; or the decorated object itself
        when used bare (``@deprecated``).
    :return: the decorator, or the wrapped object.
    :raises TypeError: ``reason`` is neither a str nor a function or class.
    """
    if isinstance(reason, str):
        text = reason

        def decorator(func: F) -> F:
            return _wrap(func, text)

        return decorator
    if inspect.isclass(reason) or inspect.isfunction(reason) or inspect.ismethod(reason):
        return _wrap(reason, None)
    raise TypeError(repr(type(reason)))


__all__ = ['deprecated']
