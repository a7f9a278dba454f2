"""User-facing ``Study`` namespace: ``get``/``list`` return :class:`StudyBox` objects."""

from functools import wraps
from typing import Any, Callable, Dict, Iterator, Optional, TypeVar, cast

from ambra_sdk.service.entrypoints.generated.study import Study as GStudy
from ambra_sdk.service.lazy_box import LazyBox, LazyBoxList

CUSTOMFIELDS_KEY = 'customfields'


class CustomFieldsList(LazyBoxList):
    """The ``customfields`` list of a study, with lookups.

    Its elements are Boxes with (at least) ``uuid``, ``name`` and ``value``.
    """

    def filter_by(self, filter_dict: Dict[str, Any]) -> Iterator[Any]:
        """Yield the custom fields whose values equal every pair of ``filter_dict``.

        :param filter_dict: field -> expected value, e.g. ``{'name': 'Body part'}``.
        :yields: matching custom fields, in order.
        """
        for element in self:
            if all(element.get(key) == value for key, value in filter_dict.items()):
                yield element

    def get_by_name(self, name: str) -> Optional[Any]:
        """Return the first custom field named ``name``, or ``None``.

        :param name: custom field name.
        """
        return next(self.filter_by({'name': name}), None)

    def get_by_uuid(self, uuid: str) -> Optional[Any]:
        """Return the custom field with this uuid, or ``None``.

        :param uuid: custom field uuid.
        """
        return next(self.filter_by({'uuid': uuid}), None)


def _custom_fields(value: Any) -> Any:
    if isinstance(value, CustomFieldsList) or not isinstance(value, list):
        return value
    return CustomFieldsList(list(value), box_class=LazyBox)


class StudyBox(LazyBox):
    """A Box whose ``customfields`` (at any depth) is a :class:`CustomFieldsList`.

    Nested objects are StudyBoxes too (the elements of ``customfields`` are plain boxes).
    """

    def _box_convert(self, key: Any, value: Any) -> Any:
        if key == CUSTOMFIELDS_KEY and isinstance(value, list):
            return _custom_fields(value)
        return super()._box_convert(key, value)

    def __setitem__(self, key: Any, value: Any) -> None:
        if key == CUSTOMFIELDS_KEY and isinstance(value, list):
            # stored as is: Box would re-configure the list to box its items as StudyBoxes
            dict.__setitem__(self, key, _custom_fields(value))
            return
        super().__setitem__(key, value)


F = TypeVar('F', bound=Callable[..., Any])


def _returning_study_boxes(method: F) -> F:
    """Wrap a generated query method so that its query builds :class:`StudyBox` results.

    The wrapper is typed as ``method`` itself, so type checkers and ``inspect.signature``
    see the generated signature (``functools.wraps`` alone hid it from mypy).
    """

    @wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        query = method(*args, **kwargs)
        query.return_constructor = StudyBox
        return query

    return cast(F, wrapper)


class Study(GStudy):
    """Study namespace (``api.Study``); ``get`` and ``list`` return :class:`StudyBox` objects."""

    get = _returning_study_boxes(GStudy.get)
    list = _returning_study_boxes(GStudy.list)  # noqa: A003 (the reference's name)
