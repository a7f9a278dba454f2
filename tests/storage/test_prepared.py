"""Each of the 35 methods, prepared only, against storage_endpoints.json.

URL, verb, query dict, headers, body and stream flag are compared with the
data spec; every optional argument is given so every conversion is checked.
Deliberate differences: ``schema.attachments_only`` and
``merge.delete_secondary_study`` are sent as 1/0 (the spec says raw).
"""

import inspect
import io
import json
import os

import pytest

from ambra_sdk.storage.request import PreparedRequest, StorageMethod

from .helpers import load_spec

SPEC = load_spec()
pytestmark = pytest.mark.skipif(not SPEC, reason='../shared/spec/storage_endpoints.json is not available')

#: params whose conversion is deliberately bool_to_int here (raw in the reference).
FIXED_TO_INT = {('Study', 'schema', 'attachments_only'), ('Study', 'merge', 'delete_secondary_study')}
DOWNLOAD_KWARGS = ['to_path', 'to_file', 'progress', 'chunk_size']
STREAMING = {'frame', 'frame_tiff', 'pdf', 'attachment', 'latest', 'download', 'video', 'dicom_payload'}


def _ids(endpoint):
    return '{}.{}'.format(endpoint['namespace'], endpoint['method'])


def _sample(param, tmp_path):
    name, kind, typ = param['name'], param['kind'], param.get('type', '')
    if kind == 'host':
        return 'engine.example:8443'
    if kind == 'file':
        path = tmp_path / 'upload.bin'
        path.write_bytes(b'0123456789')
        return open(path, 'rb')  # noqa: SIM115 (closed by the test)
    if name == 'depth':
        return 16
    if name == 'size':
        return '64x32'
    if name == 'quality':
        return 0.5
    if name == 'bundle':
        return 'iso'
    if name == 'region':
        return {'series': {'1.2.3': {'regions': [{'x': 1, 'y': 2, 'width': 3, 'height': 4}]}}}
    if name == 'body':
        return '{"name": "rt"}'
    if name == 'request_body':
        return '1.2.3,1.2.4'
    if name == 'frame_number':
        return 3 if typ == 'int' else '3'
    if name == 'is_ai':
        return True
    if 'bool' in typ:
        return True
    return 'v-{}'.format(name)


def _expected_query(endpoint, values):
    expected = {}
    for param in endpoint['params']:
        if param['kind'] != 'query':
            continue
        value = values[param['name']]
        conversion = param.get('conversion', '') or ''
        key = (endpoint['namespace'], endpoint['method'], param['name'])
        if param['name'] == 'is_ai':
            value = 'true' if value else None
        elif key in FIXED_TO_INT or conversion.startswith('bool_to_int'):
            value = int(value)
        elif 'truthy' in conversion and "'true'" in conversion:
            value = 'true' if value else 'false'
        if value is not None:
            expected[param['wire_name']] = value
    return expected


def _expected_url(endpoint, values):
    path_args = {p['name']: values[p['name']] for p in endpoint['params'] if p['kind'] == 'path'}
    template = endpoint['full_url_template'].replace('{hash}', '{hash_arg}')
    if '[/{file_name}]' in template:
        template = template.replace('[/{file_name}]', '/{file_name}')
    return template.format(engine_fqdn=values['engine_fqdn'], **path_args)


def _expected_headers(endpoint, values):
    headers = {}
    for name in endpoint['request_headers']:
        if name == 'X-AmbraHealth-Job-Id':
            headers[name] = values['x_ambrahealth_job_id']
        elif name == 'Content-Type':
            headers[name] = 'application/json; charset=utf-8'
        elif name == 'X-File-Size':
            headers[name] = str(os.fstat(values['opened_file'].fileno()).st_size)
    return headers


def _namespace(api, endpoint):
    return getattr(api.Storage, endpoint['namespace'])


@pytest.mark.parametrize('endpoint', SPEC, ids=_ids)
def test_prepared_request_matches_spec(endpoint, offline_api, tmp_path):
    values = {p['name']: _sample(p, tmp_path) for p in endpoint['params']}
    try:
        prepared = getattr(_namespace(offline_api, endpoint), endpoint['method'])(only_prepare=True, **values)
        assert type(prepared) is PreparedRequest
        assert prepared.method is StorageMethod(endpoint['http_method'])
        assert prepared.url == _expected_url(endpoint, values)
        assert prepared.params == _expected_query(endpoint, values)
        assert list(prepared.params) == list(_expected_query(endpoint, values))  # builder order
        assert 'sid' not in prepared.params
        assert prepared.stream is (True if endpoint['stream'] else None)

        expected_headers = _expected_headers(endpoint, values)
        if 'x_ambrahealth_job_id' in values or endpoint['request_headers']:
            assert prepared.headers == expected_headers
        else:
            assert prepared.headers is None

        body = endpoint['body'] or ''
        if body.startswith('JSON text'):
            assert prepared.data == json.dumps(values['region'])
        elif body == 'raw text: body':
            assert prepared.data == values['body']
        elif body == 'raw text: request_body':
            assert prepared.data == values['request_body']
        elif body.startswith('raw bytes'):
            assert prepared.data is values['opened_file'] and prepared.files is None
        elif body.startswith('multipart/form-data: data='):
            assert prepared.files == {'data': values['opened_file']} and prepared.data is None
        elif body.startswith('multipart/form-data: [tags='):
            assert prepared.files == {'file': values['opened_file']}
            assert prepared.data == {'tags': values['tags']}
        else:
            assert body == '' and prepared.data is None and prepared.files is None
    finally:
        for value in values.values():
            if hasattr(value, 'close'):
                value.close()


@pytest.mark.parametrize('endpoint', SPEC, ids=_ids)
def test_minimal_call_sends_only_required(endpoint, offline_api, tmp_path):
    values = {p['name']: _sample(p, tmp_path) for p in endpoint['params'] if p['required']}
    try:
        prepared = getattr(_namespace(offline_api, endpoint), endpoint['method'])(only_prepare=True, **values)
        expected = {key: value for key, value in values.items() if key in ('bundle', 'secondary_study_uid')}
        assert prepared.params == expected
        if any(p['name'] == 'x_ambrahealth_job_id' for p in endpoint['params']):
            assert 'X-AmbraHealth-Job-Id' not in (prepared.headers or {})
        if endpoint['method'] in ('attachment', 'latest'):
            assert not prepared.url.endswith('/None')
    finally:
        for value in values.values():
            if hasattr(value, 'close'):
                value.close()


@pytest.mark.parametrize('endpoint', SPEC, ids=_ids)
def test_signature_matches_spec(endpoint, offline_api):
    method = getattr(_namespace(offline_api, endpoint), endpoint['method'])
    signature = inspect.signature(method)
    positional = [p for p in signature.parameters.values() if p.kind is not p.KEYWORD_ONLY]
    rendered = ', '.join(
        name if p.default is p.empty else '{}={!r}'.format(name, p.default)
        for name, p in ((p.name, p) for p in positional)
    )
    assert rendered == endpoint['signature']
    keyword_only = [p.name for p in signature.parameters.values() if p.kind is p.KEYWORD_ONLY]
    assert keyword_only == (DOWNLOAD_KWARGS if endpoint['method'] in STREAMING else [])
    for name in keyword_only:
        assert signature.parameters[name].default is not inspect.Parameter.empty


def test_spec_has_35_methods():
    assert len(SPEC) == 35
    assert sum(1 for e in SPEC if e['namespace'] == 'Study') == 31


#: Additive methods beyond the reference (docs/source/differences.rst).
ADDED = {
    'Image': {'multipart_initiate', 'multipart_chunk_upload', 'multipart_complete'},
    'Study': {'study_dicomweb', 'series_dicomweb', 'image_dicomweb'},
}


def test_public_methods_are_exactly_the_spec(offline_api):
    for namespace in ('Study', 'Image'):
        public = {
            name for name, _ in inspect.getmembers(getattr(offline_api.Storage, namespace), inspect.ismethod)
            if not name.startswith('_')
        }
        assert public == {e['method'] for e in SPEC if e['namespace'] == namespace} | ADDED.get(namespace, set())


def test_preparing_never_logs_in_or_sends(fake_api, fake_storage, tmp_path):
    for endpoint in SPEC:
        values = {p['name']: _sample(p, tmp_path) for p in endpoint['params']}
        getattr(getattr(fake_storage, endpoint['namespace']), endpoint['method'])(only_prepare=True, **values)
        for value in values.values():
            if hasattr(value, 'close'):
                value.close()
    assert fake_api.calls == []


def test_only_prepare_is_an_identity_check(fake_api, fake_storage):
    result = fake_storage.Study.cache('e', 'n', 's', only_prepare=1)
    assert not isinstance(result, PreparedRequest)
    assert len(fake_api.calls) == 1


def test_wrap_x_file_size_for_in_memory_buffer(offline_api):
    buffer = io.BytesIO(b'abcdef')
    buffer.seek(2)
    prepared = offline_api.Storage.Image.wrap('e', 'n', buffer, only_prepare=True)
    assert prepared.headers == {'X-File-Size': '6'}
    assert buffer.tell() == 2


def test_upload_accepts_a_path(offline_api, tmp_path):
    path = tmp_path / 'x.dcm'
    path.write_bytes(b'DICM')
    prepared = offline_api.Storage.Image.upload('e', 'n', str(path), only_prepare=True)
    try:
        assert prepared.data.read() == b'DICM'
    finally:
        prepared.data.close()


def test_format_url_uses_api_storage_base_url():
    from ambra_sdk.api import Api

    api = Api.with_sid('http://127.0.0.1:9/api/v3', 'S', storage_base_url='http://{engine_fqdn}/api/v3/storage')
    prepared = api.Storage.Study.schema('127.0.0.1:5000', 'ns', 'st', only_prepare=True)
    assert prepared.url == 'http://127.0.0.1:5000/api/v3/storage/study/ns/st/schema'


def test_storage_base_url_override_on_instance_wins(offline_api):
    offline_api.Storage.STORAGE_BASE_URL = 'http://{engine_fqdn}/custom'
    prepared = offline_api.Storage.Study.phi('h', 'ns', 'st', only_prepare=True)
    assert prepared.url == 'http://h/custom/study/ns/st/phi'


def test_get_url_and_request(offline_api):
    url, request = offline_api.Storage.get_url_and_request(
        '/study/{namespace}/{study_uid}/tag',
        ['engine_fqdn', 'namespace', 'study_uid'],
        ['phi_namespace', 'other'],
        {'engine_fqdn': 'h', 'namespace': 'n', 'study_uid': 's', 'phi_namespace': 'p', 'other': None},
    )
    assert url == 'https://h/api/v3/storage/study/n/s/tag'
    assert request == {'phi_namespace': 'p'}


def test_path_args_are_not_encoded(offline_api):
    prepared = offline_api.Storage.Study.thumbnail('h', 'n', 's', 'i', 'v', 0, only_prepare=True)
    assert prepared.url.endswith('/image/i/version/v/frame/0/thumbnail')


def test_preparing_with_credentials_never_logs_in(tmp_path):
    """An Api with credentials and an unreachable service: preparing must not try to log in."""
    from ambra_sdk.api import Api

    api = Api.with_creds('http://127.0.0.1:9/api/v3', 'user', 'unused-Passw0rd')
    for endpoint in SPEC:
        values = {p['name']: _sample(p, tmp_path) for p in endpoint['params']}
        prepared = getattr(_namespace(api, endpoint), endpoint['method'])(only_prepare=True, **values)
        assert 'sid' not in prepared.params
        for value in values.values():
            if hasattr(value, 'close'):
                value.close()
