"""Issue 24, point 5: bundles and pagination against bad values and hostile servers.

* a value that cannot be encoded fails that call alone, at ``add()``; the bundle stays usable;
* ``all()`` stops on a server that repeats a page (same rows, ``more`` still set) with a clear error;
* non-integer ``page.rows``/``page.more`` raise the SDK's response error.
"""

import itertools
import json

import pytest

from ambra_sdk.exceptions.service_base import ServiceResponseError
from tests.hardening.conftest import make_api
from tests.hardening.servers import Reply

#: Rows taken at most from an iteration (the old code looped forever on a repeating server).
LIMIT = 500


class Unprintable:
    """A value whose text form cannot be made."""

    def __str__(self):
        raise TypeError('no text form')


def circular():
    value = []
    value.append(value)
    return value


BAD_VALUES = [
    (True, float('nan')), (True, float('inf')), (True, [object()]), (True, {'k': {1, 2}}), (True, circular()),
    (True, Unprintable()),
    # without autocast, lists go as lists and other objects as their text (as form values do)
    (False, float('nan')), (False, [float('-inf')]), (False, circular()), (False, Unprintable()),
]


@pytest.mark.parametrize(('autocast', 'bad'), BAD_VALUES, ids=[
    'nan', 'inf', 'list-of-object', 'dict-with-set', 'circular', 'unprintable',
    'raw-nan', 'raw-list-of-inf', 'raw-circular', 'raw-unprintable',
])
def test_a_value_that_cannot_be_encoded_fails_at_add_and_the_bundle_stays_usable(api, autocast, bad):
    api._autocast_arguments = autocast
    uuid = api.Session.user().get().uuid
    bundle = api.bundle()
    first = bundle.add(api.User.get(uuid=uuid))
    with pytest.raises(ValueError, match="'uuid' cannot be encoded as JSON") as info:
        bundle.add(api.User.get(uuid=bad))
    assert 'no text form' not in str(info.value)
    last = bundle.add(api.User.get(uuid=uuid))
    items = bundle.run()
    assert items == [first, last] and bundle.items == [first, last]
    assert first.ok and last.ok, (first.error, last.error)
    assert first.result().uuid == uuid


def page(rows, more=1, rows_in_page=2, **extra):
    body = {'status': 'OK', 'studies': rows, 'page': dict({'more': more, 'rows': rows_in_page}, **extra)}
    return Reply(200, json.dumps(body).encode())


def test_all_stops_on_a_server_that_repeats_its_page(script_server):
    server = script_server(page([{'uuid': 'a'}, {'uuid': 'b'}]))  # ignores page.number: page 1 forever
    api = make_api(server)
    from ambra_sdk.service.query import RepeatedPage

    rows = []
    with pytest.raises(RepeatedPage, match='page 2 holds the same rows as page 1') as info:
        rows.extend(itertools.islice(api.Study.list().set_rows_in_page(2).all(), LIMIT))
    assert [row.uuid for row in rows] == ['a', 'b']
    assert isinstance(info.value, ServiceResponseError)
    assert len(server.requests) == 2


def test_a_repeated_page_with_more_unset_is_the_end(script_server):
    server = script_server(page([{'uuid': 'a'}, {'uuid': 'b'}], more=0))
    rows = list(make_api(server).Study.list().set_rows_in_page(2).all())
    assert [row.uuid for row in rows] == ['a', 'b']


def test_new_rows_on_each_page_are_all_read(script_server):
    pages = iter([page([{'uuid': 'a'}, {'uuid': 'b'}]), page([{'uuid': 'c'}, {'uuid': 'd'}]),
                  page([{'uuid': 'e'}], more=0)])
    server = script_server(lambda method, target: next(pages))
    rows = list(make_api(server).Study.list().set_rows_in_page(2).all())
    assert [row.uuid for row in rows] == ['a', 'b', 'c', 'd', 'e']


@pytest.mark.parametrize(('key', 'value'), [
    ('rows', 'abc'), ('rows', [2]), ('rows', 2.5), ('rows', {'n': 2}), ('rows', True), ('rows', -2), ('rows', 1e308),
    ('more', 'yes'), ('more', [1]), ('more', {'a': 1}), ('more', 0.5), ('more', -1),
])
def test_non_integer_page_fields_raise_the_response_error(script_server, key, value):
    fields = {'rows': 2, 'more': 1}
    fields[key] = value
    rows = [{'uuid': 'a'}, {'uuid': 'b'}]
    server = script_server(Reply(200, json.dumps({'status': 'OK', 'studies': rows, 'page': fields}).encode()))
    api = make_api(server)
    with pytest.raises(ServiceResponseError, match="'page.{0}' is not an integer".format(key)):
        list(itertools.islice(api.Study.list().set_rows_in_page(2).all(), LIMIT))
    assert len(server.requests) == 1


@pytest.mark.parametrize(('rows', 'more'), [('2', '0'), (2, False), (2, 0)])
def test_integer_forms_the_server_may_send_are_read(script_server, rows, more):
    body = {'status': 'OK', 'studies': [{'uuid': 'a'}, {'uuid': 'b'}], 'page': {'rows': rows, 'more': more}}
    server = script_server(Reply(200, json.dumps(body).encode()))
    rows = itertools.islice(make_api(server).Study.list().set_rows_in_page(2).all(), LIMIT)
    assert [row.uuid for row in rows] == ['a', 'b']  # the old code read more='0' as true: forever
