"""IterableResponse (service_spec 3.3) with the deliberate fixes."""

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ambra_sdk.exceptions.service_base import ServiceResponseError
from ambra_sdk.service.query import QueryOP, QueryOPSF

from .fake_service import json_reply, pager

ROWS = [{'n': n} for n in range(25)]


@pytest.fixture
def service(fake_service):
    fake_service.respond = pager(ROWS)
    return fake_service


def make(service, data=None, rows_in_page=10, cls=QueryOP):
    query = cls(api=service.api(), url='/thing/list', request_data=data if data is not None else {},
                errors_mapping={}, paginated_field='items', required_sid=True)
    return query.set_rows_in_page(rows_in_page)


def numbers(rows):
    return [row.n for row in rows]


def pages(service):
    return [(form['page.number'], form['page.rows']) for form in service.forms()]


def test_all_rows_page_by_page(service):
    assert numbers(make(service).all()) == list(range(25))
    assert pages(service) == [('1', '10'), ('2', '10'), ('3', '10')]
    assert all(form['sid'] == 'SID-1' for form in service.forms())


def test_default_rows_in_page_is_100(service):
    query = QueryOP(api=service.api(), url='/thing/list', request_data={}, errors_mapping={}, paginated_field='items')
    assert len(list(query.all())) == 25
    assert pages(service) == [('1', '100')]


def test_rows_are_boxes(service):
    row = make(service).first()
    assert row.n == 0 and row['n'] == 0


def test_first(service):
    assert make(service).first().n == 0
    assert pages(service) == [('1', '10')]
    service.respond = pager([])
    assert make(service).first() is None


def test_query_data_is_not_changed(service):
    # the reference wrote page.rows, page.number and sid into the query's data
    data = {'filter.a.equals': 'x'}
    query = make(service, data=data)
    list(query.all())
    assert query.request_args.data == {'filter.a.equals': 'x'}
    assert data == {'filter.a.equals': 'x'}
    query.get()
    assert 'page.number' not in service.forms()[-1]
    assert all(form['filter.a.equals'] == 'x' for form in service.forms())


def test_slice_returns_a_new_object(service):
    # the reference's slicing changed the iterator in place
    everything = make(service).all()
    part = everything[5:12]
    assert part is not everything
    assert numbers(part) == list(range(5, 12))
    assert numbers(everything) == list(range(25))


@pytest.mark.parametrize(
    ('cut', 'expected', 'requested'),
    [
        (slice(5, 12), list(range(5, 12)), ['1', '2']),
        (slice(10, 20), list(range(10, 20)), ['2']),
        (slice(12, None), list(range(12, 25)), ['2', '3']),
        (slice(None, 3), [0, 1, 2], ['1']),
        (slice(1, None), list(range(1, 25)), ['1', '2', '3']),
        (slice(30, 40), [], ['4']),
        (slice(5, 5), [], []),
        (slice(7, 3), [], []),
    ],
)
def test_slices(service, cut, expected, requested):
    assert numbers(make(service).all()[cut]) == expected
    assert [number for number, _ in pages(service)] == requested


def test_no_page_after_the_range_is_complete(service):
    assert numbers(make(service).all()[0:10]) == list(range(10))
    assert pages(service) == [('1', '10')]


def test_slices_compose(service):
    everything = make(service).all()
    assert numbers(everything[5:][2:4]) == [7, 8]
    assert numbers(everything[5:15][8:20]) == [13, 14]
    assert numbers(everything[1:].first() and everything[1:][:1]) == [1]
    assert everything[1:].first().n == 1  # faq.rst: the second result


def test_set_range_changes_this_object(service):
    everything = make(service).all()
    assert everything.set_range(min_row=5, max_row=8) is everything
    assert numbers(everything) == [5, 6, 7]
    assert numbers(everything.set_range(None, None)) == list(range(25))


def test_bad_keys(service):
    everything = make(service).all()
    with pytest.raises(TypeError, match='Invalid argument type'):
        everything[3]
    with pytest.raises(ValueError, match='Not implemented slice step'):
        everything[5:15:2]
    with pytest.raises(ValueError, match='Min row is negative'):
        everything[-1:]
    with pytest.raises(ValueError, match='Max row is negative'):
        everything[:-1]
    with pytest.raises(ValueError, match='Min row is negative'):
        everything.set_range(-1, None)
    assert numbers(everything[2:4:1]) == [2, 3]


def test_iterating_twice_starts_again(service):
    everything = make(service).all()[3:5]
    assert numbers(everything) == [3, 4]
    assert numbers(everything) == [3, 4]


def test_lazy_until_iterated(service):
    iterator = iter(make(service).all())
    assert service.requests == []
    assert next(iterator).n == 0
    assert len(service.requests) == 1


def test_server_ignoring_rows_in_page(service):
    service.respond = pager(ROWS, honour_rows=False)
    with pytest.raises(RuntimeError, match='max_rows_in_page parameter was ignored'):
        list(make(service).all())


def test_empty_pages_with_more_do_not_loop_forever(service):
    def respond(path, form):
        return json_reply({'page': {'rows': int(form['page.rows']), 'more': 1}, 'items': []})

    service.respond = respond
    assert list(make(service).all()) == []
    assert len(service.requests) == 1


def test_short_page_with_more_moves_to_the_next_page(service):
    def respond(path, form):
        number = int(form['page.number'])
        items = [{'n': number * 100 + k} for k in range(3)] if number < 3 else []
        return json_reply({'page': {'rows': int(form['page.rows']), 'more': 1}, 'items': items})

    service.respond = respond
    assert numbers(make(service).all()) == [100, 101, 102, 200, 201, 202]
    assert pages(service) == [('1', '10'), ('2', '10'), ('3', '10')]


def test_non_json_page_is_a_clear_error(service):
    service.respond = lambda path, form: (200, {'Content-Type': 'text/html'}, b'<html>login</html>')
    with pytest.raises(ServiceResponseError) as info:
        list(make(service).all())
    assert info.value.code == 200 and '<html>login</html>' in info.value.response_text


def test_more_false_stops(service):
    service.respond = lambda path, form: json_reply({'page': {'rows': 10, 'more': False}, 'items': [{'n': 1}]})
    assert numbers(make(service).all()) == [1]


def test_error_on_a_later_page(service):
    def respond(path, form):
        if form['page.number'] == '2':
            return json_reply({'status': 'ERROR', 'error_type': 'NOT_FOUND'}, 412)
        return pager(ROWS)(path, form)

    service.respond = respond
    iterator = iter(make(service).all())
    assert [next(iterator).n for _ in range(10)] == list(range(10))
    from ambra_sdk.exceptions.service_base import PreconditionFailed

    with pytest.raises(PreconditionFailed):
        next(iterator)


def test_rows_use_the_return_constructor(service):
    query = make(service)
    query.return_constructor = dict
    assert make(service).first() != {'n': 0} or True
    assert type(query.first()) is dict


def test_filters_sorting_only_are_sent_with_each_page(service):
    from ambra_sdk.service.sorting import Sorter

    query = make(service, cls=QueryOPSF).sort_by(Sorter('n')).only({'item': ['n']})
    list(query.all())
    assert all(form['sort_by'] == 'n-asc' and form['fields.item'] == '["n"]' for form in service.forms())


def test_threads_share_one_query(service):
    query = make(service)
    results = []

    def work():
        results.append(numbers(query.all()))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [list(range(25))] * 4
    assert query.request_args.data == {}


bounds = st.one_of(st.none(), st.integers(min_value=0, max_value=30))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    total=st.integers(min_value=0, max_value=23),
    rows_in_page=st.integers(min_value=1, max_value=7),
    first=st.tuples(bounds, bounds),
    second=st.tuples(bounds, bounds),
)
def test_slices_behave_like_list_slices(fake_service, total, rows_in_page, first, second):
    rows = [{'n': n} for n in range(total)]
    fake_service.respond = pager(rows)
    expected = list(range(total))
    everything = make(fake_service, rows_in_page=rows_in_page).all()
    part = everything[first[0]:first[1]]
    assert numbers(part) == expected[first[0]:first[1]]
    assert numbers(part[second[0]:second[1]]) == expected[first[0]:first[1]][second[0]:second[1]]
    assert numbers(everything) == expected
