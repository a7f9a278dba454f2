"""Model machinery: metaclass, field and FK descriptors (service_spec §6.3).

Models are typed helpers for building filters, sorters and ``only`` arguments::

    Study.patient_name == 'Doe'          # Filter('patient_name', equals, 'Doe')
    Study.created.desc()                 # Sorter('created', descending)
    Account.role.permissions._full_name  # 'Account.role.permissions'

They are never built from responses (service calls return boxes).
:mod:`ambra_sdk.service.filtering` and :mod:`ambra_sdk.service.sorting` are
imported lazily so that importing a model stays cheap.
"""

import copy
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Dict, List, Optional, Tuple, Type

from ambra_sdk.models.fields import FK, BaseField, String

if TYPE_CHECKING:  # pragma: no cover
    from ambra_sdk.service.filtering import Filter
    from ambra_sdk.service.sorting import Sorter

#: Module that holds the FK target models.
GENERATED_MODULE = 'ambra_sdk.models.generated'


class _NamedField:
    """What the three mixins of :class:`FieldDescriptor` share: the field, its name and its models."""

    _name: str
    _field: BaseField
    _parent: Optional[type]

    @property
    def parents(self) -> List[type]:
        """The model classes from the root model down to this field's own model.

        ``Account.role.name.parents`` is ``[Account, <Role bound as role>]``.
        """
        chain: List[type] = []
        parent: Optional[type] = self._parent
        while parent is not None:
            chain.insert(0, parent)
            parent = getattr(parent, '_parent', None)
        return chain

    @property
    def _full_name(self) -> str:
        parts = [getattr(parent, '_name', parent.__name__) for parent in self.parents]
        return '.'.join([*parts, self._name])

    def _filter_name(self, full_name: bool) -> str:
        return self._full_name if full_name else self._name


class WithOnly(_NamedField):
    """``get_only`` of a field descriptor.

    The reference's mixin; the query mixin is :class:`ambra_sdk.service.only.WithOnly`.
    """

    def get_only(self) -> Dict[str, List[str]]:
        """Return the ``only`` structure for this field: ``{'study': ['uuid']}``."""
        parent_name = getattr(self._parent, '_name', '') if self._parent is not None else ''
        return {parent_name.lower(): [self._name]}


class WithSorting(_NamedField):
    """``asc``/``desc`` of a field descriptor.

    The reference's mixin; the query mixin is :class:`ambra_sdk.service.sorting.WithSorting`.
    """

    def asc(self, full_name: bool = False) -> 'Sorter':
        """Sort ascending by this field.

        :param full_name: use the dotted name (``Account.role.name``).
        """
        from ambra_sdk.service.sorting import Sorter, SortingOrder

        return Sorter(field_name=self._filter_name(full_name), order=SortingOrder.ascending)

    def desc(self, full_name: bool = False) -> 'Sorter':
        """Sort descending by this field.

        :param full_name: use the dotted name (``Account.role.name``).
        """
        from ambra_sdk.service.sorting import Sorter, SortingOrder

        return Sorter(field_name=self._filter_name(full_name), order=SortingOrder.descending)


class WithFiltering(_NamedField):
    """Filters (``equals``... ``like``) and comparison operators of a field descriptor.

    The reference's mixin; the query mixin is :class:`ambra_sdk.service.filtering.WithFilter`.
    """

    def _filter(self, condition_name: str, value: Any, full_name: bool) -> 'Filter':
        from ambra_sdk.service.filtering import Filter, FilterCondition

        return Filter(self._filter_name(full_name), FilterCondition[condition_name], self._field.for_request(value))

    def equals(self, value: Any, full_name: bool = False) -> 'Filter':
        """Filter ``field = value``.

        :param value: the value (converted with the field's ``for_request``).
        :param full_name: use the dotted name.
        """
        return self._filter('equals', value, full_name)

    def equals_or_null(self, value: Any, full_name: bool = False) -> 'Filter':
        """Filter ``field = value or field is null``.

        :param value: the value.
        :param full_name: use the dotted name.
        """
        return self._filter('equals_or_null', value, full_name)

    def not_equals(self, value: Any, full_name: bool = False) -> 'Filter':
        """Filter ``field != value``.

        :param value: the value.
        :param full_name: use the dotted name.
        """
        return self._filter('not_equals', value, full_name)

    def not_equals_or_null(self, value: Any, full_name: bool = False) -> 'Filter':
        """Filter ``field != value or field is null``.

        :param value: the value.
        :param full_name: use the dotted name.
        """
        return self._filter('not_equals_or_null', value, full_name)

    def gt(self, value: Any, full_name: bool = False) -> 'Filter':
        """Filter ``field > value``.

        :param value: the value.
        :param full_name: use the dotted name.
        """
        return self._filter('gt', value, full_name)

    def ge(self, value: Any, full_name: bool = False) -> 'Filter':
        """Filter ``field >= value``.

        :param value: the value.
        :param full_name: use the dotted name.
        """
        return self._filter('ge', value, full_name)

    def lt(self, value: Any, full_name: bool = False) -> 'Filter':
        """Filter ``field < value``.

        :param value: the value.
        :param full_name: use the dotted name.
        """
        return self._filter('lt', value, full_name)

    def le(self, value: Any, full_name: bool = False) -> 'Filter':
        """Filter ``field <= value``.

        :param value: the value.
        :param full_name: use the dotted name.
        """
        return self._filter('le', value, full_name)

    def _in(self, condition_name: str, values: Any, full_name: bool) -> 'Filter':
        from ambra_sdk.service.filtering import Filter, FilterCondition

        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise ValueError('Value is not iterable')
        return Filter(self._filter_name(full_name), FilterCondition[condition_name], json.dumps(list(values)))

    def in_condition(self, values: Any, full_name: bool = False) -> 'Filter':
        """Filter ``field in values`` (sent as a JSON array, items unconverted).

        :param values: an iterable of values.
        :param full_name: use the dotted name.
        :raises ValueError: when ``values`` is not iterable.
        """
        return self._in('in_condition', values, full_name)

    def in_or_null(self, values: Any, full_name: bool = False) -> 'Filter':
        """Filter ``field in values or field is null``.

        :param values: an iterable of values.
        :param full_name: use the dotted name.
        :raises ValueError: when ``values`` is not iterable.
        """
        return self._in('in_or_null', values, full_name)

    def like(self, value: Any, full_name: bool = True) -> 'Filter':
        """Filter ``field like value`` (String fields only, value sent as is).

        Like the reference, ``full_name`` defaults to True here.

        :param value: the pattern.
        :param full_name: use the dotted name.
        :raises ValueError: on a field that is not a String.
        """
        from ambra_sdk.service.filtering import Filter, FilterCondition

        if not isinstance(self._field, String):
            raise ValueError('Use like for not string field')
        return Filter(self._filter_name(full_name), FilterCondition.like, value)

    # operators -----------------------------------------------------------------------

    def __eq__(self, value: Any) -> 'Filter':  # type: ignore[override]
        return self.equals(value)

    def __ne__(self, value: Any) -> 'Filter':  # type: ignore[override]
        return self.not_equals(value)

    def __gt__(self, value: Any) -> 'Filter':
        return self.gt(value)

    def __ge__(self, value: Any) -> 'Filter':
        return self.ge(value)

    def __lt__(self, value: Any) -> 'Filter':
        return self.lt(value)

    def __le__(self, value: Any) -> 'Filter':
        return self.le(value)

    __hash__ = None  # type: ignore[assignment]


class FieldDescriptor(WithSorting, WithFiltering, WithOnly):
    """A model field seen from the class (filter/sort builder) or an instance (value).

    :param field: the field object.
    :param name: attribute name of the field.
    :param parent: the model class that owns the field.

    ``FieldDescriptor(name, field, parent)`` (the order of earlier versions
    of this SDK) works too: the field is told apart by its type.
    """

    def __init__(self, field: Any, name: Any, parent: Optional[type] = None) -> None:
        if isinstance(field, str) and isinstance(name, BaseField):
            field, name = name, field
        if not isinstance(field, BaseField) or not isinstance(name, str):
            raise TypeError('FieldDescriptor(field, name, parent): field must be a BaseField, name a str')
        self._name = name
        self._field = field
        self._parent = parent
        self.__doc__ = '{kind}({description})'.format(kind=type(field).__name__, description=field.description)

    # descriptor protocol -------------------------------------------------------------

    def __get__(self, instance: Optional['BaseModel'], owner: Optional[type] = None) -> Any:
        if instance is None:
            return self
        return instance.__dict__.get(self._name)

    def __set__(self, instance: 'BaseModel', value: Any) -> None:
        if value is not None:
            value = self._field.validate(value)
        instance.__dict__[self._name] = value

    def __repr__(self) -> str:
        return '<FieldDescriptor {name}: {field!r}>'.format(name=self._full_name, field=self._field)


class ModelDescriptor:
    """A foreign-key link: on the class, a copy of the target model bound to this path.

    ``Account.role`` is a copy of ``Role`` whose ``_name`` is ``role`` and whose
    ``_parent`` is ``Account``, so ``Account.role.name._full_name`` is
    ``'Account.role.name'``.

    :param model_name: name of the target model in :mod:`ambra_sdk.models.generated`.
    :param field_name: attribute name of the link.
    :param description: the data-dictionary comment.
    """

    def __init__(self, model_name: str, field_name: str, description: str = '') -> None:
        self._model_name = model_name
        self._name = field_name
        self.__doc__ = 'FK({model}: {description})'.format(model=model_name, description=description)
        self._copies: Dict[type, Dict[str, type]] = {}  # owner -> the target and its bound copy
        #: The target model class itself; when set (as the reference allowed) it wins over ``model_name``.
        self._from_model: Optional[Type[BaseModel]] = None

    def target(self) -> Type['BaseModel']:
        """Return the target model class (``_from_model`` when it is set).

        :raises AttributeError: when the target is not a generated model (7 reference
            targets such as ``Archive`` or ``SelfField`` do not exist).
        """
        if self._from_model is not None:
            return self._from_model
        import importlib

        module = importlib.import_module(GENERATED_MODULE)
        try:
            model: Type[BaseModel] = getattr(module, self._model_name)
        except AttributeError:
            raise AttributeError(
                'FK target model {model!r} of {name!r} does not exist'.format(model=self._model_name, name=self._name),
            ) from None
        return model

    def __get__(self, instance: Optional['BaseModel'], owner: Optional[type] = None) -> Any:
        if instance is not None:
            return instance.__dict__.get(self._name)
        if owner is None:  # pragma: no cover
            return self
        target = self.target()
        if self._copies.get(owner, {}).get('target') is not target:
            namespace = {k: v for k, v in target.__dict__.items() if k not in ('__dict__', '__weakref__')}
            for klass in target.__mro__[1:]:  # inherited fields (a subclass as _from_model) are re-parented too
                for key, value in vars(klass).items():
                    if isinstance(value, (FieldDescriptor, ModelDescriptor)):
                        namespace.setdefault(key, value)
            metaclass: Any = type(target)
            bound: Any = metaclass(target.__name__, target.__bases__, namespace)
            bound._name = self._name
            bound._parent = owner
            self._copies[owner] = {'target': target, 'bound': bound}
        return self._copies[owner]['bound']

    def __set__(self, instance: 'BaseModel', value: Any) -> None:
        if value is not None and not isinstance(value, self.target()):
            raise ValueError(
                '{name} must be a {model} instance or None'.format(name=self._name, model=self._model_name),
            )
        instance.__dict__[self._name] = value


class BaseMetaModel(type):
    """Turns field attributes into descriptors and names the class."""

    def __new__(mcs, name: str, bases: Tuple[type, ...], attrs: Dict[str, Any]) -> 'BaseMetaModel':
        cls = super().__new__(mcs, name, bases, dict(attrs))
        for attr, value in attrs.items():
            if isinstance(value, FK):
                setattr(cls, attr, ModelDescriptor(value.model, attr, value.description))
            elif isinstance(value, BaseField):
                setattr(cls, attr, FieldDescriptor(value, attr, cls))
            elif isinstance(value, FieldDescriptor):
                descriptor = copy.copy(value)
                descriptor._parent = cls
                setattr(cls, attr, descriptor)
            elif isinstance(value, ModelDescriptor):
                setattr(cls, attr, ModelDescriptor(value._model_name, value._name))
        cls._name = name  # type: ignore[attr-defined]
        return cls


class BaseModel(metaclass=BaseMetaModel):
    """Base class of every model.

    Generated models define a keyword-only ``__init__`` with every field; this
    generic one accepts any declared field as a keyword.
    """

    _name: ClassVar[str] = 'BaseModel'
    _parent: ClassVar[Optional[type]] = None

    def __init__(self, **kwargs: Any) -> None:
        for key, value in kwargs.items():
            if not isinstance(getattr(type(self), key, None), (FieldDescriptor, ModelDescriptor)):
                raise TypeError('{cls} has no field {key!r}'.format(cls=type(self).__name__, key=key))
            setattr(self, key, value)

    @classmethod
    def fields(cls) -> List[str]:
        """Names of the fields of the model, in declaration order."""
        names: List[str] = []
        for klass in reversed(cls.__mro__):
            for key, value in vars(klass).items():
                if isinstance(value, (FieldDescriptor, ModelDescriptor)) and key not in names:
                    names.append(key)
        return names

    def __repr__(self) -> str:
        values = ', '.join(
            '{key}={value!r}'.format(key=key, value=self.__dict__[key]) for key in self.fields()
            if self.__dict__.get(key) is not None
        )
        return '{cls}({values})'.format(cls=type(self).__name__, values=values)


__all__ = [
    'BaseMetaModel', 'BaseModel', 'FieldDescriptor', 'ModelDescriptor', 'WithFiltering', 'WithOnly', 'WithSorting',
]
