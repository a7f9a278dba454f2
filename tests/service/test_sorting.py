"""Sorting: wire format of service_spec 4.2."""

import pytest

from ambra_sdk.service.sorting import Sorter, SortingOrder


def test_orders():
    assert SortingOrder.ascending.value == 'asc'
    assert SortingOrder.descending.value == 'desc'


def test_sorter_str_and_default_order():
    assert str(Sorter('patient_name')) == 'patient_name-asc'
    assert str(Sorter('patient_name', SortingOrder.descending)) == 'patient_name-desc'
    assert str(Sorter(field_name='created', order='desc')) == 'created-desc'
    assert Sorter('a') == ('a', SortingOrder.ascending)


def test_invalid_order():
    with pytest.raises(ValueError, match="Allowed values: SortingOrder.ascending \\('asc'\\)"):
        str(Sorter('a', 'up'))


def test_sort_by_appends_in_order(make_query):
    query = make_query()
    same = query.sort_by(Sorter('created', SortingOrder.ascending))
    assert same is query
    assert query.request_args.data == {'sort_by': 'created-asc'}
    query.sort_by(Sorter('patient_name', SortingOrder.descending))
    assert query.request_args.data == {'sort_by': 'created-asc,patient_name-desc'}


def test_sort_by_on_none_data(make_query):
    query = make_query('QueryOS', url='/x')
    query.request_args.data = None
    query.sort_by(Sorter('a'))
    assert query.request_args.data == {'sort_by': 'a-asc'}
