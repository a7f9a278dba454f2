"""only(): wire format of service_spec 4.3, with dicts inside lists fixed."""

import json

import pytest


class FakeField:
    """Stands for a model FieldDescriptor (``Study.study_uid``)."""

    def __init__(self, parent, name):
        self._parent, self._name = parent, name

    def get_only(self):
        return {self._parent.lower(): [self._name]}


def test_top_fields_keep_order_and_duplicates(make_query):
    query = make_query('QueryO', url='/user/get')
    assert query.only('f1') is query
    query.only('f2').only(['f3', 'f1'])
    assert query.request_args.data == {'fields._top': '["f1", "f2", "f3", "f1"]'}


def test_struct_fields_are_sorted_and_unique(make_query):
    query = make_query()
    query.only({'study': ['f1', 'f2']}).only({'study': ['f1', 'f3']})
    assert query.request_args.data == {'fields.study': '["f1", "f2", "f3"]'}


def test_model_fields(make_query):
    query = make_query().only(FakeField('Study', 'study_uid'))
    assert query.request_args.data == {'fields.study': '["study_uid"]'}
    query = make_query('QueryOPSF', url='/account/list').only([FakeField('Account', 'name'), FakeField('Account', 'uuid')])
    assert query.request_args.data == {'fields.account': '["name", "uuid"]'}


def test_dict_inside_a_list_is_merged(make_query):
    # quirk 8 fixed: the reference raised AttributeError ('list' object has no attribute 'items')
    query = make_query().only(['uuid', {'study': ['b', 'a']}, FakeField('Study', 'c'), {'patient': 'name'}])
    assert query.request_args.data == {
        'fields._top': '["uuid"]',
        'fields.study': '["a", "b", "c"]',
        'fields.patient': '["name"]',
    }


def test_helpers(make_query):
    query = make_query('QueryO', url='/user/get')
    query.only_top_field('a').only_top_fields(['b', 'c']).only_struct_fields({'user': ['z', 'y']})
    assert json.loads(query.request_args.data['fields._top']) == ['a', 'b', 'c']
    assert json.loads(query.request_args.data['fields.user']) == ['y', 'z']


def test_only_struct_does_not_touch_top(make_query):
    query = make_query().only({'study': ['uuid']})
    assert 'fields._top' not in query.request_args.data


def test_only_keeps_other_data(make_query):
    query = make_query(data={'uuid': 'u1'}).only('a')
    assert query.request_args.data == {'uuid': 'u1', 'fields._top': '["a"]'}


@pytest.mark.parametrize('bad', [3, None, object(), [['nested']]])
def test_other_values_are_rejected_with_a_message(make_query, bad):
    with pytest.raises(ValueError, match='only\\(\\) takes a field name'):
        make_query().only(bad)
