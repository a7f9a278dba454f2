"""What type checkers see of a storage method: one result type per ``use_box``/``only_prepare`` mode.

A storage method is written once, with the signature of its default mode
(``use_box: UseBox = True``, ``only_prepare: OnlyPrepare = False``, where the
two aliases are ``Literal[True]`` and ``Literal[False]``), and decorated::

    @box_method(ImageJsonBox)
    def image_json(self, engine_fqdn: str, ..., use_box: UseBox = True,
                   only_prepare: OnlyPrepare = False) -> BoxResult:

    @response_method
    def thumbnail(self, engine_fqdn: str, ..., only_prepare: OnlyPrepare = False) -> ResponseResult:

At run time both decorators return the function unchanged (same object, same
``inspect.signature``; they only mark it, and the namespace class then gets
its private builder ``_<name>``, see :mod:`ambra_sdk.storage.builders`). For
a type checker the method becomes a descriptor whose call is overloaded (the overloads are written once, here):

============================================  ===================  ====================
call                                          ``@box_method(B)``   ``@response_method``
============================================  ===================  ====================
default (checked against the full signature)  ``B``                ``Response``
``use_box=False``                             ``Response``         (no such argument)
``only_prepare=True``                         ``PreparedRequest``  ``PreparedRequest``
a ``bool`` variable as ``use_box``            ``B | Response``     (no such argument)
a ``bool`` variable as ``only_prepare``       ``B | Response |     ``Response |
                                              PreparedRequest``    PreparedRequest``
============================================  ===================  ====================

The flags select a mode when passed by keyword (as the documentation does);
the arguments of the other modes are not checked one by one.
"""

from typing import TYPE_CHECKING, Any, Callable, Type, TypeVar, Union

try:  # Python 3.8+
    from typing import Literal
except ImportError:  # pragma: no cover
    from typing_extensions import Literal  # type: ignore[assignment]

#: The type of ``use_box`` in a method's own signature (its default mode).
UseBox = Literal[True]
#: The type of ``only_prepare`` in a method's own signature (its default mode).
OnlyPrepare = Literal[False]

#: Attribute marking a storage method (its class gets its builder): :data:`ambra_sdk.storage.builders.MARK`.
MARK = '__ambra_storage_method__'

BoxT = TypeVar('BoxT')
SelfT = TypeVar('SelfT')

if TYPE_CHECKING:  # pragma: no cover - typing only (ParamSpec is typing_extensions on 3.9)
    from requests import Response
    from typing_extensions import Concatenate, ParamSpec, Protocol, overload

    from ambra_sdk.storage.request import PreparedRequest

    P = ParamSpec('P')
    B_co = TypeVar('B_co', covariant=True)
    S_contra = TypeVar('S_contra', contravariant=True)

    class BoundBoxMethod(Protocol[P, B_co]):
        """A storage method with ``use_box``, bound to its namespace."""

        @overload
        def __call__(self, *args: Any, only_prepare: Literal[True], **kwargs: Any) -> PreparedRequest: ...

        @overload
        def __call__(
            self, *args: Any, use_box: Literal[False], only_prepare: Literal[False] = ..., **kwargs: Any,
        ) -> Response: ...

        @overload
        def __call__(self, *args: P.args, **kwargs: P.kwargs) -> B_co: ...

        @overload
        def __call__(self, *args: Any, use_box: bool, only_prepare: Literal[False] = ..., **kwargs: Any) -> Union[
            B_co, Response,
        ]: ...

        @overload
        def __call__(self, *args: Any, only_prepare: bool, **kwargs: Any) -> Union[
            B_co, Response, PreparedRequest,
        ]: ...

    class BoxMethod(Protocol[S_contra, P, B_co]):
        """A storage method with ``use_box``, on its class."""

        @overload
        def __get__(self, instance: None, owner: Any) -> 'BoxMethod[S_contra, P, B_co]': ...

        @overload
        def __get__(self, instance: S_contra, owner: Any) -> BoundBoxMethod[P, B_co]: ...

    class BoundResponseMethod(Protocol[P]):
        """A storage method without ``use_box``, bound to its namespace."""

        @overload
        def __call__(self, *args: Any, only_prepare: Literal[True], **kwargs: Any) -> PreparedRequest: ...  # type: ignore[overload-overlap]

        @overload
        def __call__(self, *args: P.args, **kwargs: P.kwargs) -> Response: ...

        @overload
        def __call__(self, *args: Any, only_prepare: bool, **kwargs: Any) -> Union[Response, PreparedRequest]: ...

    class ResponseMethod(Protocol[S_contra, P]):
        """A storage method without ``use_box``, on its class."""

        @overload
        def __get__(self, instance: None, owner: Any) -> 'ResponseMethod[S_contra, P]': ...  # type: ignore[overload-overlap]

        @overload
        def __get__(self, instance: S_contra, owner: Any) -> BoundResponseMethod[P]: ...


def box_method(
    box_class: Type[BoxT],
) -> 'Callable[[Callable[Concatenate[SelfT, P], Any]], BoxMethod[SelfT, P, BoxT]]':
    """Type a storage method that has ``use_box``: its default call returns ``box_class``.

    :param box_class: what the default call returns (``Box``, ``ImageJsonBox``, ``JsonBox``).
    :return: a decorator returning the method unchanged.
    """

    def decorator(method: 'Callable[Concatenate[SelfT, P], Any]') -> 'BoxMethod[SelfT, P, BoxT]':
        setattr(method, MARK, True)
        return method  # type: ignore[return-value]

    return decorator


def response_method(method: 'Callable[Concatenate[SelfT, P], Any]') -> 'ResponseMethod[SelfT, P]':
    """Type a storage method without ``use_box``: its default call returns a ``Response``.

    :param method: the method.
    :return: the method, unchanged.
    """
    setattr(method, MARK, True)
    return method  # type: ignore[return-value]


__all__ = ['OnlyPrepare', 'UseBox', 'box_method', 'response_method']
