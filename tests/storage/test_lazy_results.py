"""Storage results built lazily below the top level behave like ``Box(json.loads(body))``.

``box_from_json`` (behind every storage Box result) is compared with the eager
python-box construction on random JSON: everything a user can observe but
``type()`` of a nested value must be equal.
"""

import copy
import json
import pickle
from typing import Any, Callable, List

import pytest
from box import Box, BoxList
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ambra_sdk.service.lazy_box import LAZY_NODES, LazyNestedBox, LazyNestedBoxList, box_from_json
from ambra_sdk.storage.boxes import ImageJsonBox, JsonBox, LazyImageJsonBox

#: With python-box < 8 (Python 3.9) storage results are eager Box objects: nothing lazy to compare.
pytestmark = pytest.mark.skipif(not LAZY_NODES, reason='python-box < 8 builds eager results')

KEYS = st.one_of(
    st.sampled_from(['id', 'series', 'images', 'customfield-x', '1', 'class', 'a b', 'items', 'x1', 'to_dict', '']),
    st.text(max_size=6),
)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8),
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(KEYS, children, max_size=5),
    ),
    max_leaves=30,
)
DOCUMENTS = st.dictionaries(KEYS, JSON, max_size=6)


def both(document: Any, box_class: Any = Box) -> tuple:
    text = json.dumps(document)
    return box_from_json(json.loads(text), box_class), box_class(json.loads(text))


def public_config(obj: Any) -> Any:
    if isinstance(obj, Box):
        return dict(obj._box_config)
    return dict(obj.box_options)


def assert_same(lazy: Any, eager: Any, path: str = '') -> None:
    """Walk both objects with the operations a user has and compare what they see."""
    assert lazy == eager, path
    assert not lazy != eager, path  # noqa: SIM202 (__ne__ is checked too)
    if not isinstance(eager, (Box, BoxList)):
        assert type(lazy) is type(eager), path
        return
    assert isinstance(lazy, Box) == isinstance(eager, Box), path
    assert isinstance(lazy, BoxList) == isinstance(eager, BoxList), path
    assert isinstance(lazy, type(eager)), path
    assert repr(lazy) == repr(eager), path
    assert str(lazy) == str(eager), path
    assert public_config(lazy) == public_config(eager), path
    if isinstance(eager, Box):
        assert list(lazy) == list(eager) and list(lazy.keys()) == list(eager.keys()), path
        assert lazy.to_dict() == eager.to_dict() and lazy.to_json() == eager.to_json(), path
        public = [name for name in dir(eager) if not name.startswith('_')]
        assert sorted(name for name in dir(lazy) if not name.startswith('_')) == sorted(public), path
        for key in eager:
            if isinstance(key, str) and key.isidentifier() and not hasattr(type(eager), key):
                try:
                    expected = getattr(eager, key)
                except AttributeError:
                    with pytest.raises(AttributeError):
                        getattr(lazy, key)
                    continue
                assert getattr(lazy, key) == expected, path + '.' + key
        for alias in eager._box_config['__safe_keys']:
            if hasattr(type(eager), alias):
                continue
            assert getattr(lazy, alias) == getattr(eager, alias), path + ' alias ' + alias
        assert lazy.get('no such key') is None and 'no such key' not in lazy
        for (lazy_key, lazy_value), (key, value) in zip(lazy.items(), eager.items()):
            assert lazy_key == key
            assert_same(lazy_value, value, '{0}[{1!r}]'.format(path, key))
        assert [type(v) is dict or type(v) is list for v in lazy.values()] == [False] * len(lazy)
    elif isinstance(eager, BoxList):
        assert lazy.to_list() == eager.to_list() and lazy.to_json() == eager.to_json(), path
        assert len(lazy) == len(eager)
        for index, (lazy_item, item) in enumerate(zip(lazy, eager)):
            assert_same(lazy_item, item, '{0}[{1}]'.format(path, index))
            assert lazy[index] is lazy_item
        if eager:
            assert lazy[-1] == eager[-1] and lazy[:2] == eager[:2]
            assert list(reversed(lazy)) == list(reversed(eager))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS)
def test_box_results_look_like_eager_boxes(document):
    lazy, eager = both(document)
    assert type(lazy) is Box
    assert lazy._box_config == eager._box_config
    assert_same(lazy, eager)


@settings(max_examples=60, deadline=None)
@given(DOCUMENTS)
def test_untouched_results_serialise_like_eager_boxes(document):
    lazy, eager = both(document)
    assert lazy.to_dict() == eager.to_dict()
    assert lazy.to_json() == eager.to_json()
    assert json.dumps(lazy) == json.dumps(eager)
    assert dict(lazy) == dict(eager) and {**lazy} == {**eager}


COPIERS: List[Callable[[Any], Any]] = [
    copy.copy, copy.deepcopy, lambda obj: pickle.loads(pickle.dumps(obj)), lambda obj: obj.copy(),
]


@settings(max_examples=60, deadline=None)
@given(DOCUMENTS, st.sampled_from(range(len(COPIERS))))
def test_copies_and_pickles(document, which):
    copier = COPIERS[which]
    lazy, eager = both(document)
    lazy_copy, eager_copy = copier(lazy), copier(eager)
    assert type(lazy_copy) is type(eager_copy) is Box
    assert_same(lazy_copy, eager_copy)
    # copies are independent of the original, as with Box
    lazy_copy['added'] = 1
    assert 'added' not in lazy


MUTATIONS = st.sampled_from(['set_dict', 'set_list', 'del', 'pop', 'setattr_alias', 'update', 'append', 'popitem',
                             'setdefault', 'nested_set', 'sort_reverse'])


def mutate(obj: Any, how: str) -> Any:
    keys = list(obj)
    if how == 'set_dict':
        obj['new'] = {'a': [{'b': 1}]}
    elif how == 'set_list':
        obj.new_list = [{'c': {'d': 2}}, [1]]
    elif how == 'del' and keys:
        del obj[keys[0]]
    elif how == 'pop' and keys:
        return obj.pop(keys[-1])
    elif how == 'setattr_alias':
        obj['customfield-x'] = 1
        obj.customfield_x = {'z': 3}
    elif how == 'update':
        obj.update({'u': {'v': [1, {'w': 2}]}})
    elif how == 'popitem' and keys:
        return obj.popitem()
    elif how == 'setdefault':
        return obj.setdefault('sd', {'e': [1]})
    elif how in ('append', 'nested_set', 'sort_reverse'):
        for key in keys:
            value = obj[key]
            if isinstance(value, BoxList):
                if how == 'append':
                    value.append({'f': [{'g': 1}]})
                elif how == 'sort_reverse':
                    value.reverse()
                    return value.pop() if value else None
                elif value:
                    value[0] = {'h': 1}
                return value
            if isinstance(value, Box):
                value['deep'] = {'i': [1, 2]}
                return value
    return None


@settings(max_examples=150, deadline=None)
@given(DOCUMENTS, st.lists(MUTATIONS, min_size=1, max_size=4))
def test_mutations(document, mutations):
    lazy, eager = both(document)
    for how in mutations:
        lazy_result, eager_result = mutate(lazy, how), mutate(eager, how)
        assert lazy_result == eager_result
        assert isinstance(lazy_result, Box) == isinstance(eager_result, Box)
    assert_same(lazy, eager)


def test_nested_types_are_lazy_subclasses():
    lazy = box_from_json({'a': {'b': [{'c': 1}, [2]]}, 'l': [1]})
    assert type(lazy) is Box
    assert type(dict.__getitem__(lazy, 'a')) is LazyNestedBox
    assert type(dict.__getitem__(lazy.a, 'b')) is list  # not built before it is read
    assert type(lazy.a.b) is LazyNestedBoxList and type(lazy.a.b[0]) is LazyNestedBox
    assert type(lazy.a.b[1]) is LazyNestedBoxList
    assert lazy.a.b is lazy.a.b and lazy['a'] is lazy.a
    assert repr(lazy.a) == 'Box(' + str(lazy.a) + ')'


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({'tags': st.lists(st.dictionaries(KEYS, SCALARS, max_size=4), max_size=4)},
                                      optional={'id': st.text(max_size=4)}), max_size=4))
def test_json_box_results(images):
    lazy, eager = both(images, JsonBox)
    assert type(lazy) is JsonBox
    assert_same(lazy, eager)
    for image in lazy:
        assert type(image) is LazyImageJsonBox and isinstance(image, ImageJsonBox)
        assert list(image.get_tags({})) == list(image.tags)


@settings(max_examples=60, deadline=None)
@given(st.fixed_dictionaries({'tags': st.lists(st.dictionaries(KEYS, SCALARS, max_size=4), max_size=4)}))
def test_image_json_box_results(document):
    lazy, eager = both(document, ImageJsonBox)
    assert type(lazy) is ImageJsonBox
    assert lazy._box_config == eager._box_config
    assert_same(lazy, eager)
    assert all(isinstance(tag, ImageJsonBox) for tag in lazy.tags)
