"""Client-side check of filter field names against the vendor data dictionary.

A list method's rows are objects of the data dictionary (``/study/list``
returns studies, ``/account/user/list`` users). :func:`known_fields` gives the
field names of the objects a method may return, from the generated models;
``filter_by`` uses it to reject a field that does not exist before anything
is sent. The check is conservative: dotted names, customfield names and
methods whose objects are unknown are never rejected.
"""

from functools import lru_cache
from typing import FrozenSet, Optional

#: Fields every object has or that the service computes for every list.
COMMON_FIELDS = frozenset({'id', 'uuid', 'created', 'created_by', 'updated', 'updated_by', 'name'})

_PYTHONIZED = {'type_field': 'type', 'global_field': 'global'}


def _singular(word: str) -> str:
    if word.endswith('ies'):
        return word[:-3] + 'y'
    if word.endswith(('sses', 'shes', 'ches', 'xes')):
        return word[:-2]
    if word.endswith('s'):
        return word[:-1]
    return word


def _model_name(word: str) -> str:
    return ''.join(part.capitalize() for part in word.split('_'))


def _model_fields(model_name: str) -> FrozenSet[str]:
    from ambra_sdk.models import generated
    from ambra_sdk.models.base import FieldDescriptor

    model = getattr(generated, model_name, None)
    if model is None:
        return frozenset()
    names = set()
    for attribute, value in vars(model).items():
        if isinstance(value, FieldDescriptor):
            names.add(_PYTHONIZED.get(attribute, attribute))
    return frozenset(names)


@lru_cache(maxsize=512)
def known_fields(url: str, paginated_field: Optional[str]) -> Optional[FrozenSet[str]]:
    """Field names of the objects ``url`` returns, or None when they are not known.

    :param url: relative method URL (``/study/list``).
    :param paginated_field: the array holding the rows (``studies``), if any.
    """
    segments = [segment for segment in url.split('/') if segment]
    candidates = set()
    if segments:
        candidates.add(_model_name(segments[0]))
    if paginated_field:
        candidates.add(_model_name(_singular(paginated_field)))
    fields: set = set()
    for candidate in candidates:
        fields |= _model_fields(candidate)
    if not fields:
        return None
    return frozenset(fields | COMMON_FIELDS)


def check_filter_field(url: str, paginated_field: Optional[str], field_name: str) -> None:
    """Raise ``ValueError`` when ``field_name`` is surely not a field of the method's objects.

    :param url: relative method URL.
    :param paginated_field: the array holding the rows, if any.
    :param field_name: the filter's field name.
    :raises ValueError: naming the field, the method and the known fields.
    """
    if not isinstance(field_name, str) or not field_name:
        raise ValueError('filter field_name must be a non-empty str, got {0!r}'.format(field_name))
    if '.' in field_name or '-' in field_name or field_name.startswith('customfield'):
        return
    fields = known_fields(url, paginated_field)
    if fields is None or field_name in fields:
        return
    raise ValueError(
        "filter field {field!r} does not exist in the objects of {url}; known fields: {known}. "
        'Use filter_by(..., validate=False) to send it anyway.'.format(
            field=field_name, url=url, known=', '.join(sorted(fields)),
        ),
    )
