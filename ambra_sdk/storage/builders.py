"""The reference's private per-method builders of the storage namespaces (``Study._schema`` ...).

In the reference each public storage method (``Study.schema``) called a
private builder of the same name with a leading underscore
(``Study._schema``) that returned the
:class:`~ambra_sdk.storage.request.PreparedRequest`; the public signature
was the builder's plus ``use_box`` (JSON methods) and ``only_prepare``, and
its users' checks compare the two. Here every method decorated with
:func:`~ambra_sdk.storage.typed.box_method` or
:func:`~ambra_sdk.storage.typed.response_method` gets its builder from
:func:`add_builders` (called by
:meth:`StorageNamespace.__init_subclass__ <ambra_sdk.storage.namespace.StorageNamespace.__init_subclass__>`):
the same parameters without ``use_box``/``only_prepare``, returning the
public method's ``only_prepare=True`` result (the same validation, URL and
query). Nothing is hand-written per method.
"""

import inspect
from typing import Any, Callable

from ambra_sdk.storage.request import PreparedRequest
from ambra_sdk.storage.typed import MARK

#: Parameters of the public methods that their builders do not have.
MODE_PARAMETERS = ('use_box', 'only_prepare')

__all__ = ['MARK', 'add_builders', 'make_builder']


def make_builder(method: Callable[..., Any]) -> Callable[..., PreparedRequest]:
    """Return the builder of a public storage method.

    :param method: the public method (its last parameters are ``use_box``/``only_prepare``).
    :return: ``_<name>(self, ...)`` with the same parameters but those two,
        returning the prepared request (nothing is sent).
    """
    signature = inspect.signature(method)
    parameters = [param for name, param in signature.parameters.items() if name not in MODE_PARAMETERS]
    builder_signature = signature.replace(parameters=parameters, return_annotation=PreparedRequest)

    def builder(*args: Any, **kwargs: Any) -> PreparedRequest:
        bound = builder_signature.bind(*args, **kwargs)  # a TypeError names a wrong argument, as a real builder
        return method(*bound.args, only_prepare=True, **bound.kwargs)  # type: ignore[no-any-return]

    name = '_{0}'.format(method.__name__)
    builder.__name__ = name
    builder.__qualname__ = method.__qualname__.rsplit('.', 1)[0] + '.' + name if '.' in method.__qualname__ else name
    builder.__module__ = method.__module__
    builder.__doc__ = 'Build the request of :meth:`{0}` without sending it (the reference\'s builder).'.format(
        method.__name__,
    )
    builder.__signature__ = builder_signature  # type: ignore[attr-defined]
    return builder


def add_builders(cls: type) -> None:
    """Give ``cls`` a builder ``_<name>`` for each storage method it defines.

    :param cls: a storage namespace class.
    :raises TypeError: ``cls`` already has an attribute of a builder's name.
    """
    for name, value in list(vars(cls).items()):
        if not getattr(value, MARK, False):
            continue
        builder_name = '_{0}'.format(name)
        if builder_name in vars(cls):
            raise TypeError('{0}.{1} exists: it would hide the builder of {2}'.format(cls.__name__, builder_name, name))
        setattr(cls, builder_name, make_builder(value))
