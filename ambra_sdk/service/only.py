"""``only()``: ask the server for some fields only.

Wire keys: ``fields._top`` (fields of the top-level object, in the order
given, duplicates kept) and ``fields.<struct>`` (fields of each ``<struct>``
object, e.g. each ``study`` row of ``/study/list``; sorted, no duplicates).
Both are JSON arrays.
"""

import json
from typing import Any, Dict, Iterable, List, Mapping, TypeVar

from ambra_sdk.request_args import RequestArgs

TOP_KEY = 'fields._top'
STRUCT_KEY = 'fields.{struct}'

QueryT = TypeVar('QueryT', bound='WithOnly')


def _load_list(text: Any) -> List[Any]:
    if text is None:
        return []
    if isinstance(text, list):
        return list(text)
    return list(json.loads(text))


def _field_names(fields: Any) -> List[str]:
    return [fields] if isinstance(fields, str) else list(fields)


class WithOnly:
    """Mixin adding :meth:`only` (and its helpers) to a query."""

    request_args: RequestArgs

    def _only_data(self) -> Dict[str, Any]:
        data = self.request_args.data or {}
        self.request_args.data = data
        return data

    def only_top_field(self: QueryT, field: str) -> QueryT:
        """Add one top-level field.

        :param field: field name.
        :return: this query.
        """
        return self.only_top_fields([field])

    def only_top_fields(self: QueryT, fields: Iterable[str]) -> QueryT:
        """Add top-level fields (order kept, duplicates kept).

        :param fields: field names.
        :return: this query.
        """
        data = self._only_data()
        top = _load_list(data.get(TOP_KEY))
        top.extend(fields)
        data[TOP_KEY] = json.dumps(top)
        return self

    def only_struct_fields(self: QueryT, fields: Mapping[str, Iterable[str]]) -> QueryT:
        """Add fields of nested objects, e.g. ``{'study': ['uuid', 'patient_name']}``.

        :param fields: struct name -> field names (a single name may be a str).
        :return: this query.
        """
        data = self._only_data()
        for struct, names in fields.items():
            key = STRUCT_KEY.format(struct=struct)
            merged = set(_load_list(data.get(key)))
            merged.update(_field_names(names))
            data[key] = json.dumps(sorted(merged))
        return self

    def only(self: QueryT, fields: Any) -> QueryT:
        """Ask for some fields only.

        :param fields: a field name (top-level field), a dict ``{struct: [fields]}``,
            a model field (``Study.uuid``), or a list/tuple of these (dicts inside a
            list are merged too, which the reference could not do).
        :raises ValueError: for any other kind of value.
        :return: this query.
        """
        items = list(fields) if isinstance(fields, (list, tuple)) else [fields]
        top: List[str] = []
        structs: Dict[str, List[str]] = {}
        for item in items:
            if isinstance(item, str):
                top.append(item)
                continue
            if isinstance(item, Mapping):
                struct_fields: Mapping[str, Any] = item
            elif callable(getattr(item, 'get_only', None)):
                struct_fields = item.get_only()
            else:
                raise ValueError(
                    'only() takes a field name (str), a dict {{struct: [fields]}}, a model field '
                    '(e.g. Study.uuid) or a list of these; got {kind}'.format(kind=type(item).__name__),
                )
            for struct, names in struct_fields.items():
                structs.setdefault(struct, []).extend(_field_names(names))
        if top:
            self.only_top_fields(top)
        if structs:
            self.only_struct_fields(structs)
        return self
