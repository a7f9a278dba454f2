"""Box types of storage results, and the one function that builds them.

:func:`storage_box` turns a decoded JSON body into the documented type
(``Box``, :class:`ImageJsonBox`, :class:`JsonBox`) at about the cost of
``json.loads``: the top level is exactly that type, nested values are built
when first read (see :func:`ambra_sdk.service.lazy_box.box_from_json`).
"""

from typing import Any, Dict, Iterable, Iterator, Optional

from box import Box, BoxList
from requests import Response

from ambra_sdk.exceptions.storage import UnexpectedStorageResponse
from ambra_sdk.service.lazy_box import LazyBoxNode, LazyListNode, box_from_json, register_lazy
from ambra_sdk.storage.response import json_body


class ImageJsonBox(Box):
    """The JSON of one image: a Box with a ``tags`` list.

    Nested dicts (every tag) are ImageJsonBox objects too.
    """

    def get_tags(self, filter_dict: Dict[str, Any]) -> Iterator['ImageJsonBox']:
        """Yield the tags whose fields equal every pair of ``filter_dict``.

        Plain equality, no type coercion; a missing field compares as
        ``None``; an empty ``filter_dict`` yields every tag.

        :param filter_dict: field name -> expected value (e.g. ``{'group': 2}``).
        :yields: matching tags, in order.
        """
        for tag in self['tags']:
            if all(tag.get(key) == value for key, value in filter_dict.items()):
                yield tag

    def tag_by_name(self, name: str) -> Optional['ImageJsonBox']:
        """Return the first tag whose ``name`` is ``name``, or ``None``.

        :param name: tag name, e.g. ``'Manufacturer'``.
        :return: the tag or ``None``.
        """
        return next(self.get_tags({'name': name}), None)


class LazyImageJsonBox(LazyBoxNode, ImageJsonBox):
    """Stands in for a nested :class:`ImageJsonBox` (a tag, an image of a :class:`JsonBox`)."""


class JsonBox(LazyListNode, BoxList):
    """The JSON of a study: a list with one :class:`ImageJsonBox` per image.

    Built by the SDK, its images are boxed when first read.
    """

    def __init__(self, iterable: Optional[Iterable[Any]] = None, **box_options: Any) -> None:
        box_options['box_class'] = ImageJsonBox
        super().__init__(iterable if iterable is not None else [], **box_options)


register_lazy(ImageJsonBox, LazyImageJsonBox)
register_lazy(JsonBox, JsonBox)


def storage_box(response: Response, box_class: Any) -> Any:
    """Return the JSON body of a storage response as ``box_class`` (``Box``, ``ImageJsonBox``, ``JsonBox``).

    :param response: a checked storage response with a JSON body.
    :param box_class: the documented result type.
    :return: ``box_class(<the decoded body>)``, built lazily below the top level.
    :raises UnexpectedStorageResponse: the body is not JSON (see :func:`~ambra_sdk.storage.response.json_body`),
        or a scalar (neither an object nor an array).
    """
    body = json_body(response)
    if not isinstance(body, (dict, list)):  # a scalar cannot be boxed (DICOMweb metadata is an array)
        raise UnexpectedStorageResponse(response.status_code, 'The body is a JSON {0}, not an object'.format(
            'null' if body is None else type(body).__name__))
    return box_from_json(body, box_class)
