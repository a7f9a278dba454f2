"""PreparedRequest execution, return types, re-login and file rewinding (pure tests)."""

import io

import pytest
from box import Box
from requests import Response

from ambra_sdk.exceptions.storage import StudyNotFound
from ambra_sdk.storage.boxes import ImageJsonBox, JsonBox
from ambra_sdk.storage.request import PreparedRequest, StorageMethod

from .helpers import FakeApi, error_body, make_response


def _storage(answers):
    from ambra_sdk.storage.storage import Storage

    api = FakeApi(answers)
    return api, Storage(api)


def test_slots():
    assert PreparedRequest.__slots__ == ('storage', 'url', 'method', 'params', 'files', 'headers', 'data', 'stream')
    assert [m.value for m in StorageMethod] == ['GET', 'POST', 'DELETE']


def test_execute_once_forwards_only_non_none_fields(fake_api, fake_storage):
    prepared = PreparedRequest(fake_storage, 'https://h/x', StorageMethod.post, params={'a': 1}, headers={'H': 'v'})
    response = prepared.execute_once()
    assert isinstance(response, Response)
    call = fake_api.calls[0]
    assert call['method'] == 'POST' and call['url'] == 'https://h/x' and call['required_sid'] is True
    assert call['kwargs'] == {'params': {'a': 1}, 'headers': {'H': 'v'}}


def test_unknown_method(fake_storage):
    prepared = PreparedRequest(fake_storage, 'https://h/x', 'PUT', params={})  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match='Unknown storage request method'):
        prepared.execute_once()


def test_return_types():
    api, storage = _storage([lambda call: make_response(200, {'series': []})] * 2)
    assert type(storage.Study.schema('h', 'n', 's')) is Box
    assert type(storage.Study.schema('h', 'n', 's', use_box=False)) is Response
    assert type(storage.Study.schema('h', 'n', 's', only_prepare=True)) is PreparedRequest
    assert len(api.calls) == 2


def test_image_json_and_json_box_types():
    api, storage = _storage([
        lambda call: make_response(200, {'tags': [{'group': 2, 'name': 'A'}]}),
        lambda call: make_response(200, [{'tags': [{'group': 8, 'name': 'Manufacturer', 'value': 'GE'}]}]),
    ])
    image_json = storage.Study.image_json('h', 'n', 's', 'i', 'v')
    assert type(image_json) is ImageJsonBox
    json_box = storage.Study.json('h', 'n', 's')
    assert type(json_box) is JsonBox
    assert isinstance(json_box[0], ImageJsonBox)  # a lazy subclass (differences.rst)
    assert json_box[0].tag_by_name('Manufacturer').value == 'GE'


def test_execute_returns_raw_response_even_for_box_methods():
    api, storage = _storage([lambda call: make_response(200, {'x': 1})])
    prepared = storage.Study.count('h', 'n', 's', only_prepare=True)
    assert type(prepared.execute()) is Response


def test_error_propagates():
    api, storage = _storage([lambda call: make_response(404, error_body('STUDY_NOT_FOUND', 18))])
    with pytest.raises(StudyNotFound):
        storage.Study.schema('h', 'n', 's')


def test_access_denied_relogin_then_success():
    api, storage = _storage([
        lambda call: make_response(403, error_body('ACCESS_DENIED', 7)),
        lambda call: make_response(200, {'ok': 1}),
    ])
    assert storage.Study.schema('h', 'n', 's').ok == 1
    assert api.relogins == 1 and len(api.calls) == 2


@pytest.mark.parametrize('method', ['upload', 'wrap', 'post_attachment'])
def test_file_bodies_are_rewound_before_the_retry(method, tmp_path):
    """Fix: the reference re-sent an already read (empty) file after a re-login."""
    path = tmp_path / 'f.bin'
    path.write_bytes(b'HEADER-PAYLOAD')
    api, storage = _storage([
        lambda call: make_response(403, error_body('ACCESS_DENIED', 7)),
        lambda call: make_response(202, {'ok': 1}),
    ])
    with open(path, 'rb') as opened:
        opened.read(7)  # start position 7: the reference sends from the current position
        if method == 'upload':
            storage.Image.upload('h', 'n', opened)
        elif method == 'wrap':
            storage.Image.wrap('h', 'n', opened)
        else:
            storage.Study.post_attachment('h', 'n', 's', opened)
    sent = [call['body'] if method == 'upload' else next(iter(call['files'].values())) for call in api.calls]
    assert sent == [b'PAYLOAD', b'PAYLOAD']


def test_tuple_file_spec_is_rewound(tmp_path):
    buffer = io.BytesIO(b'abc')
    api, storage = _storage([
        lambda call: make_response(403, error_body('ACCESS_DENIED', 7)),
        lambda call: make_response(200, {}),
    ])
    storage.Study.post_attachment('h', 'n', 's', ('a.txt', buffer, 'text/plain'))
    assert [call['files']['data'] for call in api.calls] == [b'abc', b'abc']


def test_files_opened_from_a_path_are_closed(tmp_path):
    path = tmp_path / 'f.bin'
    path.write_bytes(b'x')
    api, storage = _storage([lambda call: make_response(200, {})])
    storage.Image.upload('h', 'n', path)
    assert api.calls[0]['kwargs']['data'].closed


def test_repr_hides_params(fake_storage):
    prepared = PreparedRequest(fake_storage, 'https://h/x', StorageMethod.get, params={'sid': 'SECRET'})
    assert 'SECRET' not in repr(prepared)


def test_text_bodies_are_sent_as_utf8(fake_api, fake_storage):
    """Fix: the reference let http.client encode str bodies as Latin-1 (charset=utf-8 declared)."""
    fake_storage.Study.create_rt('h', 'n', 's', '{"name": "Lésion – ROI"}')
    assert fake_api.calls[0]['body'] == '{"name": "Lésion – ROI"}'.encode()
    fake_storage.Study.delete_images('h', 'n', 's', '1.2.3,1.2.4')
    assert fake_api.calls[1]['body'] == b'1.2.3,1.2.4'


def test_non_seekable_body_is_sent(fake_api, fake_storage):
    import os

    read_end, write_end = os.pipe()
    os.write(write_end, b'streamed')
    os.close(write_end)
    with open(read_end, 'rb') as pipe:
        fake_storage.Image.upload('h', 'n', pipe)
    assert fake_api.calls[0]['body'] == b'streamed'
