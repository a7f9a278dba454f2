"""check_response and result building (service_spec 3.6, with fixes)."""

import json

import pytest
import requests
from box import Box

from ambra_sdk.exceptions.base import AmbraResponseException
from ambra_sdk.exceptions.service_base import (
    AuthorizationRequired,
    MethodNotAllowed,
    PreconditionFailed,
    ServiceResponseError,
)
from ambra_sdk.service.lazy_box import LazyBox
from ambra_sdk.service.response import RESPONSE_TEXT_LIMIT, build_result, check_response, page_json


class NotFound(PreconditionFailed):
    """Stands for the generated class."""


class DuplicateName(PreconditionFailed):
    """Stands for the generated class."""


class RoleNamespaceMismatch(PreconditionFailed):
    """Stands for the generated class."""


def make_response(status, body=b'', content_type='application/json'):
    response = requests.Response()
    response.status_code = status
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    elif isinstance(body, str):
        body = body.encode()
    response._content = body
    if content_type is not None:
        response.headers['Content-Type'] = content_type
    response.encoding = 'utf-8'
    return response


def error_body(error_type, error_subtype=None, error_data=None):
    body = {'status': 'ERROR', 'error_type': error_type}
    if error_subtype is not None:
        body['error_subtype'] = error_subtype
    if error_data is not None:
        body['error_data'] = error_data
    return body


MAPPING = {
    ('NOT_FOUND', None): NotFound(description='The study was not found'),
    ('ROLE_NAMESPACE_MISMATCH', 'INCOMPATIBLE_ROLE'): RoleNamespaceMismatch(description='Incompatible role'),
    'DUPLICATE_NAME': DuplicateName(),
}


def test_200_is_returned_without_checking_status():
    response = make_response(200, {'status': 'ERROR'})
    assert check_response(response, MAPPING) is response


def test_401_and_405():
    with pytest.raises(AuthorizationRequired) as info:
        check_response(make_response(401, 'x'), MAPPING)
    assert info.value.code == 401
    with pytest.raises(MethodNotAllowed) as info:
        check_response(make_response(405, 'x'), MAPPING)
    assert info.value.code == 405


def test_mapped_error_keeps_vendor_description():
    # quirk 1 fixed: the reference's description was always the generic 412 text
    with pytest.raises(NotFound) as info:
        check_response(make_response(412, error_body('NOT_FOUND', error_data={'uuid': 'u'})), MAPPING)
    error = info.value
    assert error.description == 'The study was not found'
    assert (error.code, error.error_type, error.error_subtype, error.error_data) == (412, 'NOT_FOUND', None, {'uuid': 'u'})
    assert str(error).startswith('The study was not found.\nError type: NOT_FOUND\n')


def test_a_fresh_exception_each_time():
    # the reference raised (and mutated) the very instance stored in the mapping
    errors = []
    for data in ('first', 'second'):
        with pytest.raises(NotFound) as info:
            check_response(make_response(412, error_body('NOT_FOUND', error_data=data)), MAPPING)
        errors.append(info.value)
    assert errors[0] is not errors[1]
    assert errors[0] is not MAPPING[('NOT_FOUND', None)]
    assert (errors[0].error_data, errors[1].error_data) == ('first', 'second')
    assert MAPPING[('NOT_FOUND', None)].error_type is None


def test_mapping_may_hold_a_class():
    with pytest.raises(NotFound) as info:
        check_response(make_response(412, error_body('NOT_FOUND')), {('NOT_FOUND', None): NotFound})
    assert info.value.error_type == 'NOT_FOUND'


def test_subtype_lookup():
    with pytest.raises(RoleNamespaceMismatch) as info:
        check_response(make_response(412, error_body('ROLE_NAMESPACE_MISMATCH', 'INCOMPATIBLE_ROLE')), MAPPING)
    assert info.value.error_subtype == 'INCOMPATIBLE_ROLE'
    # no (type, None) key for that type: an unknown subtype falls through
    with pytest.raises(PreconditionFailed) as info:
        check_response(make_response(412, error_body('ROLE_NAMESPACE_MISMATCH', 'OTHER')), MAPPING)
    assert type(info.value) is PreconditionFailed
    assert info.value.error_subtype == 'OTHER'


def test_type_with_any_subtype_falls_back_to_type_none():
    with pytest.raises(NotFound) as info:
        check_response(make_response(412, error_body('NOT_FOUND', 'WHATEVER')), MAPPING)
    assert info.value.error_subtype == 'WHATEVER'


def test_legacy_string_key_only_without_subtype():
    with pytest.raises(DuplicateName):
        check_response(make_response(412, error_body('DUPLICATE_NAME')), MAPPING)
    with pytest.raises(PreconditionFailed) as info:
        check_response(make_response(412, error_body('DUPLICATE_NAME', 'SUB')), MAPPING)
    assert type(info.value) is PreconditionFailed


def test_list_error_type_uses_its_first_element():
    with pytest.raises(NotFound) as info:
        check_response(make_response(412, error_body(['NOT_FOUND', 'settings'])), MAPPING)
    assert info.value.error_type == ['NOT_FOUND', 'settings']


def test_unmapped_error():
    with pytest.raises(PreconditionFailed) as info:
        check_response(make_response(412, error_body('SOMETHING', error_data='d')), MAPPING)
    assert type(info.value) is PreconditionFailed
    assert (info.value.error_type, info.value.error_data) == ('SOMETHING', 'd')
    check = info.value
    assert check.description == PreconditionFailed.default_description


def test_unhashable_error_type_is_unmapped():
    with pytest.raises(PreconditionFailed) as info:
        check_response(make_response(412, error_body({'a': 1})), MAPPING)
    assert type(info.value) is PreconditionFailed


@pytest.mark.parametrize(
    ('body', 'content_type'),
    [
        ('<html>proxy error</html>', 'text/html'),
        ('', 'application/json'),
        ('', None),
        ('not json', 'application/json'),
    ],
)
def test_412_without_a_json_body(body, content_type):
    # the reference raised RuntimeError('Bad content type for 412: ...') or a JSON decode error
    with pytest.raises(ServiceResponseError) as info:
        check_response(make_response(412, body, content_type), MAPPING)
    assert info.value.code == 412
    assert info.value.response_text == body


def test_412_without_error_status():
    with pytest.raises(ServiceResponseError, match='without an ERROR status') as info:
        check_response(make_response(412, {'status': 'OK'}), MAPPING)
    assert info.value.code == 412


@pytest.mark.parametrize('status', [201, 204, 302, 400, 404, 500, 502])
def test_unknown_status_carries_status_and_body_start(status):
    body = 'x' * 2000
    with pytest.raises(ServiceResponseError) as info:
        check_response(make_response(status, body, 'text/plain'), MAPPING)
    error = info.value
    assert isinstance(error, AmbraResponseException)
    assert error.code == status
    if status == 404:  # names the URL and the expected form (tests/compat/test_reference_surface.py)
        assert 'https://host/api/v3' in error.description
    else:
        assert error.description == 'Unknown error'
    assert error.response_text == 'x' * RESPONSE_TEXT_LIMIT


def test_build_result_drops_status_and_uses_constructor():
    result = build_result(make_response(200, {'status': 'OK', 'a': {'b': 1}}), LazyBox)
    assert isinstance(result, Box)
    assert result == {'a': {'b': 1}}
    assert result.a.b == 1
    result = build_result(make_response(200, {'status': 'OK', 'a': 1}), dict)
    assert type(result) is dict and result == {'a': 1}


def test_build_result_json_with_charset():
    response = make_response(200, {'x': 'é'}, 'application/json; charset=utf-8')
    assert build_result(response, LazyBox).x == 'é'


def test_build_result_returns_raw_response_for_other_bodies():
    response = make_response(200, b'PK\x03\x04zip', 'application/zip')
    assert build_result(response, LazyBox) is response


def test_build_result_broken_json_body():
    with pytest.raises(ServiceResponseError) as info:
        build_result(make_response(200, '<html>', 'application/json'), LazyBox)
    assert info.value.code == 200


@pytest.mark.parametrize('body', ['<html>oops</html>', '[]', '{"studies": []}', '{"page": {}, "studies": 3}'])
def test_page_json_rejects_non_pages(body):
    # the reference let json.JSONDecodeError / KeyError escape
    with pytest.raises(ServiceResponseError):
        page_json(make_response(200, body, 'text/html'), 'studies')


def test_page_json():
    body = {'page': {'more': 0, 'rows': 10}, 'studies': [{'a': 1}]}
    assert page_json(make_response(200, body), 'studies') == body


def test_412_json_body_with_another_content_type_is_mapped():
    # the reference raised RuntimeError('Bad content type for 412: text/plain')
    with pytest.raises(NotFound):
        check_response(make_response(412, error_body('NOT_FOUND'), 'text/plain'), MAPPING)
