"""Filters: wire format of service_spec 4.1, with the negative offset and condition checks fixed."""

from datetime import date, datetime, timedelta, timezone

import pytest

from ambra_sdk.service.filtering import Filter, FilterCondition, WithFilter, format_utc_offset


def tz(hours=0, minutes=0):
    return timezone(timedelta(hours=hours, minutes=minutes))


@pytest.mark.parametrize(
    ('member', 'wire'),
    [
        (FilterCondition.equals, 'equals'),
        (FilterCondition.equals_or_null, 'equals_or_null'),
        (FilterCondition.not_equals, 'not_equals'),
        (FilterCondition.not_equals_or_null, 'not_equals_or_null'),
        (FilterCondition.like, 'like'),
        (FilterCondition.gt, 'gt'),
        (FilterCondition.ge, 'ge'),
        (FilterCondition.lt, 'lt'),
        (FilterCondition.le, 'le'),
        (FilterCondition.in_condition, 'in'),
        (FilterCondition.in_or_null, 'in_or_null'),
    ],
)
def test_condition_wire_values(make_query, member, wire):
    assert member.value == wire
    query = make_query().filter_by(Filter('name', member, 'x'))
    assert query.request_args.data == {'filter.name.{}'.format(wire): 'x'}


def test_filter_is_a_named_tuple():
    flt = Filter('name', FilterCondition.equals, 'x')
    assert flt == ('name', FilterCondition.equals, 'x')
    assert flt.field_name == 'name' and flt.value == 'x'


def test_filter_returns_self_and_accumulates(make_query):
    query = make_query()
    same = query.filter_by(Filter('a', FilterCondition.equals, 'x')).filter_by(Filter('a', FilterCondition.gt, 1))
    assert same is query
    query.filter_by(Filter('b', FilterCondition.like, '%y%'))
    assert query.request_args.data == {'filter.a.equals': 'x', 'filter.a.gt': 1, 'filter.b.like': '%y%'}


def test_same_field_and_condition_overwrites(make_query):
    query = make_query()
    query.filter_by(Filter('a', FilterCondition.equals, 'x')).filter_by(Filter('a', FilterCondition.equals, 'y'))
    assert query.request_args.data == {'filter.a.equals': 'y'}


@pytest.mark.parametrize(
    ('value', 'wire'),
    [
        ('text', 'text'),
        (['value', datetime(2000, 1, 2, 3, 4, 5)], '["value", "2000-01-02 03:04:05"]'),
        ({'a': 1}, '{"a": 1}'),
        (date(2000, 1, 2), '2000-01-02 00:00:00'),
        (datetime(2000, 1, 2, 3, 4, 5, 999), '2000-01-02 03:04:05'),
        (5, 5),
    ],
)
def test_values_are_cast(make_query, value, wire):
    query = make_query().filter_by(Filter('f', FilterCondition.equals, value))
    assert query.request_args.data == {'filter.f.equals': wire}


def test_values_are_cast_even_without_autocast(make_query):
    query = make_query().filter_by(Filter('f', FilterCondition.in_condition, ['a', 'b']))
    assert query.request_args.data == {'filter.f.in': '["a", "b"]'}


def test_naive_datetime_sends_no_tz(make_query):
    query = make_query().filter_by(Filter('created', FilterCondition.gt, datetime(2020, 1, 2, 3, 4, 5)))
    assert query.request_args.data == {'filter.created.gt': '2020-01-02 03:04:05'}


@pytest.mark.parametrize(
    ('offset', 'wire'),
    [
        (tz(3), '+03:00'),
        (tz(-3), '-03:00'),
        (tz(10), '+10:00'),
        (tz(0), '+00:00'),
        (tz(5, 30), '+05:30'),
        (tz(5, 45), '+05:45'),
        # fixed quirk 14: the reference wrote -04:30 for -03:30
        (tz(-3, -30), '-03:30'),
        (tz(-9, -30), '-09:30'),
        (tz(0, -30), '-00:30'),
    ],
)
def test_aware_datetime_sets_filter_tz_with_wall_clock_time(make_query, offset, wire):
    value = datetime(2020, 1, 2, 3, 4, 5, 678, tzinfo=offset)
    query = make_query().filter_by(Filter('created', FilterCondition.ge, value))
    assert query.request_args.data == {'filter.created.ge': '2020-01-02 03:04:05', 'filter.tz': wire}


def test_negative_half_hour_offset_is_not_floored():
    assert format_utc_offset(timedelta(hours=-3, minutes=-30)) == '-03:30'
    assert format_utc_offset(timedelta(hours=-3, minutes=-30, seconds=-15)) == '-03:30'


def test_offset_over_24_hours_is_wrong():
    with pytest.raises(ValueError, match='Wrong timezone'):
        format_utc_offset(timedelta(hours=25))


def test_same_timezone_twice_is_fine(make_query):
    query = make_query()
    query.filter_by(Filter('a', FilterCondition.gt, datetime(2020, 1, 1, tzinfo=tz(2))))
    query.filter_by(Filter('a', FilterCondition.lt, datetime(2020, 2, 1, tzinfo=tz(2))))
    assert query.request_args.data['filter.tz'] == '+02:00'


def test_two_timezones_are_rejected(make_query):
    query = make_query().filter_by(Filter('a', FilterCondition.gt, datetime(2020, 1, 1, tzinfo=tz(2))))
    with pytest.raises(ValueError, match='Use one timezone for all datetimes'):
        query.filter_by(Filter('a', FilterCondition.lt, datetime(2020, 2, 1, tzinfo=tz(3))))


def test_unknown_offset():
    from datetime import tzinfo

    class NoOffset(tzinfo):
        def utcoffset(self, dt):
            return None

    class Holder(WithFilter):
        pass

    from ambra_sdk.request_args import RequestArgs

    holder = Holder()
    holder.request_args = RequestArgs(method='POST', url='/x', full_url='http://h/x', data=None)
    with pytest.raises(ValueError, match='Unknown offset'):
        holder.filter_by(Filter('a', FilterCondition.gt, datetime(2020, 1, 1, tzinfo=NoOffset())))


def test_none_data_becomes_a_dict(make_query):
    query = make_query()
    query.request_args.data = None
    query.filter_by(Filter('a', FilterCondition.equals, 'x'))
    assert query.request_args.data == {'filter.a.equals': 'x'}


def test_wire_value_string_is_accepted(make_query):
    query = make_query().filter_by(Filter('a', 'in', '[1]'))
    assert query.request_args.data == {'filter.a.in': '[1]'}


@pytest.mark.parametrize('condition', ['in_condition', 'equal', None, 3])
def test_invalid_condition_names_allowed_values(make_query, condition):
    # the reference failed with AttributeError ('str' object has no attribute 'value')
    with pytest.raises(ValueError, match='Invalid filter condition') as info:
        make_query().filter_by(Filter('a', condition, 'x'))
    message = str(info.value)
    assert 'FilterCondition.in_condition' in message and "'in'" in message and 'equals_or_null' in message
