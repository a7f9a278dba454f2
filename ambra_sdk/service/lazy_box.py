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

import operator
import sys
from typing import Any, Callable, Dict, Iterator, List, Mapping, SupportsIndex, Tuple

import box as _box_package
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


#: ``dict`` / ``list`` for calls on mixin instances (typed loosely for mypy)
_DICT: Any = dict
_LIST: Any = list


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


# --------------------------------------------------------------------------
# Exact results: a top-level object of the documented type whose nested
# values behave like the ones python-box builds, but are built on first read.
# --------------------------------------------------------------------------

#: Box options under which python-box does more than "convert dicts and lists"
#: (skips, renames, freezes, recasts...): lazy conversion is off when one is set.
_EAGER_OPTIONS = (
    'default_box', 'frozen_box', 'camel_killer_box', 'box_dots', 'box_recast', 'modify_tuples_box',
    'box_intact_types',
)

#: eager Box class -> the lazy class standing in for it below the top level.
_LAZY_BOXES: Dict[type, type] = {}
#: eager BoxList class -> the lazy class standing in for it.
_LAZY_LISTS: Dict[type, type] = {}


def register_lazy(eager: type, lazy: type) -> None:
    """Declare ``lazy`` the stand-in of ``eager`` (a Box or BoxList class) below the top level.

    :param eager: the class python-box would build (``Box``, ``ImageJsonBox``, ``BoxList``...).
    :param lazy: a subclass of ``eager`` mixing in :class:`LazyBoxNode` / :class:`LazyListNode`.
    """
    registry = _LAZY_BOXES if issubclass(eager, Box) else _LAZY_LISTS
    registry[eager] = lazy
    registry[lazy] = lazy


def _lazy_allowed(options: Mapping[str, Any]) -> bool:
    if options.get('box_duplicates', 'ignore') != 'ignore':
        return False
    return not any(options.get(name) for name in _EAGER_OPTIONS)


def _public_options(config: Mapping[str, Any], key: Any) -> Dict[str, Any]:
    """The options python-box passes to a nested value stored under ``key`` (``Box.__box_config``)."""
    options = {name: value for name, value in config.items() if not name.startswith('__')}
    if options.get('box_namespace') is not False:
        options['box_namespace'] = (*options.get('box_namespace', ()), key)
    return options


#: Attribute aliases already computed: ``(key, options that change the alias) -> alias``.
_ALIASES: Dict[Tuple[Any, ...], Any] = {}
#: Size at which :data:`_ALIASES` starts again (a bound on what hostile keys can make it hold).
ALIASES_MAX = 65536


def _alias(safe_attr: Callable[[Any], Any], config: Mapping[str, Any], key: Any) -> Any:
    """``safe_attr(key)`` (python-box's attribute alias of a key), memoised.

    python-box computes an alias in Python for every key that is not an
    identifier (DICOM tags such as ``00100010``, ``customfield-...``); the same
    keys come back in every answer (about 1 ms for an upload answer's ``attr``).
    The alias depends only on the key and the options named here.
    """
    if type(key) is not str or key.isidentifier():
        return safe_attr(key)
    memo_key = (
        key, config.get('camel_killer_box'), config.get('camel_killer_box_keep_keys'), config.get('box_safe_prefix'),
    )
    alias = _ALIASES.get(memo_key)
    if alias is None:
        alias = safe_attr(key)
        if len(_ALIASES) >= ALIASES_MAX:
            _ALIASES.clear()
        _ALIASES[memo_key] = alias
    return alias


def lazy_box(box_class: type, raw: Dict[Any, Any], options: Dict[str, Any]) -> Any:
    """Return what ``box_class(raw, **options)`` returns, with ``raw``'s nested values boxed on first read.

    The object's ``_box_config`` (options, namespace, attribute aliases) is the
    one python-box would build; its type is the lazy stand-in of ``box_class``
    (eager ``box_class`` itself when it has none or the options need eager work).

    :param box_class: the Box class python-box would use.
    :param raw: a plain dict (decoded JSON); it is not copied, do not reuse it.
    :param options: the Box options.
    """
    lazy = _LAZY_BOXES.get(box_class)
    class_defaults = getattr(box_class, '_box_resolved_defaults', {})
    if lazy is None or not _lazy_allowed(options) or not _lazy_allowed(class_defaults):
        return box_class(raw, **options)
    node = lazy(**options)
    config = node._box_config
    if config['default_box_attr'] is lazy:
        config['default_box_attr'] = box_class
    dict.update(node, raw)
    if config['conversion_box']:
        safe_keys = config['__safe_keys']
        safe_attr = node._safe_attr
        for key in raw:
            safe_keys[_alias(safe_attr, config, key)] = key
    return node


def lazy_list(list_class: type, raw: List[Any], options: Dict[str, Any]) -> Any:
    """Return what ``list_class(raw, **options)`` returns, with the items boxed on first read.

    :param list_class: the BoxList class python-box would use.
    :param raw: a plain list (decoded JSON); it is not copied, do not reuse it.
    :param options: the BoxList options.
    """
    lazy = _LAZY_LISTS.get(list_class)
    if lazy is None or not _lazy_allowed(options):
        return list_class(raw, **options)
    node = lazy(**options)
    list.extend(node, raw)
    return node


#: The lazy nested nodes copy python-box 8's behaviour (mutations of nested values included);
#: with an older python-box (Python 3.9 gets 7.x) results are built eagerly, exactly as it would.
LAZY_NODES = int(str(getattr(_box_package, '__version__', '0')).split('.')[0] or 0) >= 8


def box_from_json(data: Any, box_class: type = Box) -> Any:
    """Build the result of a decoded JSON body: ``box_class(data)``, at about the cost of ``json.loads``.

    The top level is exactly ``box_class`` (``type(result) is box_class``) with
    the ``_box_config`` python-box gives it; nested dicts and lists become
    lazy stand-ins of the classes python-box would build (``LazyNestedBox`` for
    ``Box``...), converted when first read. Everything else a user can observe
    (``==``, ``isinstance``, attribute and key access, aliases of keys that are
    not identifiers, iteration, ``to_dict``, ``to_json``, ``repr``, pickling,
    copying, mutation) is what ``box_class(data)`` gives.

    :param data: the decoded JSON (not copied: do not reuse it).
    :param box_class: a Box or BoxList class (``Box``, ``ImageJsonBox``, ``JsonBox``...).
    :return: the result.
    """
    if not LAZY_NODES:
        return box_class(data)
    if type(data) is list and box_class in _LAZY_LISTS:
        return lazy_list(box_class, data, {})
    if type(data) is not dict or box_class not in _LAZY_BOXES or _LAZY_BOXES[box_class] is box_class:
        return box_class(data)
    top = box_class()
    config = top._box_config
    if not _lazy_allowed(config):
        return box_class(data)
    safe_keys = config['__safe_keys'] if config['conversion_box'] else None
    safe_attr = top._safe_attr
    nested_class = config['box_class']
    for key, value in data.items():
        if safe_keys is not None:
            safe_keys[_alias(safe_attr, config, key)] = key
        kind = type(value)
        if kind is dict:
            value = lazy_box(nested_class, value, _public_options(config, key))
        elif kind is list:
            value = lazy_list(BoxList, value, _public_options(config, key))
        dict.__setitem__(top, key, value)
    return top


def _copy_json(value: Any) -> Any:
    """Deep copy of decoded JSON (plain dicts and lists)."""
    kind = type(value)
    if kind is dict:
        return {key: _copy_json(item) for key, item in value.items()}
    if kind is list:
        return [_copy_json(item) for item in value]
    return value


def _native(value: Any, owner: Any, owner_copy: Any) -> Any:
    """What ``Box.to_dict`` / ``BoxList.to_list`` put in place of one stored value."""
    kind = type(value)
    if kind is dict or kind is list:
        return _copy_json(value)
    if value is owner:
        return owner_copy
    if isinstance(value, Box):
        return value.to_dict()
    if isinstance(value, BoxList):
        return value.to_list()
    return value


class LazyBoxNode:
    """Mixin (before a Box class): dict and list values are boxed when first read.

    A converted value is stored back (``obj.x is obj.x``). The options of the
    converted value are those python-box would pass (see :func:`lazy_box`).
    """

    _box_config: Dict[str, Any]

    def _box_convert_value(self, key: Any, value: Any) -> Any:
        config = self._box_config
        if type(value) is dict:
            value = lazy_box(config['box_class'], value, _public_options(config, key))
        else:
            value = lazy_list(BoxList, value, _public_options(config, key))
        _DICT.__setitem__(self, key, value)
        return value

    def __getitem__(self, item: Any, _ignore_default: bool = False) -> Any:
        try:
            value = _DICT.__getitem__(self, item)
        except (KeyError, TypeError):
            return super().__getitem__(item, _ignore_default)  # type: ignore[misc]
        kind = type(value)
        if kind is dict or kind is list:
            return self._box_convert_value(item, value)
        return value

    def __getattr__(self, item: str) -> Any:
        # fast path for a stored key; aliases, defaults and errors are Box's
        try:
            value = _DICT.__getitem__(self, item)
        except (KeyError, TypeError):
            return super().__getattr__(item)  # type: ignore[misc]
        kind = type(value)
        if kind is dict or kind is list:
            return self._box_convert_value(item, value)
        return value

    def _box_convert_all(self) -> None:
        for key, value in list(_DICT.items(self)):
            kind = type(value)
            if kind is dict or kind is list:
                self._box_convert_value(key, value)

    def values(self) -> Any:  # noqa: D102 (dict.values)
        self._box_convert_all()
        return _DICT.values(self)

    def items(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102 (Box.items)
        self._box_convert_all()
        return super().items(*args, **kwargs)  # type: ignore[misc]

    def to_dict(self) -> Dict[Any, Any]:
        """Return a plain, independent ``dict`` (as ``Box.to_dict``)."""
        out: Dict[Any, Any] = {}
        for key, value in _DICT.items(self):
            out[key] = _native(value, self, out)
            if type(value) is tuple:
                out[key] = _native_tuple(value)
        return out

    def __repr__(self) -> str:
        return '{0}({1})'.format(_eager_name(type(self), _LAZY_BOXES), self)


class LazyListNode:
    """Mixin (before a BoxList class): dict and list items are boxed when first read."""

    box_options: Dict[str, Any]

    def _box_convert_at(self, index: int) -> Any:
        value = _LIST.__getitem__(self, index)
        kind = type(value)
        if kind is dict:
            options = self.box_options
            value = lazy_box(options['box_class'], value, options)
            _LIST.__setitem__(self, index, value)
        elif kind is list:
            value = lazy_list(type(self), value, self.box_options)
            _LIST.__setitem__(self, index, value)
        return value

    def _box_convert_all(self) -> None:
        for index in range(len(self)):  # type: ignore[arg-type]
            self._box_convert_at(index)

    def __getitem__(self, item: Any, _ignore_default: bool = False) -> Any:
        if type(item) is int:
            return self._box_convert_at(item)
        if isinstance(item, slice):
            for index in range(*item.indices(len(self))):  # type: ignore[arg-type]
                self._box_convert_at(index)
        elif isinstance(item, int):
            return self._box_convert_at(int(item))
        if _ignore_default:
            return super().__getitem__(item, _ignore_default)  # type: ignore[misc]
        return super().__getitem__(item)  # type: ignore[misc]

    def __iter__(self) -> Iterator[Any]:
        for index in range(len(self)):  # type: ignore[arg-type]
            if index >= len(self):  # type: ignore[arg-type]  # shrunk while iterating
                return
            yield self._box_convert_at(index)

    def __reversed__(self) -> Iterator[Any]:
        self._box_convert_all()
        return _LIST.__reversed__(self)

    def pop(self, index: SupportsIndex = -1) -> Any:  # noqa: D102 (list.pop)
        try:
            self._box_convert_at(operator.index(index))
        except (IndexError, TypeError):
            pass  # list.pop raises its own error
        return super().pop(index)  # type: ignore[misc]

    def sort(self, *args: Any, **kwargs: Any) -> None:  # noqa: D102 (list.sort)
        self._box_convert_all()
        super().sort(*args, **kwargs)  # type: ignore[misc]

    def copy(self) -> List[Any]:  # noqa: D102 (list.copy)
        self._box_convert_all()
        return _LIST.copy(self)

    def __add__(self, other: Any) -> Any:
        self._box_convert_all()
        return _LIST.__add__(self, other)

    def __mul__(self, other: Any) -> Any:
        self._box_convert_all()
        return _LIST.__mul__(self, other)

    __rmul__ = __mul__

    def to_list(self) -> List[Any]:
        """Return a plain, independent ``list`` (as ``BoxList.to_list``)."""
        out: List[Any] = []
        for value in _LIST.__iter__(self):
            out.append(_native(value, self, out))
        return out

    def __repr__(self) -> str:
        return '{0}({1})'.format(_eager_name(type(self), _LAZY_LISTS), self.to_list())


def _eager_name(cls: type, registry: Mapping[type, type]) -> str:
    for eager, lazy in registry.items():
        if lazy is cls and eager is not cls:
            return eager.__name__
    return cls.__name__


def _native_tuple(value: Any) -> Any:
    module = sys.modules.get('box.box')
    convert = getattr(module, '_to_native_tuple', None)
    return convert(value) if convert is not None else value


class LazyNestedBox(LazyBoxNode, Box):
    """Stands in for a nested :class:`box.Box` of a result (see :func:`box_from_json`)."""


class LazyNestedBoxList(LazyListNode, BoxList):
    """Stands in for a nested :class:`box.BoxList` of a result (see :func:`box_from_json`)."""


register_lazy(Box, LazyNestedBox)
register_lazy(BoxList, LazyNestedBoxList)
