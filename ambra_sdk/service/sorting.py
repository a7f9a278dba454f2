"""Sorting of list methods: the ``sort_by`` form key (``created-asc,patient_name-desc``)."""

from enum import Enum
from typing import NamedTuple, TypeVar, Union

from ambra_sdk.request_args import RequestArgs

SORT_KEY = 'sort_by'


class SortingOrder(Enum):
    """Sorting orders and their wire names."""

    ascending = 'asc'
    descending = 'desc'


class Sorter(NamedTuple):
    """One sort key: ``Sorter('patient_name', SortingOrder.descending)``.

    ``str(sorter)`` is the wire form ``patient_name-desc``.

    :param field_name: the field to sort on.
    :param order: a :class:`SortingOrder` (or ``'asc'``/``'desc'``).
    """

    field_name: str
    order: Union[SortingOrder, str] = SortingOrder.ascending

    def __str__(self) -> str:
        order = self.order
        if not isinstance(order, SortingOrder):
            try:
                order = SortingOrder(order)
            except ValueError:
                raise ValueError(
                    'Invalid sorting order {order!r}. Allowed values: {allowed}'.format(
                        order=self.order,
                        allowed=', '.join(
                            'SortingOrder.{name} ({value!r})'.format(name=member.name, value=member.value)
                            for member in SortingOrder
                        ),
                    ),
                ) from None
        return '{field}-{order}'.format(field=self.field_name, order=order.value)


QueryT = TypeVar('QueryT', bound='WithSorting')


class WithSorting:
    """Mixin adding :meth:`sort_by` to a query."""

    request_args: RequestArgs

    def sort_by(self: QueryT, sorter_obj: Sorter) -> QueryT:
        """Add a sort key after the ones already set.

        :param sorter_obj: e.g. ``Sorter('created', SortingOrder.descending)`` or ``Study.created.desc()``.
        :return: this query.
        """
        wire = str(sorter_obj)
        data = self.request_args.data or {}
        current = data.get(SORT_KEY)
        data[SORT_KEY] = '{current},{new}'.format(current=current, new=wire) if current else wire
        self.request_args.data = data
        return self
