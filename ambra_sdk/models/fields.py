"""Field types of the models (service_spec §6.2).

A field validates values assigned on a model instance (:meth:`BaseField.validate`)
and converts filter values for the wire (:meth:`BaseField.for_request`).
"""

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Dict, overload


class BaseField:
    """Base of every field type.

    :param description: the data-dictionary comment of the column.
    """

    #: Python type of the values (documentation and ``__doc__`` only).
    python_type: ClassVar[type] = object

    def __init__(self, description: str = '') -> None:
        self.description = description

    if TYPE_CHECKING:  # pragma: no cover
        # The model metaclass replaces every field with a descriptor; these
        # signatures tell type checkers how the attributes behave.
        from ambra_sdk.models.base import FieldDescriptor

        @overload
        def __get__(self, instance: None, owner: Any) -> 'FieldDescriptor': ...

        @overload
        def __get__(self, instance: object, owner: Any) -> Any: ...

        def __get__(self, instance: Any, owner: Any) -> Any: ...

        def __set__(self, instance: Any, value: Any) -> None: ...

    def validate(self, value: Any) -> Any:
        """Return ``value`` converted to the field's Python type.

        :param value: the value to store.
        :raises ValueError: when it cannot be converted.
        """
        return value

    def for_request(self, value: Any) -> Any:
        """Return ``value`` as sent in a filter (by default :meth:`validate`).

        :param value: the filter value.
        """
        return self.validate(value)

    def __repr__(self) -> str:
        return '{cls}({description!r})'.format(cls=type(self).__name__, description=self.description)


class String(BaseField):
    """A text column (citext, char, text, memo, uuid)."""

    python_type = str

    def validate(self, value: Any) -> str:
        """Return ``str(value)``.

        :param value: the value to store.
        """
        return str(value)


class Boolean(BaseField):
    """A flag column; filters send ``'1'``/``'0'``."""

    python_type = bool

    def validate(self, value: Any) -> bool:
        """Return ``bool(value)``.

        :param value: the value to store.
        """
        return bool(value)

    def for_request(self, value: Any) -> str:
        """Return ``'1'`` for a true value, else ``'0'``.

        :param value: the filter value.
        """
        return '1' if self.validate(value) else '0'


class Integer(BaseField):
    """An integer column (ids, counters)."""

    python_type = int

    def validate(self, value: Any) -> int:
        """Return ``int(value)``.

        :param value: the value to store.
        :raises ValueError: for a value that is not an integer.
        """
        return int(value)


class Float(BaseField):
    """A double column."""

    python_type = float

    def validate(self, value: Any) -> float:
        """Return ``float(value)``.

        :param value: the value to store.
        :raises ValueError: for a value that is not a number.
        """
        return float(value)


class JsonB(BaseField):
    """A json column, kept as bytes (a str is UTF-8 encoded)."""

    python_type = bytes

    def validate(self, value: Any) -> bytes:
        """Return ``bytes(value)`` (``str`` values are UTF-8 encoded).

        :param value: the value to store.
        """
        if isinstance(value, str):
            return value.encode('utf-8')
        return bytes(value)


class Date(BaseField):
    """A date column: values must already be :class:`datetime.date`."""

    python_type = date

    def validate(self, value: Any) -> date:
        """Return ``value`` if it is a date.

        :param value: the value to store.
        :raises ValueError: for anything else.
        """
        if not isinstance(value, date):
            raise ValueError('{value!r} is not a date'.format(value=value))
        return value


class DateTime(BaseField):
    """A timestamp column: values must already be :class:`datetime.datetime`."""

    python_type = datetime

    def validate(self, value: Any) -> datetime:
        """Return ``value`` if it is a datetime.

        :param value: the value to store.
        :raises ValueError: for anything else.
        """
        if not isinstance(value, datetime):
            raise ValueError('{value!r} is not a datetime'.format(value=value))
        return value


class DictField(BaseField):
    """A key/value (kv) column."""

    python_type = dict

    def validate(self, value: Any) -> Dict[Any, Any]:
        """Return ``dict(value)``.

        :param value: the value to store.
        """
        return dict(value)


class FK(BaseField):
    """A link to another model (the object behind a foreign-key column).

    :param model: name of the target model in :mod:`ambra_sdk.models.generated`.
    :param description: the data-dictionary comment of the column.
    """

    def __init__(self, model: str, description: str = '') -> None:
        super().__init__(description)
        self.model = model

    if TYPE_CHECKING:  # pragma: no cover

        def __get__(self, instance: Any, owner: Any) -> Any: ...  # type: ignore[override]

    def validate(self, value: Any) -> Any:
        """FK values are checked by :class:`~ambra_sdk.models.base.ModelDescriptor`.

        :param value: unused.
        :raises RuntimeError: always.
        """
        raise RuntimeError('FK validated in descriptor')

    def __repr__(self) -> str:
        return 'FK(model={model!r}, description={description!r})'.format(
            model=self.model,
            description=self.description,
        )


__all__ = ['BaseField', 'Boolean', 'Date', 'DateTime', 'DictField', 'FK', 'Float', 'Integer', 'JsonB', 'String']
