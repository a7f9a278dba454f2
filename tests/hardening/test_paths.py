"""Issue 14, point 1: storage path arguments are one validated, percent-encoded segment each."""

import inspect
import io
from typing import Any, Dict, List, Tuple

import pytest

from ambra_sdk.storage.paths import encode_path_segment, format_storage_url
from tests.hardening.conftest import make_api
from tests.hardening.servers import SID, Reply

BAD_SEGMENTS = ['../../S', '..', '.', '', 'a/b', '1.2?sid=X&', 'a#b', 'a\\b', 'a\nb', 'a\x00b', '\x7f', None, 1.5,
                b'bytes', ['a'], True]
GOOD_SEGMENTS = {
    '1.2.840.113619.2.55.3.604688119.969.1268071029.320': '1.2.840.113619.2.55.3.604688119.969.1268071029.320',
    '2.25.339237163512436155432327318137158196017': '2.25.339237163512436155432327318137158196017',
    'a4b7e1c6-3f0e-4a8b-9d3c-2f1e0d9c8b7a': 'a4b7e1c6-3f0e-4a8b-9d3c-2f1e0d9c8b7a',
    'ns_1-A': 'ns_1-A',
    '*': '*',
    'a b': 'a%20b',
    '100%': '100%25',
    '%2F': '%252F',
    'é': '%C3%A9',
    7: '7',
}


def _filler(name: str) -> Any:
    special = {
        'engine_fqdn': '127.0.0.1:9',
        'opened_file': io.BytesIO(b'x'),
        'body': '{}',
        'request_body': '{}',
        'region': '{"x": 1}',
        'bundle': 'dicom',
        'frame_number': 1,
        'chunk_number': 0,
        'file_size': 6,
        'bytes_part': b'abcdef',
    }
    return special.get(name, 'marker{0}'.format(name.replace('_', '')))


def storage_methods() -> List[Tuple[str, str]]:
    api = make_api_offline()
    found = []
    for namespace in ('Study', 'Image'):
        holder = getattr(api.Storage, namespace)
        for name in dir(holder):
            method = getattr(holder, name)
            if name.startswith('_') or not callable(method):
                continue
            try:
                parameters = inspect.signature(method).parameters
            except (TypeError, ValueError):
                continue
            if 'engine_fqdn' in parameters and 'only_prepare' in parameters:
                found.append((namespace, name))
    return found


def make_api_offline() -> Any:
    from ambra_sdk.api import Api

    return Api.with_sid('http://127.0.0.1:9/api/v3', SID, storage_base_url='http://{engine_fqdn}/api/v3/storage')


def _required(method: Any) -> Dict[str, Any]:
    return {
        name: _filler(name)
        for name, parameter in inspect.signature(method).parameters.items()
        if parameter.default is inspect.Parameter.empty
    }


def _path_arguments(method: Any) -> List[str]:
    kwargs = _required(method)
    prepared = method(only_prepare=True, **kwargs)
    return [name for name, value in kwargs.items() if isinstance(value, str) and value in prepared.url
            and name != 'engine_fqdn'] + (['frame_number'] if 'frame_number' in kwargs else [])


METHODS = storage_methods()


def test_every_storage_method_is_covered():
    assert len(METHODS) >= 38


@pytest.mark.parametrize('namespace, name', METHODS)
def test_every_path_argument_of_every_method_is_checked(namespace, name):
    api = make_api_offline()
    method = getattr(getattr(api.Storage, namespace), name)
    path_arguments = _path_arguments(method)
    assert path_arguments or name == 'multipart_initiate', 'no path argument found in {0}'.format(name)
    for bad_host in ('host:1@other:2', None, 'a/b', 'h?x'):
        kwargs = _required(method)
        kwargs['engine_fqdn'] = bad_host
        with pytest.raises(ValueError, match='engine_fqdn'):
            method(only_prepare=True, **kwargs)
    for argument in path_arguments:
        for bad in ('../x', 'a?b', 'a#b', '..', ''):
            kwargs = _required(method)
            kwargs[argument] = bad
            with pytest.raises(ValueError, match=argument):
                method(only_prepare=True, **kwargs)


@pytest.mark.parametrize('value', BAD_SEGMENTS, ids=repr)
def test_bad_segments_are_refused_naming_the_argument(value):
    with pytest.raises(ValueError, match='image_uid'):
        encode_path_segment('image_uid', value)


@pytest.mark.parametrize('value, wire', list(GOOD_SEGMENTS.items()), ids=repr)
def test_good_segments_are_encoded_as_one_segment(value, wire):
    assert encode_path_segment('study_uid', value) == wire


def test_ordinary_uids_are_unchanged_on_the_wire():
    url = format_storage_url(
        'https://{engine_fqdn}/api/v3/storage', '/study/{namespace}/{study_uid}/image/{image_uid}/version/{v}',
        'storelpt.ambrahealth.com', {'namespace': 'abc123', 'study_uid': '1.2.3', 'image_uid': '1.2.3.4', 'v': '*'},
    )
    assert url == 'https://storelpt.ambrahealth.com/api/v3/storage/study/abc123/1.2.3/image/1.2.3.4/version/*'


def test_delete_image_with_dot_dot_sends_nothing(script_server):
    """``delete_image(image_uid='../../S')`` was a DELETE of the whole study."""
    server = script_server(Reply(200, b'{}'))
    api = make_api(server)
    with pytest.raises(ValueError, match='image_uid'):
        api.Storage.Study.delete_image(server.engine_fqdn, 'ns', 'S', '../../S')
    with pytest.raises(ValueError, match='study_uid'):
        api.Storage.Study.schema(server.engine_fqdn, 'ns', '1.2?sid=X&')
    with pytest.raises(ValueError, match='study_uid'):
        api.Storage.Study.delete(server.engine_fqdn, 'ns', 'S#')
    assert server.requests == []


def test_odd_but_valid_segment_reaches_the_server_encoded(script_server):
    server = script_server(Reply(200, b'{}'))
    api = make_api(server)
    api.Storage.Study.schema(server.engine_fqdn, 'ns', 'a b%')
    method, target, _ = server.requests[0]
    assert method == 'GET'
    assert target.startswith('/api/v3/storage/study/ns/a%20b%25/schema?')
