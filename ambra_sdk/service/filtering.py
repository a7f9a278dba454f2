"""Filters of list methods: ``filter.<field>.<condition>=<value>`` form keys.

Server notes: dates may be written ``YYYY-MM-DD``, ``YYYYMMDD`` or
``YYYY-MM-DD hh:mm:ss[.uuuuuu][(+|-)ZZ[:ZZ]]``. ``filter.tz`` takes a numeric
offset (``-04:00``) or an Olson name; the server uses the user's time zone
first, then ``filter.tz``, then UTC.
"""

from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Dict, NamedTuple, TypeVar, Union

from ambra_sdk.request_args import RequestArgs, cast_argument

TZ_KEY = 'filter.tz'


class FilterCondition(Enum):
    """Filter conditions and their wire names."""

    equals = 'equals'
    equals_or_null = 'equals_or_null'
    not_equals = 'not_equals'
    not_equals_or_null = 'not_equals_or_null'
    like = 'like'
    gt = 'gt'
    ge = 'ge'
    lt = 'lt'
    le = 'le'
    in_condition = 'in'
    in_or_null = 'in_or_null'


class Filter(NamedTuple):
    """One filter: ``Filter('name', FilterCondition.equals, 'Acme')``.

    :param field_name: the field to filter on.
    :param condition: a :class:`FilterCondition` (or its wire value, e.g. ``'in'``).
    :param value: the value; lists and dicts are sent as JSON, dates as
        ``YYYY-MM-DD hh:mm:ss`` (an aware datetime also sets ``filter.tz``).
    """

    field_name: str
    condition: Union[FilterCondition, str]
    value: Any


def _allowed_conditions() -> str:
    return ', '.join(
        'FilterCondition.{name} ({value!r})'.format(name=member.name, value=member.value)
        for member in FilterCondition
    )


def to_condition(condition: Any) -> FilterCondition:
    """Return the :class:`FilterCondition` for a member or its wire value.

    :param condition: ``FilterCondition.gt``, ``'gt'``, ``'in'``...
    :raises ValueError: for anything else; the message lists the allowed values.
    :return: the condition.
    """
    if isinstance(condition, FilterCondition):
        return condition
    if isinstance(condition, str):
        for member in FilterCondition:
            if condition == member.value:
                return member
    raise ValueError(
        'Invalid filter condition {condition!r}. Allowed values: {allowed}'.format(
            condition=condition,
            allowed=_allowed_conditions(),
        ),
    )


def format_utc_offset(offset: timedelta) -> str:
    """Format a UTC offset as ``+HH:MM`` / ``-HH:MM`` (seconds are dropped).

    Unlike the reference, negative offsets that are not whole hours are right:
    ``-3:30`` gives ``-03:30`` (the reference wrote ``-04:30``).

    :param offset: the offset (``tzinfo.utcoffset(value)``).
    :raises ValueError: ``'Wrong timezone'`` when it is more than 24 hours.
    :return: the offset string.
    """
    total_seconds = offset.total_seconds()
    sign = '-' if total_seconds < 0 else '+'
    hours, minutes = divmod(int(abs(total_seconds)) // 60, 60)
    if hours > 24:
        raise ValueError('Wrong timezone')
    return '{sign}{hours:02d}:{minutes:02d}'.format(sign=sign, hours=hours, minutes=minutes)


QueryT = TypeVar('QueryT', bound='WithFilter')


class WithFilter:
    """Mixin adding :meth:`filter_by` to a query."""

    request_args: RequestArgs

    def filter_by(self: QueryT, filter_obj: Filter, validate: bool = True) -> QueryT:
        """Add a filter (the same field and condition again overwrites it).

        :param filter_obj: the filter, e.g. ``Filter('name', FilterCondition.equals, 'Acme')``
            or ``Account.name == 'Acme'``.
        :param validate: check the field name against the vendor data dictionary
            (a field that surely does not exist raises ``ValueError``).
        :raises ValueError: for an unknown condition or field, or datetimes in different time zones.
        :return: this query.
        """
        condition = to_condition(filter_obj.condition)
        if validate:
            from ambra_sdk.service.field_check import check_filter_field

            check_filter_field(
                getattr(self, 'url', ''), getattr(self, '_paginated_field', None), filter_obj.field_name,
            )
        data: Dict[str, Any] = self.request_args.data or {}
        value = filter_obj.value
        if isinstance(value, datetime) and value.tzinfo is not None:
            offset = value.tzinfo.utcoffset(value)
            if offset is None:
                raise ValueError('Unknown offset')
            offset_str = format_utc_offset(offset)
            current = data.get(TZ_KEY)
            if current is not None and current != offset_str:
                raise ValueError(
                    'Use one timezone for all datetimes in requtest: {tz} is already set, got {new}'.format(
                        tz=current,
                        new=offset_str,
                    ),
                )
            data[TZ_KEY] = offset_str
            value = value.replace(tzinfo=None)
        key = 'filter.{field}.{condition}'.format(field=filter_obj.field_name, condition=condition.value)
        data[key] = cast_argument(value)
        self.request_args.data = data
        return self
