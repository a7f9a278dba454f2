"""List machinery shared by ``*/list`` endpoints: filter, sort, fields, pages.

Implements the vendor intro sections "Filter clauses", "Sorting",
"Fields" and "Pagination":

* ``filter.FIELD.CONDITION=value`` with the 11 conditions (``equals``,
  ``equals_or_null``, ``not_equals``, ``not_equals_or_null``, ``like``
  (``%``/``_`` wildcards, case-insensitive), ``gt``, ``ge``, ``lt``, ``le``,
  ``in`` and ``in_or_null`` (JSON arrays)); multiple filters are AND'ed;
  ``customfield-UUID`` fields; ``filter.tz`` (numeric POSIX offset, west positive, or Olson name)
  applies to datetime values. Errors: ``INVALID_FIELD`` / ``INVALID_CONDITION``
  (subtype = the filter parameter).
* ``sort_by=field-asc,other-desc``. Errors: ``INVALID_SORT_FIELD`` /
  ``INVALID_SORT_ORDER`` (subtype = the field).
* ``fields.<struct>`` (and ``fields`` for studies): JSON array of row keys.
* ``page.rows`` / ``page.number`` -> ``page: {more, number, rows}``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, NamedTuple, Optional

from .errors import ServiceError, documented_error
from .generic import page_params

if TYPE_CHECKING:  # pragma: no cover
    from .context import RequestContext

__all__ = [
    'CONDITIONS',
    'list_answer',
    'filter_rows',
    'sort_rows',
    'select_fields',
    'paginate',
    'field_value',
]

CONDITIONS = frozenset(
    {
        'equals',
        'equals_or_null',
        'not_equals',
        'not_equals_or_null',
        'like',
        'gt',
        'ge',
        'lt',
        'le',
        'in',
        'in_or_null',
    }
)

#: Fields stored as UTC timestamps (``filter.tz`` applies to them).
TIMESTAMP_FIELDS = frozenset({'created', 'updated', 'last_login', 'last_status_change', 'created_at'})

_DATE_RE = re.compile(r'^(\d{4})-?(\d{2})-?(\d{2})$')
_DATETIME_RE = re.compile(
    r'^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$'
)
_OFFSET_RE = re.compile(r'^([+-])(\d{2}):?(\d{2})?$')
_TZ_RE = re.compile(r'^([+-])?(\d{1,2})(?::?(\d{2}))?$')


def field_value(row: dict[str, Any], field: str) -> Any:
    """Return the value of ``field`` in ``row`` (``customfield-UUID`` and ``a.b`` aware)."""
    if field.startswith('customfield-'):
        wanted = field[len('customfield-'):]
        for custom in row.get('customfields') or ():
            if isinstance(custom, dict) and wanted in (custom.get('uuid'), custom.get('tag')):
                return custom.get('value')
        return None
    if field in row:
        return row[field]
    value: Any = row
    for part in field.split('.'):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _has_field(row: dict[str, Any], field: str) -> bool:
    if field in row:
        return True
    value: Any = row
    for part in field.split('.'):
        if not isinstance(value, dict) or part not in value:
            return False
        value = value[part]
    return True


def _is_null(value: Any) -> bool:
    return value is None or value == ''


# ------------------------------------------------------------------ parsing


def _parse_tz(text: Optional[str]) -> timezone:
    """Parse ``filter.tz``: a numeric POSIX zone (``+4:00``, ``-0530``) or an Olson name (unknown -> UTC).

    The server is PostgreSQL-backed and applies a numeric ``filter.tz`` as a
    POSIX zone: the offset counts hours WEST of UTC, so ``+03:00`` is UTC-3
    and ``-05:30`` is UTC+5:30 (no sign: west). Olson names (``Europe/Paris``)
    mean what they say. The SQL path (:mod:`ambra_sdk.emulator.study_sql`)
    uses this function too, so both paths read the zone alike.
    """
    if not text:
        return timezone.utc
    match = _TZ_RE.match(text.strip())
    if match:
        sign = 1 if match.group(1) == '-' else -1
        delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
        return timezone(sign * delta)
    try:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(text.strip())
    except Exception:  # noqa: BLE001 - deprecated/unknown zones apply as UTC
        return timezone.utc
    offset = datetime.now(zone).utcoffset() or timedelta(0)
    return timezone(offset)


def _offset(text: Optional[str]) -> Optional[timezone]:
    """The zone of a timestamp's suffix (``Z``, ``+00``, ``-07``, ``+05:30``), None without one."""
    if not text:
        return None
    if text == 'Z':
        return timezone.utc
    match = _OFFSET_RE.match(text)
    if match is None:  # pragma: no cover - the datetime pattern admits only these forms
        return None
    sign = -1 if match.group(1) == '-' else 1
    return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0)))


class _When(NamedTuple):
    """A parsed date or datetime."""

    moment: datetime  # naive; UTC when ``zoned``
    date_only: bool
    has_micro: bool
    zoned: bool = False  # the text carried its own UTC offset


def _parse_when(value: Any) -> Optional[_When]:
    """Parse a date/datetime.

    A datetime with a UTC offset (as the server writes its timestamps, e.g.
    ``2021-06-30 09:18:31.264772-07``) is returned converted to naive UTC.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = _DATE_RE.match(text)
    if match:
        try:
            return _When(datetime(int(match.group(1)), int(match.group(2)), int(match.group(3))), True, False)
        except ValueError:
            return None
    match = _DATETIME_RE.match(text)
    if match:
        year, month, day, hour, minute, second = (int(p) if p else 0 for p in match.groups()[:6])
        micro = match.group(7)
        try:
            moment = datetime(
                year, month, day, hour, minute, second, microsecond=int((micro or '0').ljust(6, '0'))
            )
        except ValueError:
            return None
        zone = _offset(match.group(8))
        if zone is not None:
            moment = moment.replace(tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)
        return _When(moment, False, micro is not None, zone is not None)
    return None


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


# -------------------------------------------------------------- comparisons


class _Comparator:
    """Compares one row value with one filter value for a given field."""

    def __init__(self, field: str, tz: timezone) -> None:
        self.field = field
        self.tz = tz
        self.is_timestamp = field in TIMESTAMP_FIELDS

    def _coerce(self, row_value: Any, filter_value: str) -> tuple[Any, Any]:
        """Return comparable (row, filter) values."""
        wanted = _parse_when(filter_value)
        stored = _parse_when(row_value) if isinstance(row_value, str) else None
        if wanted is not None and stored is not None:
            moment, date_only, has_micro, zoned = wanted
            stored_moment = stored[0]
            if self.is_timestamp and not zoned and (not date_only or self.tz != timezone.utc):
                moment = moment.replace(tzinfo=self.tz).astimezone(timezone.utc).replace(tzinfo=None)
            if not has_micro:
                stored_moment = stored_moment.replace(microsecond=0)
            if stored[1] and not date_only:
                moment = datetime.combine(moment.date(), datetime.min.time())
            return stored_moment, moment
        left = _number(row_value)
        right = _number(filter_value)
        if left is not None and right is not None and not isinstance(row_value, str):
            return left, right
        return str(row_value).casefold(), str(filter_value).casefold()

    def equals(self, row_value: Any, filter_value: Any) -> bool:
        if _is_null(row_value):
            return False
        filter_text = filter_value if isinstance(filter_value, str) else json.dumps(filter_value)
        if isinstance(filter_value, (int, float)) and not isinstance(filter_value, bool):
            filter_text = str(filter_value)
        wanted = _parse_when(filter_text)
        if wanted is not None and wanted[1] and self.is_timestamp and isinstance(row_value, str):
            stored = _parse_when(row_value)
            if stored is not None:
                return stored[0].date() == wanted[0].date()
        left, right = self._coerce(row_value, filter_text)
        return bool(left == right)

    def order(self, row_value: Any, filter_value: str) -> Optional[int]:
        if _is_null(row_value):
            return None
        left, right = self._coerce(row_value, filter_value)
        try:
            return (left > right) - (left < right)
        except TypeError:
            return None


def _like_regex(pattern: str) -> re.Pattern[str]:
    out = []
    for char in pattern:
        if char == '%':
            out.append('.*')
        elif char == '_':
            out.append('.')
        else:
            out.append(re.escape(char))
    return re.compile(''.join(out), re.IGNORECASE | re.DOTALL)


def _matcher(
    url: str, key: str, field: str, condition: str, raw: str, tz: timezone
) -> Callable[[dict[str, Any]], bool]:
    comp = _Comparator(field, tz)
    if condition in ('in', 'in_or_null'):
        try:
            items = json.loads(raw)
        except ValueError:
            # not a JSON array: INVALID_JSON where the call documents it, else the filter clause token
            raise documented_error(url, ('INVALID_JSON',), key) or ServiceError('INVALID_CONDITION', key) from None
        if not isinstance(items, list):
            items = [items]
        or_null = condition == 'in_or_null'

        def match_in(row: dict[str, Any]) -> bool:
            value = field_value(row, field)
            if _is_null(value):
                return or_null
            return any(comp.equals(value, item) for item in items)

        return match_in
    if condition == 'like':
        regex = _like_regex(raw)
        return lambda row: not _is_null(field_value(row, field)) and bool(
            regex.fullmatch(str(field_value(row, field)))
        )
    if condition in ('equals', 'equals_or_null'):
        or_null = condition == 'equals_or_null'
        return lambda row: (or_null and _is_null(field_value(row, field))) or comp.equals(
            field_value(row, field), raw
        )
    if condition in ('not_equals', 'not_equals_or_null'):
        or_null = condition == 'not_equals_or_null'

        def match_not(row: dict[str, Any]) -> bool:
            value = field_value(row, field)
            if _is_null(value):
                return or_null
            return not comp.equals(value, raw)

        return match_not
    wanted_signs = {'gt': (1,), 'ge': (0, 1), 'lt': (-1,), 'le': (-1, 0)}[condition]

    def match_order(row: dict[str, Any]) -> bool:
        sign = comp.order(field_value(row, field), raw)
        return sign is not None and sign in wanted_signs

    return match_order


# ---------------------------------------------------------------- pipeline


def _field_known(field: str, allowed: Optional[Iterable[str]], rows: list[dict[str, Any]]) -> bool:
    if field.startswith('customfield-') and len(field) > len('customfield-'):
        return True
    if allowed is not None and field in set(allowed):
        return True
    return any(_has_field(row, field) for row in rows)


def filter_rows(
    ctx: RequestContext, rows: list[dict[str, Any]], allowed: Optional[Iterable[str]] = None
) -> list[dict[str, Any]]:
    """Apply every ``filter.FIELD.CONDITION`` parameter of the request."""
    return filter_rows_by(ctx.form, rows, allowed, ctx.path)


def filter_rows_by(
    conditions: Mapping[str, Any], rows: list[dict[str, Any]], allowed: Optional[Iterable[str]] = None,
    url: str = '',
) -> list[dict[str, Any]]:
    """Apply the ``filter.FIELD.CONDITION`` keys of ``conditions`` (a request form, a saved filter).

    :param url: the call whose documented errors a malformed value may answer (``''``: none of them).
    """
    allowed_set = set(allowed) if allowed is not None else None
    tz_text = conditions.get('filter.tz')
    tz = _parse_tz(None if tz_text is None else str(tz_text))
    matchers = []
    for key in sorted(conditions):
        if not key.startswith('filter.') or key == 'filter.tz':
            continue
        body = key[len('filter.'):]
        field, _, condition = body.rpartition('.')
        if not field:
            raise ServiceError('INVALID_CONDITION', key)
        if condition not in CONDITIONS:
            raise ServiceError('INVALID_CONDITION', key)
        if not _field_known(field, allowed_set, rows):
            raise ServiceError('INVALID_FIELD', key)
        matchers.append(_matcher(url, key, field, condition, str(conditions[key]), tz))
    return [row for row in rows if all(m(row) for m in matchers)]


def _sort_key(value: Any) -> tuple[Any, ...]:
    if _is_null(value):
        return (1, 0, '')
    number = _number(value) if not isinstance(value, str) else None
    if number is not None:
        return (0, 0, number)
    return (0, 1, str(value).casefold())


def _row_key(field: str) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    return lambda row: _sort_key(field_value(row, field))


def sort_terms(spec: str) -> Iterator[tuple[str, str, str]]:
    """The terms of a ``sort_by`` value (``field-asc,other-desc``), blanks skipped: THE parser.

    :param spec: the parameter's value.
    :return: ``(term, field, order)`` per term: the text before its last ``-`` and after it
        (``order`` as written, maybe not ``asc``/``desc``), or the whole term and ``'asc'``
        when it has no ``-``.
    """
    for item in spec.split(','):
        item = item.strip()
        if not item:
            continue
        field, sep, order = item.rpartition('-')
        yield (item, field, order) if sep else (item, item, 'asc')


def sort_rows(
    ctx: RequestContext, rows: list[dict[str, Any]], allowed: Optional[Iterable[str]] = None
) -> list[dict[str, Any]]:
    """Apply ``sort_by`` (comma list of ``field-asc|desc``); nulls last when ascending."""
    spec = ctx.param('sort_by')
    if spec is None:
        return rows
    allowed_set = set(allowed) if allowed is not None else None
    keys: list[tuple[str, bool]] = []
    for item, field, order in sort_terms(spec):
        if order.lower() not in ('asc', 'desc'):
            if _field_known(item, allowed_set, rows):
                field, order = item, 'asc'
            else:
                raise ServiceError('INVALID_SORT_ORDER', field or item)
        if not _field_known(field, allowed_set, rows):
            raise ServiceError('INVALID_SORT_FIELD', field)
        keys.append((field, order.lower() == 'desc'))
    result = list(rows)
    for field, descending in reversed(keys):
        result.sort(key=_row_key(field), reverse=descending)
    return result


def select_fields(ctx: RequestContext, struct: str, row: dict[str, Any], also_plain: bool = False) -> dict[str, Any]:
    """Limit a row's keys to ``fields.<struct>`` (or ``fields`` when ``also_plain``)."""
    wanted = ctx.json_param(f'fields.{struct}')
    if wanted is None and also_plain:
        wanted = ctx.json_param('fields')
    if not isinstance(wanted, list):
        return row
    keep = {str(w) for w in wanted}
    return {k: v for k, v in row.items() if k in keep}


def paginate(ctx: RequestContext, rows: list[Any]) -> tuple[list[Any], dict[str, int]]:
    """Cut one page out of ``rows``; return it with the ``page`` hash."""
    size, number = page_params(ctx)
    start = (number - 1) * size
    chunk = rows[start:start + size]
    more = 1 if len(rows) > start + size else 0
    return chunk, {'more': more, 'number': number, 'rows': size}


def list_answer(
    ctx: RequestContext,
    rows: list[dict[str, Any]],
    *,
    struct: str,
    paginated_field: str,
    allowed: Optional[Iterable[str]] = None,
    also_plain_fields: bool = False,
    transform: Optional[Callable[[dict[str, Any]], dict[str, Any]]] = None,
) -> dict[str, Any]:
    """Filter, sort, paginate and trim ``rows``; return ``{paginated_field: [...], 'page': {...}}``."""
    rows = filter_rows(ctx, rows, allowed)
    rows = sort_rows(ctx, rows, allowed)
    chunk, page = paginate(ctx, rows)
    if transform is not None:
        chunk = [transform(row) for row in chunk]
    chunk = [select_fields(ctx, struct, row, also_plain_fields) for row in chunk]
    return {paginated_field: chunk, 'page': page}

