"""Issue 24: THE bounded JSON decoder (``ambra_sdk.bounded_json``) and its depth scan."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ambra_sdk.bounded_json import JsonTooDeep, JsonTooLarge, UnreadableJson, bounded_json_loads, json_depth

TEXTS = st.text(alphabet=st.sampled_from('ab"\\[]{}/\u00e9\n'), max_size=8)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXTS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXTS, children, max_size=3),
    max_leaves=30,
)


def depth_of(value):
    if isinstance(value, list):
        return 1 + max((depth_of(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth_of(item) for item in value.values()), default=0)
    return 0


@settings(max_examples=400, deadline=None)
@given(VALUES, st.booleans())
def test_the_scan_measures_the_depth_exactly(value, ascii_only):
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert json_depth(text.encode('utf-8')) == depth_of(value)
    assert bounded_json_loads(text, max_depth=max(depth_of(value), 1)) == value


@pytest.mark.parametrize('text', ['[' * 101 + ']' * 101, '{"a":' * 101 + '1' + '}' * 101, '[' * 10 ** 6])
def test_too_deep_is_refused_before_decoding(text):
    with pytest.raises(JsonTooDeep, match='nested deeper than 100 levels'):
        bounded_json_loads(text)
    with pytest.raises(JsonTooDeep):
        bounded_json_loads(text.encode('utf-16'))  # any encoding json.loads takes is scanned as UTF-8


def test_brackets_in_strings_do_not_count():
    text = json.dumps({'s': '[' * 1000, 't': '\\"[[[', 'u': '{' * 500})
    assert bounded_json_loads(text) == json.loads(text)


def test_size_and_syntax_errors_are_clear_and_quote_nothing():
    with pytest.raises(JsonTooLarge, match='larger than 10 bytes'):
        bounded_json_loads('"secret-value"', max_bytes=10)
    for bad in (b'{"password": "secret-value"', b'\xff"secret-value"', b''):
        with pytest.raises(UnreadableJson) as info:
            bounded_json_loads(bad)
        assert 'secret-value' not in str(info.value)
        assert info.value.__cause__ is None and info.value.__context__ is None
    assert isinstance(JsonTooDeep('x'), ValueError)
