"""ImageJsonBox / JsonBox behaviour on python-box 8."""

import pytest
from box import Box, BoxKeyError

from ambra_sdk.storage.boxes import ImageJsonBox, JsonBox

TAGS = {
    'tags': [
        {'group': 2, 'element': 1, 'name': 'FileMetaInformationVersion', 'vr': 'OB', 'vl': 2, 'value': '1'},
        {'group': 2, 'element': 2, 'name': 'MediaStorageSOPClassUID', 'vr': 'UI', 'vl': 26, 'value': '1.2'},
        {'group': 8, 'element': 112, 'name': 'Manufacturer', 'vr': 'LO', 'vl': 18, 'value': 'GE MEDICAL SYSTEMS'},
        {'group': 9, 'element': 16, 'name': '?', 'vr': 'LO', 'vl': 4, 'value': 'priv'},
        {'group': 8, 'element': 112, 'name': 'Manufacturer', 'vr': 'LO', 'vl': 4, 'value': 'second'},
    ],
}


def test_tags_are_image_json_boxes():
    box = ImageJsonBox(TAGS)
    assert isinstance(box, Box)
    assert all(type(tag) is ImageJsonBox for tag in box.tags)


def test_get_tags_is_a_generator_with_and_semantics():
    box = ImageJsonBox(TAGS)
    found = box.get_tags({'group': 2})
    assert iter(found) is found
    assert [tag.element for tag in found] == [1, 2]
    assert [tag.value for tag in box.get_tags({'group': 8, 'vl': 4})] == ['second']
    assert list(box.get_tags({'group': '2'})) == []  # no coercion
    assert len(list(box.get_tags({}))) == 5
    assert len(list(box.get_tags({'missing': None}))) == 5


def test_tag_by_name():
    box = ImageJsonBox(TAGS)
    assert box.tag_by_name('Manufacturer').value == 'GE MEDICAL SYSTEMS'
    assert box.tag_by_name('Nope') is None


def test_missing_tags_raise_on_iteration():
    generator = ImageJsonBox({}).get_tags({})
    with pytest.raises(BoxKeyError):
        next(generator)


def test_json_box_elements():
    json_box = JsonBox([TAGS, TAGS])
    assert len(json_box) == 2
    assert all(type(item) is ImageJsonBox for item in json_box)
    assert json_box[0].tag_by_name('Manufacturer').value == 'GE MEDICAL SYSTEMS'
    assert type(json_box[1].tags[0]) is ImageJsonBox


def test_json_box_nested_list_does_not_raise():
    json_box = JsonBox([[TAGS]])
    assert type(json_box[0][0]) is ImageJsonBox


def test_json_box_empty():
    assert list(JsonBox()) == []


def test_reexported_from_study_module():
    from ambra_sdk.storage import study

    assert study.ImageJsonBox is ImageJsonBox
    assert study.JsonBox is JsonBox
