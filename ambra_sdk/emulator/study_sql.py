"""Filtered and sorted ``/study/list`` and ``/study/count`` run in SQLite.

:mod:`~ambra_sdk.emulator.listing` filters and sorts rows in Python, which
reads every visible study for each page. Here the ``filter.*`` and
``sort_by`` parameters of a study list become one SQL ``WHERE`` and
``ORDER BY`` over the ``studies`` table and its indexes, and a page is read
with ``LIMIT``/``OFFSET``: memory is one page, whatever the table holds.
The indexes that serve it are created with the table (``state._SCHEMA``).

The translation gives the same rows in the same order as the Python
pipeline, which stays the rule: :func:`plan_study_query` answers None for
anything it does not translate exactly (a field kept in the JSON ``data``
column, a computed field, a value that reads as a date in a text column,
non-ASCII text, an unknown field or condition...), and the caller then
runs the Python pipeline, which also raises the vendor's errors.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import timezone
from typing import TYPE_CHECKING, Any, Collection, Optional

from .listing import CONDITIONS, _parse_tz, _parse_when, sort_terms

if TYPE_CHECKING:  # pragma: no cover
    from .context import RequestContext

__all__ = ['StudyQuery', 'plan_study_query', 'COLUMN_KINDS']

#: Columns of the ``studies`` table a filter or sort may use, by kind:
#: ``text`` (nullable, compared without ASCII case), ``int`` (never null),
#: ``stamp`` (``YYYY-MM-DD HH:MM:SS.ffffff+00`` in UTC, never null).
COLUMN_KINDS = {
    'uuid': 'text',
    'study_uid': 'text',
    'storage_namespace': 'text',
    'phi_namespace': 'text',
    'engine_fqdn': 'text',
    'patient_name': 'text',
    'patientid': 'text',
    'modality': 'text',
    'study_date': 'text',
    'accession_number': 'text',
    'image_count': 'int',
    'phantom': 'int',
    'created': 'stamp',
    'updated': 'stamp',
}

_ORDERED = {'gt': '>', 'ge': '>=', 'lt': '<', 'le': '<='}


@dataclass
class StudyQuery:
    """A study list as SQL: ``WHERE`` clauses with their arguments and an ``ORDER BY``."""

    where: list[str] = field(default_factory=list)
    args: list[Any] = field(default_factory=list)
    order_by: str = 'seq DESC'

    def restrict_namespaces(self, phi_namespaces: Optional[Collection[str]]) -> None:
        """Keep only studies of these PHI namespaces (None: every study)."""
        if phi_namespaces is None:
            return
        names = sorted(set(phi_namespaces))
        if not names:
            self.where.append('0')
            return
        sql, args = in_list('phi_namespace', names)
        self.where.append(sql)
        self.args.extend(args)

    def where_sql(self) -> str:
        """The ``WHERE ...`` part ('' when nothing is filtered)."""
        return ' WHERE ' + ' AND '.join(f'({w})' for w in self.where) if self.where else ''


def in_list(left: str, values: list[Any]) -> tuple[str, list[Any]]:
    """``left IN (values)`` with ONE SQL variable, whatever the number of values.

    The values travel as a JSON array read by ``json_each``: a list of
    ``?`` per value would pass SQLite's variable limit (999 before 3.32) and a
    chain of ``OR`` its expression depth (1000) with a few thousand values.
    """
    return f'{left} IN (SELECT value FROM json_each(?))', [json.dumps(values)]


class _UntranslatableError(Exception):
    """The request needs the Python pipeline."""


def _ascii(text: str) -> str:
    if not text.isascii():
        raise _UntranslatableError()
    return text


def _filter_text(value: Any) -> str:
    """A filter value as the Python pipeline compares it (``in`` lists hold JSON values)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return json.dumps(value)


def _number(text: str) -> Optional[float]:
    try:
        number = float(text)
    except ValueError:
        return None
    if not math.isfinite(number):
        raise _UntranslatableError()
    return number


class _Translator:
    """One ``filter.FIELD.CONDITION`` parameter -> SQL."""

    def __init__(self, column: str, kind: str, tz: timezone) -> None:
        self.column = column
        self.kind = kind
        self.tz = tz

    # -- one comparison of the column with one value: (sql, args) ------------
    def _stamp_operand(self, text: str, equality: bool) -> tuple[str, list[Any]]:
        wanted = _parse_when(text)
        if wanted is None:
            raise _UntranslatableError()
        moment, date_only, has_micro, zoned = wanted
        if equality and date_only:
            return f'substr({self.column}, 1, 10)', [moment.strftime('%Y-%m-%d')]
        if not zoned and (not date_only or self.tz != timezone.utc):
            moment = moment.replace(tzinfo=self.tz).astimezone(timezone.utc).replace(tzinfo=None)
        if has_micro:
            return f'substr({self.column}, 1, 26)', [moment.strftime('%Y-%m-%d %H:%M:%S.%f')]
        return f'substr({self.column}, 1, 19)', [moment.strftime('%Y-%m-%d %H:%M:%S')]

    def operand(self, text: str, equality: bool) -> tuple[str, Any]:
        """The left side of a comparison with ``text`` (collation included) and the value to compare.

        :param equality: the comparison is ``=`` (a date-only stamp then compares days).
        """
        if self.kind == 'stamp':
            left, args = self._stamp_operand(text, equality)
            return left, args[0]
        if self.kind == 'int':
            number = _number(text)
            if number is not None:
                return self.column, number
            return f'CAST({self.column} AS TEXT) COLLATE NOCASE', _ascii(text)
        if _parse_when(text) is not None:
            raise _UntranslatableError()  # a date compares as a date with stored dates: Python decides
        return f'{self.column} COLLATE NOCASE', _ascii(text)

    def compare(self, op: str, text: str) -> tuple[str, list[Any]]:
        """``column <op> value`` with the Python pipeline's coercions."""
        left, value = self.operand(text, op == '=')
        return f'{left} {op} ?', [value]

    def is_null(self) -> str:
        """The Python pipeline's null: NULL or an empty string."""
        if self.kind == 'text':
            return f"({self.column} IS NULL OR {self.column} = '')"
        return '0'  # int and stamp columns are NOT NULL and never empty

    # -- one filter parameter -------------------------------------------------
    def condition(self, condition: str, raw: str) -> tuple[str, list[Any]]:
        null = self.is_null()
        if condition in ('equals', 'equals_or_null'):
            sql, args = self.compare('=', raw)
            if condition == 'equals_or_null':
                return f'{null} OR ({sql})', args
            return f'NOT {null} AND ({sql})', args
        if condition in ('not_equals', 'not_equals_or_null'):
            sql, args = self.compare('=', raw)
            null_part = null if condition == 'not_equals_or_null' else '0'
            return f'{null_part} OR (NOT {null} AND NOT ({sql}))', args
        if condition == 'like':
            value = self.column if self.kind == 'text' else f'CAST({self.column} AS TEXT)'
            return f'NOT {null} AND {value} LIKE ?', [_ascii(raw)]
        if condition in _ORDERED:
            sql, args = self.compare(_ORDERED[condition], raw)
            return f'NOT {null} AND ({sql})', args
        if condition in ('in', 'in_or_null'):
            try:
                items = json.loads(raw)
            except ValueError:
                raise _UntranslatableError() from None  # INVALID_JSON comes from the Python pipeline
            if not isinstance(items, list):
                items = [items]
            by_left: dict[str, list[Any]] = {}  # one IN per left side (a stamp compares days or seconds)
            for item in items:
                left, value = self.operand(_filter_text(item), True)
                by_left.setdefault(left, []).append(value)
            parts: list[str] = []
            args = []
            for left, values in by_left.items():
                sql, item_args = in_list(left, values)
                parts.append(f'({sql})')
                args.extend(item_args)
            any_of = ' OR '.join(parts) or '0'
            if condition == 'in_or_null':
                return f'{null} OR (NOT {null} AND ({any_of}))', args
            return f'NOT {null} AND ({any_of})', args
        raise _UntranslatableError()


def _order_by(spec: Optional[str]) -> str:
    """``sort_by`` -> ``ORDER BY``: nulls last ascending, first descending, then newest first."""
    if spec is None:
        return 'seq DESC'
    parts: list[str] = []
    for _item, name, order in sort_terms(spec):
        if name not in COLUMN_KINDS or order.lower() not in ('asc', 'desc'):
            raise _UntranslatableError()
        direction = 'DESC' if order.lower() == 'desc' else 'ASC'
        kind = COLUMN_KINDS[name]
        if kind == 'text':
            # nulls (NULL or '') last ascending, and tied with each other as in Python;
            # the same expressions as the studies_sort_* indexes, so SQLite walks an index
            parts.append(f"(NULLIF({name}, '') IS NULL) {direction}")
            parts.append(f"NULLIF({name}, '') COLLATE NOCASE {direction}")
        else:
            parts.append(f'{name} {direction}')
    parts.append('seq DESC')
    return ', '.join(parts)


#: Off, every study list runs the Python pipeline (the equivalence tests compare both).
ENABLED = True


def plan_study_query(ctx: RequestContext, allowed: Collection[str]) -> Optional[StudyQuery]:
    """Translate the request's ``filter.*`` and ``sort_by`` for the ``studies`` table.

    :param allowed: the field names a study filter may use (others are the
        Python pipeline's ``INVALID_FIELD``).
    :return: the query, or None when the Python pipeline must answer.
    """
    if not ENABLED:
        return None
    query = StudyQuery()
    try:
        tz = _parse_tz(ctx.param('filter.tz'))
        for key in sorted(ctx.form):
            if not key.startswith('filter.') or key == 'filter.tz':
                continue
            name, _, condition = key[len('filter.'):].rpartition('.')
            if name not in COLUMN_KINDS or name not in allowed or condition not in CONDITIONS:
                return None
            sql, args = _Translator(name, COLUMN_KINDS[name], tz).condition(condition, ctx.form[key])
            query.where.append(sql)
            query.args.extend(args)
        query.order_by = _order_by(ctx.param('sort_by'))
    except _UntranslatableError:
        return None
    return query
