"""The reference's import paths, keyword names and constructor behaviour (issue 17).

Every path below imports and its objects work; every keyword below is accepted.
"""

import importlib
import warnings
from datetime import datetime, timedelta, timezone

import pytest

URL = 'http://127.0.0.1:9/api/v3'

#: module -> names that must import from it (the reference's paths).
PATHS = {
    'ambra_sdk.service.response': ['IterableResponse', 'check_response'],
    'ambra_sdk.service.response.response': ['IterableResponse', 'check_response'],
    'ambra_sdk.service.response.base_response': ['BaseIterableResponse', 'check_401_405', 'check_412'],
    'ambra_sdk.storage.study': ['Study', 'ImageJsonBox', 'JsonBox'],
    'ambra_sdk.storage.study.study': ['Study'],
    'ambra_sdk.storage.study.base_study': [
        'BaseStudy', 'ImageJsonBox', 'JsonBox', 'validate_size', 'validate_size_x_string',
    ],
    'ambra_sdk.storage.image': ['Image'],
    'ambra_sdk.storage.image.image': ['Image'],
    'ambra_sdk.storage.image.base_image': ['BaseImage'],
    'ambra_sdk.storage.storage': ['Storage'],
    'ambra_sdk.storage.storage.storage': ['Storage'],
    'ambra_sdk.storage.storage.base_storage': ['BaseStorage'],
    'ambra_sdk.storage.bool_to_int': ['bool_to_int'],
    'ambra_sdk.types': ['RequestsFileType', 'RequestsFilesType', 'RequestsFileContentType', 'RequestsDataType'],
    'ambra_sdk.models.base': ['WithFiltering', 'WithSorting', 'WithOnly', 'FieldDescriptor', 'ModelDescriptor'],
    'ambra_sdk.deprecated': ['deprecated'],
    'ambra_sdk.pythonize': ['FIELDS', 'METHODS', 'PARAMS'],
    'ambra_sdk.clear_params': ['PROTECTED_KEYS', 'clear_params'],
    'ambra_sdk.exceptions.storage': ['errors'],
    'ambra_sdk.addon.study': ['ADDON_DOCS_URL'],
    'ambra_sdk.request_args': ['RequestArgs', 'cast_argument', 'cast_arguments', 'Encoder', 'sentinel'],
    'ambra_sdk.addon': ['UploadedImageParams', 'UploadType'],
}

#: Built by the websocket work; skipped here until it is merged.
WS_PATHS = {
    'ambra_sdk.service.ws': ['WSManager', 'WS', 'INACTIVITY_TIMEOUT'],
    'ambra_sdk.service.ws.ws': ['WSManager', 'WS', 'INACTIVITY_TIMEOUT'],
}


@pytest.mark.parametrize(('module', 'names'), sorted(PATHS.items()))
def test_reference_import_path(module, names):
    imported = importlib.import_module(module)
    for name in names:
        assert getattr(imported, name) is not None, (module, name)
        exec('from {module} import {name}'.format(module=module, name=name), {})  # noqa: S102


@pytest.mark.parametrize(('module', 'names'), sorted(WS_PATHS.items()))
def test_reference_ws_import_path(module, names):
    imported = importlib.import_module(module)
    for name in names:
        assert getattr(imported, name) is not None, (module, name)


def test_response_package_objects_are_the_real_ones():
    from ambra_sdk.service.query.iterable import IterableResponse
    from ambra_sdk.service.response import IterableResponse as FromPackage
    from ambra_sdk.service.response import check_response
    from ambra_sdk.service.response.base_response import BaseIterableResponse, check_412
    from ambra_sdk.service.response.response import IterableResponse as FromModule
    from ambra_sdk.service.response.response import check_412 as real_check_412
    from ambra_sdk.service.response.response import check_response as real_check_response

    assert FromPackage is FromModule is BaseIterableResponse is IterableResponse
    assert check_response is real_check_response
    assert check_412 is real_check_412


def test_check_401_405_goes_through_check_response():
    import requests

    from ambra_sdk.exceptions.service_base import AuthorizationRequired, MethodNotAllowed
    from ambra_sdk.service.response.base_response import check_401_405

    def response(status):
        answer = requests.Response()
        answer.status_code = status
        answer._content = b''
        return answer

    with pytest.raises(AuthorizationRequired):
        check_401_405(response(401))
    with pytest.raises(MethodNotAllowed):
        check_401_405(response(405))
    assert check_401_405(response(200)) is None
    assert check_401_405(response(500)) is None


def test_storage_classes_at_reference_paths_are_the_real_ones():
    from ambra_sdk.storage.image import Image
    from ambra_sdk.storage.image.base_image import BaseImage
    from ambra_sdk.storage.image.image import Image as ImageAtPath
    from ambra_sdk.storage.storage import Storage
    from ambra_sdk.storage.storage.base_storage import BaseStorage
    from ambra_sdk.storage.storage.storage import Storage as StorageAtPath
    from ambra_sdk.storage.study import Study
    from ambra_sdk.storage.study.base_study import BaseStudy
    from ambra_sdk.storage.study.study import Study as StudyAtPath

    assert Image is ImageAtPath and issubclass(Image, BaseImage)
    assert Storage is StorageAtPath and issubclass(Storage, BaseStorage)
    assert Study is StudyAtPath and issubclass(Study, BaseStudy)
    from ambra_sdk.api import Api

    api = Api.with_sid(URL, 'sid-1234')
    assert isinstance(api.Storage, BaseStorage)
    assert isinstance(api.Storage.Study, BaseStudy)
    assert isinstance(api.Storage.Image, BaseImage)


def test_validate_size_functions():
    from ambra_sdk.storage.study.base_study import validate_size, validate_size_x_string

    for good in (None, 512, '512', '640x480'):
        validate_size(good)
    validate_size_x_string('640x480')
    for bad in ('640X480', 'axb', '1x2x3', [1]):
        with pytest.raises(ValueError, match='size'):
            validate_size(bad)
    for bad in ('512', 512, '640X480', 'ax1'):
        with pytest.raises(ValueError, match='size'):
            validate_size_x_string(bad)


def test_bool_to_int_path():
    from ambra_sdk.storage.bool_to_int import bool_to_int

    assert (bool_to_int(True), bool_to_int(False), bool_to_int(None)) == (1, 0, None)


def test_types_aliases_are_usable_annotations():
    from typing import get_args

    from ambra_sdk import types

    assert get_args(types.RequestsFileType)
    assert types.RequestsFilesType.__origin__ is dict


def test_models_base_mixins_are_the_field_descriptor_mixins():
    # issue 23.6: the reference's models.base mixins are FieldDescriptor's own (asc/desc, filters, get_only),
    # not the query mixins (an earlier version of this test pinned the query mixins under these names)
    from ambra_sdk.models.base import FieldDescriptor, WithFiltering, WithOnly, WithSorting
    from ambra_sdk.service.filtering import WithFilter
    from ambra_sdk.service.only import WithOnly as QueryWithOnly
    from ambra_sdk.service.query import QueryOPSF
    from ambra_sdk.service.sorting import WithSorting as QueryWithSorting

    assert FieldDescriptor.__mro__[1:4] == (WithSorting, WithFiltering, WithOnly)
    assert {'asc', 'desc'} <= set(vars(WithSorting))
    assert {'like', 'equals', 'in_condition', '__eq__'} <= set(vars(WithFiltering))
    assert 'get_only' in vars(WithOnly)
    assert not {'asc', 'like', 'get_only'} & set(vars(FieldDescriptor))
    assert WithFiltering is not WithFilter and WithOnly is not QueryWithOnly and WithSorting is not QueryWithSorting
    assert issubclass(QueryOPSF, WithFilter) and issubclass(QueryOPSF, QueryWithSorting)
    with pytest.raises(AttributeError):
        importlib.import_module('ambra_sdk.models.base').NoSuchThing  # noqa: B018


def test_field_descriptor_positional_order():
    from ambra_sdk.models import Study
    from ambra_sdk.models.base import FieldDescriptor
    from ambra_sdk.models.fields import String

    field = String('the name')
    for descriptor in (FieldDescriptor(field, 'name', Study), FieldDescriptor('name', field, Study),
                       FieldDescriptor(field=field, name='name', parent=Study)):
        assert (descriptor._field, descriptor._name, descriptor._parent) == (field, 'name', Study)
        assert descriptor.asc().field_name == 'name' and descriptor.like('a%').field_name == 'Study.name'
    assert list(__import__('inspect').signature(FieldDescriptor).parameters) == ['field', 'name', 'parent']
    with pytest.raises(TypeError):
        FieldDescriptor('name', 'not a field', Study)


def test_field_descriptor_parents():
    from ambra_sdk.models import Account, Study

    assert [parent.__name__ for parent in Study.patient_name.parents] == ['Study']
    parents = Account.role.name.parents
    assert len(parents) == 2
    assert parents[0].__name__ == 'Account'
    assert parents[-1]._name == 'role'
    assert Account.role.name._full_name == 'Account.role.name'


def test_model_descriptor_honours_from_model():
    import inspect

    from ambra_sdk.models import Account, User
    from ambra_sdk.models.base import ModelDescriptor

    descriptor = inspect.getattr_static(Account, 'role')
    assert isinstance(descriptor, ModelDescriptor)
    assert descriptor.target().__name__ == 'Role'
    descriptor._from_model = User
    try:
        bound = Account.role
        assert bound.__name__ == 'User'
        assert bound.email._full_name == 'Account.role.email'
    finally:
        descriptor._from_model = None
    assert Account.role.__name__ == 'Role'


def test_deprecated_decorator():
    from ambra_sdk.deprecated import deprecated

    @deprecated('use other')
    def old(value):
        return value * 2

    @deprecated
    def bare():
        return 'bare'

    @deprecated('gone')
    class Old:
        pass

    before = list(warnings.filters)
    with pytest.warns(DeprecationWarning, match=r'^Call to deprecated function old \(use other\)\.$'):
        assert old(2) == 4
    with pytest.warns(DeprecationWarning, match=r'^Call to deprecated function bare\.$'):
        assert bare() == 'bare'
    with pytest.warns(DeprecationWarning, match=r'^Call to deprecated class Old \(gone\)\.$'):
        Old()
    assert list(warnings.filters) == before
    with pytest.raises(TypeError):
        deprecated(42)  # type: ignore[call-overload]


def test_pythonize_maps():
    from ambra_sdk.pythonize import FIELDS, METHODS, PARAMS

    assert FIELDS == {'global': 'global_field', 'type': 'type_field'}
    assert METHODS == {'return': 'return_method'}
    assert PARAMS == {'global': 'global_param', 'limit.hl7': 'limit_hl7'}
    with pytest.raises(TypeError):
        FIELDS['x'] = 'y'  # type: ignore[index]


def test_protected_keys_and_storage_errors_list():
    from ambra_sdk.clear_params import PROTECTED_KEYS, clear_params
    from ambra_sdk.exceptions.storage import STORAGE_ERRORS, StorageResponseException, errors

    assert set(PROTECTED_KEYS) == {'sid', 'username', 'login', 'password'}
    assert not set(clear_params(dict_params=dict.fromkeys(PROTECTED_KEYS, 'x')))
    assert len(errors) == len(STORAGE_ERRORS) == 43
    assert all(issubclass(error, StorageResponseException) for error in errors)


def test_addon_docs_url():
    import ambra_sdk
    from ambra_sdk.addon.study import ADDON_DOCS_URL

    assert ADDON_DOCS_URL == ambra_sdk.ADDON_DOCS_URL


# keywords ---------------------------------------------------------------------------------


def test_reference_keywords():
    from ambra_sdk.api import Api
    from ambra_sdk.clear_params import clear_params
    from ambra_sdk.exceptions.storage import StudyNotFound
    from ambra_sdk.request_args import cast_argument
    from ambra_sdk.service.sorting import Sorter, SortingOrder
    from ambra_sdk.storage.response import raise_storage_error

    api = Api.with_sid(URL, 'sid-1234')
    query = api.Study.list().sort_by(sorter_obj=Sorter('created', SortingOrder.descending))
    assert query.request_args.data['sort_by'] == 'created-desc'
    query = api.Study.list().only_struct_fields(fields={'study': ['uuid']})
    assert query.request_args.data['fields.study'] == '["uuid"]'
    assert clear_params(dict_params={'sid': 's', 'uuid': 'u'}) == {'uuid': 'u'}
    assert cast_argument(arg=True) == '1'
    with pytest.raises(StudyNotFound):
        raise_storage_error(status_code=404, json={'kind': {'readable_status': 'STUDY_NOT_FOUND', 'code': 404}})


def test_reference_keywords_of_the_helpers():
    from datetime import date

    from ambra_sdk.exceptions.service_base import AuthorizationRequired, MethodNotAllowed, PreconditionFailed
    from ambra_sdk.request_args import Encoder
    from ambra_sdk.service.response.base_response import check_401_405, check_412
    from ambra_sdk.storage.bool_to_int import bool_to_int
    from ambra_sdk.storage.study.base_study import validate_size, validate_size_x_string

    with pytest.raises(AuthorizationRequired):
        check_401_405(status_code=401)
    with pytest.raises(MethodNotAllowed):
        check_401_405(status_code=405)
    assert check_401_405(status_code=200) is None
    with pytest.raises(PreconditionFailed) as caught:
        check_412(json={'status': 'ERROR', 'error_type': 'NOT_FOUND'}, errors_mapping={})
    assert caught.value.error_type == 'NOT_FOUND'
    with pytest.raises(Exception, match='412 response without an ERROR status'):
        check_412(json={'status': 'OK'}, errors_mapping=None)
    assert (bool_to_int(bool_value=True), bool_to_int(bool_value=None), bool_to_int(bool_value='0')) == (1, None, 0)
    validate_size(size_str='640x480')
    validate_size_x_string(size_str='640x480')
    with pytest.raises(ValueError, match='size'):
        validate_size_x_string(size_str='640')
    assert Encoder().default(el=date(2021, 1, 2)) == '2021-01-02 00:00:00'
    with pytest.raises(TypeError):
        Encoder().default(el=object())


def test_sentinel_is_one_marker():
    import copy
    import pickle

    from ambra_sdk.request_args import sentinel

    assert repr(sentinel) == 'sentinel' and sentinel is not None
    assert copy.deepcopy(sentinel) is sentinel and pickle.loads(pickle.dumps(sentinel)) is sentinel


def test_ws_takes_the_reference_requests_queue(emulator, api):
    pytest.importorskip('websockets')
    import queue
    import threading

    from ambra_sdk.service.ws import WS

    responses: queue.Queue = queue.Queue()
    requests: queue.Queue = queue.Queue()
    worker = WS(api.ws_url, responses, requests=requests)
    assert worker.requests is requests
    worker.connect()
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        requests.put(('SUBSCRIBE', {'sid': api.sid, 'channel': 'study.x'}))
        answer = responses.get(timeout=10)
        assert '"OK"' in answer.data and 'study.x' in answer.data
    finally:
        requests.put(('STOP', {}))
        thread.join(timeout=10)
    assert not thread.is_alive() and not worker.connected


# the private builders of the storage methods ----------------------------------------------


def _storage_methods():
    from ambra_sdk.storage.builders import MARK
    from ambra_sdk.storage.image import Image
    from ambra_sdk.storage.study import Study

    return [(cls, name) for cls in (Study, Image) for name in dir(cls) if getattr(getattr(cls, name), MARK, False)]


def test_every_storage_method_has_its_builder():
    import inspect

    methods = _storage_methods()
    assert len(methods) == 41  # 31 + 4 of 3.21.6, 3 DICOMweb, 3 multipart
    for cls, name in methods:
        public = inspect.signature(getattr(cls, name))
        builder = inspect.signature(getattr(cls, '_' + name))
        extra = [param for param in public.parameters if param not in builder.parameters]
        assert extra in (['use_box', 'only_prepare'], ['only_prepare']), (name, extra)
        # the reference's check: the public signature is the builder's plus use_box/only_prepare
        # (Image.upload has use_box before x_ambrahealth_job_id there too)
        assert [param for param in public.parameters if param not in extra] == list(builder.parameters), name
        assert all(public.parameters[param] == builder.parameters[param] for param in builder.parameters), name
        assert builder.return_annotation.__name__ == 'PreparedRequest'


def test_a_builder_returns_what_only_prepare_returns():
    from ambra_sdk.api import Api
    from ambra_sdk.storage.request import PreparedRequest

    api = Api.with_sid(URL, 'sid-1234', storage_base_url='http://{engine_fqdn}/api/v3/storage')
    study, image = api.Storage.Study, api.Storage.Image
    pairs = [
        (study._schema('h:1', 'ns', '1.2', extended=True), study.schema('h:1', 'ns', '1.2', True, only_prepare=True)),
        (study._frame('h:1', 'ns', '1.2', '1.3', '9', '0', depth=8, size='64x64'),
         study.frame('h:1', 'ns', '1.2', '1.3', '9', '0', depth=8, size='64x64', only_prepare=True)),
        (image._multipart_chunk_upload('h:1', 'u-1', b'abc', 2),
         image.multipart_chunk_upload('h:1', 'u-1', b'abc', 2, only_prepare=True)),
        (study._study_dicomweb('h:1', 'ns', '1.2'), study.study_dicomweb('h:1', 'ns', '1.2', only_prepare=True)),
    ]
    for built, prepared in pairs:
        assert isinstance(built, PreparedRequest)
        assert (built.url, built.method, built.params, built.headers, built.data) == (
            prepared.url, prepared.method, prepared.params, prepared.headers, prepared.data,
        )
    with pytest.raises(TypeError):
        study._schema('h:1', 'ns', '1.2', use_box=False)  # a builder has no use_box
    with pytest.raises(ValueError, match='size'):
        study._frame('h:1', 'ns', '1.2', '1.3', '9', '0', size='big')  # the same checks as the method


# constructor ------------------------------------------------------------------------------


def test_api_without_credentials_like_the_reference():
    from ambra_sdk.api import Api
    from ambra_sdk.exceptions.base import MissingCredentials

    api = Api(url=URL, client_name='Some name (ex: Hospital-ABC)')
    assert api._default_headers['SDK-CLIENT-NAME'] == 'Some name (ex: Hospital-ABC)'
    with pytest.raises(MissingCredentials):
        api.Session.user().get()


@pytest.mark.parametrize('url', ['https://ambrahealth_host/api/v3', 'HTTPS://HOST/api/v3', 'some_url', ''])
def test_with_sid_accepts_any_url_the_reference_accepted(url):
    from ambra_sdk.api import Api

    api = Api.with_sid(url, 'sid-1234')
    assert api.Study.list().url == '/study/list'


def test_timezone_error_message():
    from ambra_sdk.api import Api
    from ambra_sdk.service.filtering import Filter, FilterCondition

    query = api_query = Api.with_sid(URL, 'sid-1234').Study.list()
    plus_three = datetime(2021, 1, 1, tzinfo=timezone(timedelta(hours=3)))
    minus_five = datetime(2021, 1, 1, tzinfo=timezone(timedelta(hours=-5)))
    query.filter_by(Filter('created', FilterCondition.gt, plus_three))
    with pytest.raises(ValueError) as caught:
        api_query.filter_by(Filter('updated', FilterCondition.lt, minus_five))
    message = str(caught.value)
    assert message.startswith('Use one timezone for all datetimes in requtest')
    assert '+03:00' in message and '-05:00' in message


# async surface ----------------------------------------------------------------------------


def test_async_api_is_absent_with_a_clear_message():
    with pytest.raises(ImportError) as caught:
        from ambra_sdk.api import AsyncApi  # noqa: F401
    message = str(caught.value)
    assert 'synchronous' in message
    assert 'differences' in message


def test_async_modules_are_listed_in_differences():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / 'docs' / 'source' / 'differences.rst').read_text()
    section = text.split('The async surface is absent', 1)[1]
    for name in ('AsyncApi', 'ambra_sdk.async_addon', 'AsyncQuery', 'AsyncIterableResponse', 'AsyncWSManager',
                 'AsyncStorage', 'AsyncStudy', 'AsyncImage', 'async_execute', 'async_check_errors'):
        assert name in section, name


# wrong base URL ---------------------------------------------------------------------------


def test_wrong_service_url_names_the_url_and_the_expected_form(emulator):
    from ambra_sdk.api import Api
    from ambra_sdk.exceptions.service_base import ServiceResponseError

    base = emulator.url[: -len('/api/v3')]  # the usual mistake: no /api/v3
    api = Api.with_creds(base, emulator.username, emulator.password)
    with pytest.raises(ServiceResponseError) as caught:
        api.Session.user().get()
    message = str(caught.value)
    assert '404' in message
    assert base + '/session/login' in message
    assert "'https://host/api/v3'" in message
    assert repr(base + '/api/v3') in message
    assert emulator.password not in message


def test_not_found_description_hides_user_info_and_query():
    import requests

    from ambra_sdk.service.response.wrong_url import not_found_description

    response = requests.Response()
    response.status_code = 404
    response.url = 'https://user:pw@example.org/study/list?sid=abcdef'
    text = not_found_description(response)
    assert 'https://example.org/study/list' in text
    assert 'pw@' not in text and 'abcdef' not in text
    assert "'https://example.org/api/v3'" in text
