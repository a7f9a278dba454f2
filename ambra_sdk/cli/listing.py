"""``--filter``, ``--sort`` and ``--fields`` of list commands, parsed and applied to a query.

``--filter field=condition:value`` uses the vendor's filter conditions
(:class:`ambra_sdk.service.filtering.FilterCondition`); ``in`` and
``in_or_null`` take a JSON array or comma-separated values.
``--sort field`` (ascending), ``--sort -field`` or ``--sort field:desc``.
Field names are checked against the vendor data dictionary
(:mod:`ambra_sdk.service.field_check`) before anything is sent.
"""

from typing import Any, Iterable, List, Optional, Sequence

from ambra_sdk.bounded_json import bounded_json_loads
from ambra_sdk.cli.errors import CliError
from ambra_sdk.service.field_check import known_fields
from ambra_sdk.service.filtering import Filter, FilterCondition
from ambra_sdk.service.sorting import Sorter, SortingOrder

__all__ = ['CONDITIONS', 'apply_filters', 'apply_sort', 'check_fields', 'parse_fields', 'parse_filter',
           'parse_sort']

#: The condition names accepted after ``=`` (the vendor's wire names).
CONDITIONS = tuple(member.value for member in FilterCondition)
_LIST_CONDITIONS = frozenset({'in', 'in_or_null'})
#: Longest JSON array of an ``in`` filter (bytes); its nesting is bounded like the server's JSON.
MAX_FILTER_JSON = 1024 * 1024


def parse_filter(text: str) -> Filter:
    """Parse ``field=condition:value`` into a :class:`Filter`.

    :param text: one ``--filter`` value.
    :raises CliError: naming the mistake (exit 2).
    """
    field_name, equals, rest = text.partition('=')
    condition, colon, value = rest.partition(':')
    field_name, condition = field_name.strip(), condition.strip()
    if not equals or not colon or not field_name:
        raise CliError('bad --filter {0!r}: write field=condition:value, e.g. modality=equals:CT '
                       '(conditions: {1})'.format(text, ', '.join(CONDITIONS)))
    if condition not in CONDITIONS:
        raise CliError('bad --filter {0!r}: unknown condition {1!r}; use one of {2}'.format(
            text, condition, ', '.join(CONDITIONS)))
    parsed: Any = value
    if condition in _LIST_CONDITIONS:
        if value.lstrip().startswith('['):
            try:
                parsed = bounded_json_loads(value, MAX_FILTER_JSON)
            except ValueError as error:
                raise CliError('bad --filter {0!r}: the value is not a JSON array ({1})'.format(
                    text[:80], str(error)[:80])) from None
            if not isinstance(parsed, list):
                raise CliError('bad --filter {0!r}: the value is not a JSON array'.format(text))
        else:
            parsed = [item.strip() for item in value.split(',') if item.strip()]
    return Filter(field_name, FilterCondition(condition), parsed)


def parse_sort(text: str) -> Sorter:
    """Parse ``field``, ``-field``, ``field:asc`` or ``field:desc``.

    :param text: one ``--sort`` value.
    :raises CliError: for an empty field or an unknown order.
    """
    name, _, order = text.strip().partition(':')
    descending = name.startswith('-')
    name = name.lstrip('-').strip()
    if not name:
        raise CliError('bad --sort {0!r}: write field, -field or field:desc'.format(text))
    if order and order not in ('asc', 'desc'):
        raise CliError('bad --sort {0!r}: the order is asc or desc'.format(text))
    if order == 'desc' or (descending and not order):
        return Sorter(name, SortingOrder.descending)
    return Sorter(name, SortingOrder.ascending)


def parse_fields(values: Sequence[str]) -> List[str]:
    """Split ``--fields uuid,patient_name --fields modality`` into a list (order kept, no duplicates)."""
    fields: List[str] = []
    for value in values:
        for name in value.split(','):
            name = name.strip()
            if name and name not in fields:
                fields.append(name)
    return fields


def check_fields(url: str, paginated_field: Optional[str], names: Iterable[str], option: str) -> None:
    """Reject names that are surely not fields of the objects ``url`` returns.

    :param url: relative method URL (``/study/list``).
    :param paginated_field: the rows' key, if any.
    :param names: field names.
    :param option: the option to name in the message (``--fields``, ``--sort``).
    :raises CliError: (exit 2) naming the unknown field.
    """
    known = known_fields(url, paginated_field)
    if known is None:
        return
    for name in names:
        if '.' in name or name.startswith('customfield') or name in known:
            continue
        raise CliError('unknown field {0!r} in {1}; known fields: {2}'.format(name, option, ', '.join(sorted(known))))


def apply_filters(query: Any, filters: Sequence[str]) -> Any:
    """Add each ``--filter`` to ``query`` (the field is checked first)."""
    for text in filters:
        parsed = parse_filter(text)
        check_fields(query.url, getattr(query, '_paginated_field', None), [parsed.field_name], '--filter')
        query = query.filter_by(parsed, validate=False)
    return query


def apply_sort(query: Any, sorts: Sequence[str]) -> Any:
    """Add each ``--sort`` to ``query`` (the field is checked first)."""
    for text in sorts:
        sorter = parse_sort(text)
        check_fields(query.url, getattr(query, '_paginated_field', None), [sorter.field_name], '--sort')
        query = query.sort_by(sorter)
    return query
