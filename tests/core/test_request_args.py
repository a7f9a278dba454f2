"""Autocast of service arguments (service_spec 1.9, with bools fixed)."""

from datetime import date, datetime, timezone

import pytest
from box import Box

from ambra_sdk.request_args import RequestArgs, cast_argument, cast_arguments


@pytest.mark.parametrize(
    ('value', 'expected'),
    [
        (datetime(2000, 1, 2, 3, 4, 5), '2000-01-02 03:04:05'),
        (datetime(2000, 1, 2, 3, 4, 5, 123, tzinfo=timezone.utc), '2000-01-02 03:04:05'),
        (date(2000, 1, 2), '2000-01-02 00:00:00'),
        (['a', 'b', 'c'], '["a", "b", "c"]'),
        ({'a': 1}, '{"a": 1}'),
        (['value', datetime(2000, 1, 2, 3, 4, 5)], '["value", "2000-01-02 03:04:05"]'),
        (Box({'a': 1}), '{"a": 1}'),
        (True, '1'),
        (False, '0'),
        ('text', 'text'),
        (3, 3),
        (1.5, 1.5),
        (b'raw', b'raw'),
        (None, None),
        (('x', 'y'), ('x', 'y')),
    ],
)
def test_cast_argument(value, expected):
    assert cast_argument(value) == expected


def test_cast_arguments_returns_new_dict():
    data = {'a': [1], 'b': 'x'}
    assert cast_arguments(data) == {'a': '[1]', 'b': 'x'}
    assert data == {'a': [1], 'b': 'x'}


def test_encoder_rejects_unknown_types():
    with pytest.raises(TypeError):
        cast_argument([object()])


def test_dict_optional_args():
    args = RequestArgs(method='POST', url='/x', full_url='http://h/x', data={'a': [1], 'b': None})
    assert args.dict_optional_args(True) == {'data': {'a': '[1]', 'b': None}}
    assert args.dict_optional_args(False) == {'data': {'a': [1], 'b': None}}
    assert args.data == {'a': [1], 'b': None}


def test_repr_hides_secrets():
    args = RequestArgs(method='POST', url='/session/login', full_url='http://h/x',
                       data={'login': 'user@example.com', 'password': 'topsecret-pw'})
    text = repr(args)
    assert 'topsecret-pw' not in text and 'user@example.com' not in text
