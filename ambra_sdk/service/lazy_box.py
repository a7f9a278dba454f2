"""Boxes that convert nested JSON on first access.

:class:`box.Box` converts a whole JSON document eagerly and recursively: for a
large ``/study/list`` page that costs about 15 times the ``json.loads`` that
produced it. :class:`LazyBox` and :class:`LazyBoxList` keep the parsed values
as they are and turn a nested ``dict``/``list`` into a box only when it is
read (``obj.x``, ``obj['x']``, ``obj.get('x')``, ``values()``, ``items()``,
iteration). A converted value is stored back, so it is converted once and
``obj.x is obj.x`` holds, as with a Box.

Both are subclasses of :class:`box.Box` / :class:`box.BoxList`, so
``isinstance(obj, Box)``, attribute access, ``to_dict()``, ``to_json()`` and
equality with plain dicts work as before.
"""

from typing import Any, Iterator, List

from box import Box, BoxList


def _plain(value: Any) -> Any:
    """Return ``value`` with every box and nested container copied to plain types."""
    if isinstance(value, Box):
        return value.to_dict()
    if isinstance(value, BoxList):
        return value.to_list()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class LazyBox(Box):
    """A :class:`box.Box` built in O(number of top-level keys).

    Nested plain dicts become ``box_class`` objects (this class or the
    subclass) and nested plain lists become :class:`LazyBoxList` objects when
    they are first read. Keyword box options (``frozen_box``, ``default_box``,
    ...) fall back to the eager :class:`box.Box` behaviour.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) == 1 and not kwargs and type(args[0]) is dict:
            super().__init__()
            dict.update(self, args[0])
        else:
            super().__init__(*args, **kwargs)

    def _box_convert(self, key: Any, value: Any) -> Any:
        """Turn one raw stored value into its boxed form (hook for subclasses).

        :param key: the key the value is stored under.
        :param value: a plain ``dict`` or ``list``.
        :return: the boxed value.
        """
        if type(value) is dict:
            return self._box_config['box_class'](value)
        return LazyBoxList(value, box_class=self._box_config['box_class'])

    def _box_convert_stored(self, key: Any) -> Any:
        value = dict.__getitem__(self, key)
        if type(value) is dict or type(value) is list:
            value = self._box_convert(key, value)
            dict.__setitem__(self, key, value)
        return value

    def __getitem__(self, item: Any, _ignore_default: bool = False) -> Any:
        try:
            value = dict.__getitem__(self, item)
        except (KeyError, TypeError):
            pass
        else:
            if type(value) is dict or type(value) is list:
                return self._box_convert_stored(item)
            return value
        value = super().__getitem__(item, _ignore_default)
        if (type(value) is dict or type(value) is list) and dict.__contains__(self, item):
            return self._box_convert_stored(item)
        return value

    def _box_register_safe_keys(self) -> bool:
        """Register the attribute aliases of keys (``'customfield-x'`` -> ``customfield_x``) once.

        Box does this for every key at construction; a LazyBox only when an
        attribute lookup needs it.

        :return: True when aliases were registered now.
        """
        config = self._box_config
        if not config.get('conversion_box') or config.get('__lazy_safe_keys'):
            return False
        config['__lazy_safe_keys'] = True
        safe_keys = config['__safe_keys']
        for key in dict.keys(self):
            if isinstance(key, str):
                safe_keys.setdefault(self._safe_attr(key), key)
        return True

    def __getattr__(self, item: str) -> Any:
        # fast path: a plain key (what a JSON document holds); Box's generic
        # lookup only runs for aliases, defaults and missing keys
        try:
            value = dict.__getitem__(self, item)
        except (KeyError, TypeError):
            pass
        else:
            if type(value) is dict or type(value) is list:
                return self._box_convert_stored(item)
            return value
        try:
            return super().__getattr__(item)
        except AttributeError:
            if item.startswith('__') or not self._box_register_safe_keys():
                raise
        return super().__getattr__(item)

    def __setattr__(self, key: str, value: Any) -> None:
        if not key.startswith('_') and not dict.__contains__(self, key):
            self._box_register_safe_keys()
        super().__setattr__(key, value)

    def __dir__(self) -> List[str]:
        self._box_register_safe_keys()
        return super().__dir__()

    def _box_convert_all(self) -> None:
        for key in list(dict.keys(self)):
            self._box_convert_stored(key)

    def values(self) -> Any:  # noqa: D102 (same as dict.values)
        self._box_convert_all()
        return super().values()

    def items(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102 (same as Box.items)
        self._box_convert_all()
        return super().items(*args, **kwargs)

    def pop(self, key: Any, *args: Any) -> Any:  # noqa: D102 (same as dict.pop)
        if dict.__contains__(self, key):
            self._box_convert_stored(key)
        return super().pop(key, *args)

    def to_dict(self) -> dict:
        """Return a plain, independent ``dict`` copy (nested values included)."""
        return {key: _plain(value) for key, value in dict.items(self)}


class LazyBoxList(BoxList):
    """A :class:`box.BoxList` whose dict and list items are boxed on first read."""

    def __init__(self, iterable: Any = None, box_class: Any = LazyBox, **box_options: Any) -> None:
        if type(iterable) is list and not box_options:
            super().__init__((), box_class=box_class)
            list.extend(self, iterable)
        else:
            super().__init__(iterable, box_class=box_class, **box_options)

    def _box_convert_at(self, index: int) -> Any:
        value = list.__getitem__(self, index)
        if type(value) is dict:
            value = self.box_options['box_class'](value)
            list.__setitem__(self, index, value)
        elif type(value) is list:
            value = LazyBoxList(value, box_class=self.box_options['box_class'])
            list.__setitem__(self, index, value)
        return value

    def __getitem__(self, item: Any, _ignore_default: bool = False) -> Any:
        if isinstance(item, int):
            return self._box_convert_at(item)
        if isinstance(item, slice):
            for index in range(*item.indices(len(self))):
                self._box_convert_at(index)
        if _ignore_default:
            return super().__getitem__(item, _ignore_default)  # type: ignore[call-arg]
        return super().__getitem__(item)

    def __iter__(self) -> Iterator[Any]:
        if self.__dict__.get('_lazy_converted'):
            return list.__iter__(self)
        return self._converting_iter()

    def _converting_iter(self) -> Iterator[Any]:
        for index in range(len(self)):
            yield self._box_convert_at(index)
        self.__dict__['_lazy_converted'] = True

    def to_list(self) -> List[Any]:
        """Return a plain, independent ``list`` copy (nested values included)."""
        return [_plain(value) for value in list.__iter__(self)]
