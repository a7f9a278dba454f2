"""Box types returned by ``Storage.Study.image_json`` and ``Storage.Study.json``."""

from typing import Any, Dict, Iterable, Iterator, Optional

from box import Box, BoxList


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


class JsonBox(BoxList):
    """The JSON of a study: a list with one :class:`ImageJsonBox` per image."""

    def __init__(self, iterable: Optional[Iterable[Any]] = None, **box_options: Any) -> None:
        box_options['box_class'] = ImageJsonBox
        super().__init__(iterable if iterable is not None else [], **box_options)
