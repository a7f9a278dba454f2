"""LazyBox: the default return constructor of queries (a Box that boxes on first read)."""

import copy
import json
import pickle

import pytest
from box import Box, BoxList

from ambra_sdk.service.lazy_box import LazyBox, LazyBoxList

DOC = {'page': {'more': 0}, 'rows': [{'a': {'b': [1, {'c': 2}]}, 'd': 'x'}, [3, {'e': 4}]], 'n': None}


def fresh():
    return json.loads(json.dumps(DOC))


def test_it_is_a_box_with_attribute_access():
    box = LazyBox(fresh())
    assert isinstance(box, Box) and isinstance(box.rows, BoxList)
    assert box.page.more == 0 and box['page']['more'] == 0
    assert box.rows[0].a.b[1].c == 2
    assert box.rows[1][1].e == 4
    assert box.get('page').more == 0 and box.get('missing') is None
    assert 'page' in box and len(box) == 3 and list(box.keys()) == ['page', 'rows', 'n']
    assert box.n is None


def test_values_are_converted_once():
    box = LazyBox(fresh())
    assert box.page is box.page
    assert box.rows[0] is box.rows[0]
    assert type(box.page) is LazyBox and type(box.rows) is LazyBoxList


def test_values_items_and_iteration_give_boxes():
    box = LazyBox(fresh())
    assert all(type(value) not in (dict, list) for value in box.values())
    assert all(type(value) not in (dict, list) for _, value in box.items())
    assert all(isinstance(row, (Box, BoxList)) for row in box.rows)
    assert isinstance(box.rows[0:1][0], Box)
    assert isinstance(box.pop('page'), Box)


def test_equality_and_plain_copies():
    box = LazyBox(fresh())
    assert box == DOC
    plain = box.to_dict()
    assert plain == DOC and type(plain['page']) is dict and type(plain['rows'][0]['a']['b'][1]) is dict
    plain['page']['more'] = 1
    assert box.page.more == 0
    assert json.loads(box.to_json()) == DOC
    assert json.loads(json.dumps(box)) == DOC
    assert box.rows.to_list() == DOC['rows']


def test_copy_pickle_and_set():
    box = LazyBox(fresh())
    assert copy.copy(box) == DOC and copy.deepcopy(box) == DOC
    restored = pickle.loads(pickle.dumps(box))
    assert restored == DOC and restored.rows[0].a.b[1].c == 2
    box.extra = {'z': 1}
    assert box.extra.z == 1


def test_box_options_fall_back_to_box():
    box = LazyBox(fresh(), frozen_box=True)
    assert box.page.more == 0
    subclass_list = LazyBoxList([{'a': 1}], box_class=Box)
    assert type(subclass_list[0]) is Box


def test_attribute_aliases_of_unsafe_keys():
    box = LazyBox({'customfield-abc': 1, 'Some Key': {'x': 2}, 'ok': 3})
    assert box.customfield_abc == 1
    assert box.Some_Key.x == 2  # same alias as an eager Box
    assert 'customfield_abc' in dir(box)
    box.customfield_abc = 5
    assert box['customfield-abc'] == 5
    assert LazyBox({'a-b': 1}).to_dict() == {'a-b': 1}
    with pytest.raises(AttributeError):
        box.missing  # noqa: B018
