"""The 417 generated namespace methods against endpoints.json and spec Appendix A.

Building a query makes no network call, so every method is called with dummy
arguments on an offline Api.
"""

import collections
import inspect
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

import ambra_sdk.exceptions.service as service_exceptions
from ambra_sdk.api import Api
from ambra_sdk.exceptions.service_base import PreconditionFailed
from ambra_sdk.service import entrypoints
from ambra_sdk.service.entrypoints._build import LazyErrorsMapping, add_prefixed, error_class_name
from ambra_sdk.service.spec import endpoint_by_url, global_errors, load_document, load_endpoints
from tools.codegen.overrides import ALL_PARAMS_OPTIONAL

SPEC = Path(__file__).resolve().parents[1].parent / 'shared' / 'spec' / 'service_spec.md'
ENDPOINTS = load_endpoints()
IDS = [endpoint['url'] for endpoint in ENDPOINTS]
FILTER_TYPES = ('INVALID_FIELD', 'INVALID_CONDITION', 'FILTER_NOT_FOUND')
SORT_TYPES = ('INVALID_SORT_FIELD', 'INVALID_SORT_ORDER')


@pytest.fixture(scope='module')
def api() -> Api:
    return Api.with_sid('http://127.0.0.1:9/api/v3', 'SID-OFFLINE')


def namespace(api: Api, name: str) -> Any:
    return getattr(entrypoints, name)(api)


def call(api: Api, endpoint: Dict[str, Any], **extra: Any) -> Any:
    """Call the method with a dummy value for every required parameter."""
    method = getattr(namespace(api, endpoint['namespace']), endpoint['method'])
    kwargs = {p['python_name']: 'v-' + p['python_name'] for p in endpoint['params'] if p['required']}
    kwargs.update(extra)
    return method(**kwargs)


def expected_error_keys(endpoint: Dict[str, Any]) -> set:
    keys = {(e['type'], e['subtype']) for e in endpoint['errors'] if e['mapped']}
    if 'F' in endpoint['query_class'][len('QueryO'):]:
        keys |= {(t, None) for t in FILTER_TYPES}
    if 'S' in endpoint['query_class'][len('QueryO'):]:
        keys |= {(t, None) for t in SORT_TYPES}
    return keys


# --- endpoints.json ---------------------------------------------------------------------------


def test_document_header_and_counts():
    document = load_document()
    assert document['document'] == 'LBL0022 v47.0 2021-06-30'
    assert document['generator'] == 'tools/codegen'
    assert len(ENDPOINTS) == 417
    assert len({e['namespace'] for e in ENDPOINTS}) == 47
    assert endpoint_by_url('study/list') is endpoint_by_url('/study/list')
    with pytest.raises(KeyError):
        endpoint_by_url('/no/such')
    assert set(global_errors()) == set(FILTER_TYPES + SORT_TYPES)


def test_endpoint_record_shape():
    keys = {'url', 'namespace', 'method', 'sid', 'required_sid', 'query_class', 'paginated_field', 'params',
            'errors', 'returns', 'description', 'notes'}
    for endpoint in ENDPOINTS:
        assert keys <= set(endpoint)
        assert endpoint['sid'] in ('required', 'optional', 'none', 'alternative')
        assert endpoint['required_sid'] is (endpoint['sid'] != 'none')
        for param in endpoint['params']:
            assert {'name', 'python_name', 'required', 'description', 'dict_prefix'} <= set(param)
            assert param['python_name'].isidentifier()
            if param['dict_prefix'] is not None:
                assert param['required'] is False
        for error in endpoint['errors']:
            assert set(error) == {'type', 'subtype', 'description', 'mapped'}
            assert re.fullmatch('[A-Z][A-Z0-9_]*', error['type'])
        for field in endpoint['returns']:
            assert set(field) == {'name', 'depth', 'description'}


def test_catalogue_counts():
    classes = collections.Counter(e['query_class'] for e in ENDPOINTS)
    assert classes == {
        'QueryO': 363, 'QueryOPSF': 39, 'QueryOPF': 5, 'QueryOF': 4, 'QueryOP': 3, 'QueryOPS': 2, 'QueryOSF': 1,
    }
    assert sum(not e['required_sid'] for e in ENDPOINTS) == 48
    assert collections.Counter(e['namespace'] for e in ENDPOINTS)['Study'] == 54
    # spec §2.3: 1,802 mapping entries; /destination/add documents INVALID_NODE_TYPE twice
    written = sum(
        sum(e['mapped'] for e in endpoint['errors'])
        + 3 * ('F' in endpoint['query_class'][6:])
        + 2 * ('S' in endpoint['query_class'][6:])
        for endpoint in ENDPOINTS
    )
    assert written == 1802
    assert sum(len(expected_error_keys(e)) for e in ENDPOINTS) == 1801


def test_no_sid_methods():
    assert sorted(e['url'] for e in ENDPOINTS if not e['required_sid']) == sorted(
        ['/account/css', '/hl7/add', '/hl7/parse/fields', '/link/charge', '/link/external', '/link/session', '/link/sid', '/link/sso', '/link/status', '/namespace/engine/fqdn', '/namespace/share/price', '/namespace/validate/customfields', '/node/configuration', '/node/deliver', '/node/event', '/node/found', '/node/found/mwl', '/node/metric', '/node/performance/set', '/node/ping', '/node/ping/ack', '/node/progress/add', '/node/retrieve', '/node/study/anonymized', '/node/study/queued', '/node/webhook', '/order/sps/status', '/patient/portal/find', '/patient/portal/list', '/patient/portal/login', '/patient/portal/pin', '/session/login', '/session/oauth', '/session/oauth/start', '/session/oauth/token', '/session/uuid', '/study/cfind', '/study/cmove', '/study/node/can/remove', '/terminology/i18next', '/terminology/list', '/terminology/tags', '/user/join', '/user/password/lost', '/user/password/reset', '/user/pubkey/list', '/user/pubkey/set', '/webhook/email'],
    )


# --- exceptions -------------------------------------------------------------------------------


def test_exception_module():
    classes = [
        obj for obj in vars(service_exceptions).values()
        if isinstance(obj, type) and issubclass(obj, PreconditionFailed) and obj is not PreconditionFailed
    ]
    assert len(classes) == 243
    for cls in classes:
        assert cls.__doc__ and '\n' not in cls.__doc__.strip()
    used = {error_class_name(t) for e in ENDPOINTS for t, _ in expected_error_keys(e)}
    assert used == {cls.__name__ for cls in classes}
    for name in service_exceptions.__all__:
        assert hasattr(service_exceptions, name)
    assert service_exceptions.PreconditionFailed is PreconditionFailed


def test_exception_carries_vendor_description():
    error = service_exceptions.NotFound(description='The study can not be found')
    assert error.description == 'The study can not be found'
    assert error.args[0] == '412. The study can not be found'
    assert error.code == 412


# --- every method -----------------------------------------------------------------------------


@pytest.mark.parametrize('endpoint', ENDPOINTS, ids=IDS)
def test_method_signature(endpoint):
    cls = getattr(entrypoints, endpoint['namespace'])
    method = getattr(cls, endpoint['method'])
    parameters = list(inspect.signature(method).parameters.values())
    assert parameters[0].name == 'self'
    expected = [(p['python_name'], p['required']) for p in endpoint['params']]
    actual = [(p.name, p.default is inspect.Parameter.empty) for p in parameters[1:]]
    assert actual == expected
    assert all(p.default is None for p in parameters[1:] if p.default is not inspect.Parameter.empty)
    required = [p['python_name'] for p in endpoint['params'] if p['required']]
    assert required == sorted(required, key=lambda n: next(x['name'] for x in endpoint['params'] if x['python_name'] == n))
    assert inspect.signature(method).return_annotation.__name__ == endpoint['query_class']
    doc = method.__doc__
    for param in endpoint['params']:
        assert ':param {}:'.format(param['python_name']) in doc
    assert ':returns:' in doc


@pytest.mark.parametrize('endpoint', ENDPOINTS, ids=IDS)
def test_method_builds_query(api, endpoint):
    query = call(api, endpoint)
    assert type(query).__name__ == endpoint['query_class']
    assert query.url == endpoint['url']
    assert query._required_sid is endpoint['required_sid']
    if endpoint['paginated_field']:
        assert 'P' in endpoint['query_class']
        assert query._paginated_field == endpoint['paginated_field']
    wire = {p['name'] for p in endpoint['params'] if p['dict_prefix'] is None}
    assert set(query.request_data) == wire
    for param in endpoint['params']:
        if param['required']:
            assert query.request_data[param['name']] == 'v-' + param['python_name']
    mapping = query._errors_mapping
    assert isinstance(mapping, LazyErrorsMapping)
    assert set(mapping) == expected_error_keys(endpoint)
    descriptions = {(e['type'], e['subtype']): e['description'] for e in endpoint['errors']}
    for key, error in mapping.items():
        assert isinstance(error, PreconditionFailed)
        assert type(error).__name__ == error_class_name(key[0])
        assert type(error) is getattr(service_exceptions, error_class_name(key[0]))
        expected = descriptions.get(key) or global_errors()[key[0]]['description']
        assert error.description == expected


def test_dict_expanded_params(api):
    query = api.Account.user_add(
        uuid='U', global_param=1, customfield_param={'CF': 'x'}, setting_param={'s': 'y'},
    )
    data = {k: v for k, v in query.request_data.items() if v is not None}
    assert data == {'uuid': 'U', 'global': 1, 'customfield-CF': 'x', 'setting_s': 'y'}
    query = api.Audit.log(bucket='b', rest_params={'free': 1, 'bucket': 'override'})
    assert query.request_data['free'] == 1 and query.request_data['bucket'] == 'override'
    query = api.Study.list(limit_hl7=5)
    assert query.request_data['limit.hl7'] == 5
    empty: Dict[str, Any] = {}
    add_prefixed(empty, 'permission_', None)
    assert empty == {}


def test_mapping_is_lazy_and_per_query(api):
    first = api.Study.get(uuid='a')
    second = api.Study.get(uuid='b')
    assert 'not loaded' in repr(first._errors_mapping)
    assert first._errors_mapping[('NOT_FOUND', None)] is not second._errors_mapping[('NOT_FOUND', None)]
    assert first._errors_mapping[('NOT_FOUND', None)] is first._errors_mapping[('NOT_FOUND', None)]
    assert 'NOT_FOUND' in repr(first._errors_mapping)


def test_subtyped_errors_have_no_plain_key(api):
    mapping = api.Account.user_add(uuid='U')._errors_mapping
    assert ('ROLE_NAMESPACE_MISMATCH', 'INCOMPATIBLE_ROLE') in mapping
    assert ('ROLE_NAMESPACE_MISMATCH', 'GLOBAL_USER_WITH_RESTRICTED_ROLE') in mapping
    assert ('ROLE_NAMESPACE_MISMATCH', None) not in mapping
    error = mapping[('ROLE_NAMESPACE_MISMATCH', 'INCOMPATIBLE_ROLE')]
    assert isinstance(error, service_exceptions.RoleNamespaceMismatch)
    assert 'role' in str(error.description).lower()


def test_unmapped_reference_errors_stay_in_the_data_spec(api):
    for url in ('/account/get', '/account/md5/counter', '/audit/failedlogins', '/session/permissions'):
        endpoint = endpoint_by_url(url)
        assert endpoint['errors'] and not any(e['mapped'] for e in endpoint['errors'])
        assert len(call(api, endpoint)._errors_mapping) == 0


def test_import_api_loads_no_namespace_or_model():
    code = (
        'import sys, ambra_sdk.api\n'
        'bad = [m for m in sys.modules if m.startswith(("ambra_sdk.models", "ambra_sdk.service.entrypoints"))]\n'
        'print(bad)\n'
        'api = ambra_sdk.api.Api.with_sid("http://127.0.0.1:9/api/v3", "x")\n'
        'api.Study.list()\n'
        'print(sorted(m for m in sys.modules if "entrypoints.generated." in m))\n'
    )
    output = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert output.splitlines() == ['[]', "['ambra_sdk.service.entrypoints.generated.study']"]


def test_entrypoints_package_exports():
    assert len(entrypoints.__all__) == 47
    namespace_dict: Dict[str, Any] = {}
    exec('from ambra_sdk.service.entrypoints import *', namespace_dict)  # noqa: S102
    assert set(entrypoints.__all__) <= set(namespace_dict)
    with pytest.raises(AttributeError):
        entrypoints.NoSuchNamespace  # noqa: B018
    assert callable(entrypoints.Session.get_sid)
    assert entrypoints.Study.__mro__[1].__module__ == 'ambra_sdk.service.entrypoints.generated.study'


# --- Appendix A spot checks (verbatim from the reference catalogue) ------------------------------

SPOT_CHECKS = [
    # (namespace, method, url, sid, query class, paginated field, req, opt)
    ('Study', 'list', '/study/list', True, 'QueryOPSF', 'studies', [],
     ['customfield_h', 'extra', 'fields', 'limit_hl7', 'permissions_diff', 'template']),
    ('Case', 'return_method', '/case/return', True, 'QueryO', None, ['reason', 'uuid'], []),
    ('Audit', 'log', '/audit/log', True, 'QueryO', None, ['bucket'], ['rest_params']),
    ('Audit', 'deleted', '/audit/deleted', True, 'QueryOP', 'objects', ['account_id', 'type'], []),
    ('Study', 'report_detail', '/study/report/detail', True, 'QueryOSF', None, None, None),
    ('Patient', 'portal_list', '/patient/portal/list', False, 'QueryOPS', None, None, None),
    ('Session', 'login', '/session/login', False, 'QueryO', None, ['login'],
     ['account_login', 'account_name', 'email', 'location', 'new_password', 'password', 'use_pkey',
      'validate_session', 'vanity']),
    ('Session', 'uuid', '/session/uuid', False, 'QueryO', None, [], []),
    ('Account', 'md5_counter', '/account/md5/counter', True, 'QueryO', None, ['md5', 'uuid'],
     ['node_id', 'serial_no']),
    ('Activity', 'list_count', '/activity/list/count', True, 'QueryOF', None, ['account_id'], []),
    ('Training', 'done', '/training/done', True, 'QueryO', None, ['account_id', 'form_number'],
     ['additional_parameters']),
    ('Purge', 'add', '/purge/add', True, 'QueryO', None, ['account_id', 'days_old', 'days_old_how', 'name'],
     ['adults', 'archive', 'global_param', 'max_deletes', 'minors', 'modalities', 'namespaces', 'object',
      'owned_phr', 'shared_from_phr', 'skinny', 'study_status_tags', 'suspended', 'thin']),
    ('Appointment', 'set', '/appointment/set', True, 'QueryO', None,
     ['customfields', 'description', 'end_time', 'start_time', 'user_id', 'uuid'], ['status']),
]


@pytest.mark.parametrize('check', SPOT_CHECKS, ids=[c[2] for c in SPOT_CHECKS])
def test_appendix_a_spot_checks(api, check):
    ns, method, url, sid, query_class, field, req, opt = check
    endpoint = endpoint_by_url(url)
    assert (endpoint['namespace'], endpoint['method']) == (ns, method)
    query = call(api, endpoint)
    assert type(query).__name__ == query_class
    assert query._required_sid is sid
    if field:
        assert query._paginated_field == field
    if req is not None:
        signature = inspect.signature(getattr(getattr(entrypoints, ns), method))
        names = list(signature.parameters)[1:]
        assert names == req + opt


def test_appendix_a_account_user_add(api):
    signature = inspect.signature(entrypoints.Account.user_add)
    assert str(signature).startswith('(self, uuid: Any, account_alias: Optional[Any] = None, ')
    assert list(signature.parameters)[1:] == ['uuid', 'account_alias', 'account_email', 'account_login', 'account_password', 'customfield_param', 'email', 'epic_user', 'event_approve', 'event_case_assignment', 'event_harvest', 'event_incoming_study_request', 'event_join', 'event_link', 'event_link_mine', 'event_message', 'event_new_report', 'event_node', 'event_purge', 'event_query_add', 'event_query_edit', 'event_query_reply', 'event_report_remove', 'event_share', 'event_status_change', 'event_study_comment', 'event_thin_study_fail', 'event_thin_study_success', 'event_upload', 'event_upload_fail', 'global_param', 'global_role_id', 'max_sessions', 'password_reset', 'role_id', 'session_expire', 'set_default_organization', 'setting_param', 'settings', 'sso_only', 'user_id']
    keys = set(api.Account.user_add(uuid='u')._errors_mapping)
    assert keys == {
        ('ALREADY_EXISTS', None), ('BAD_PASSWORD', None), ('DUPLICATE_NAME', None), ('INVALID_CUSTOMFIELD', None),
        ('INVALID_FLAG', None), ('MISSING_FIELDS', None), ('NOT_FOUND', None), ('NOT_PERMITTED', None),
        ('ROLE_NAMESPACE_MISMATCH', 'GLOBAL_USER_WITH_RESTRICTED_ROLE'),
        ('ROLE_NAMESPACE_MISMATCH', 'INCOMPATIBLE_ROLE'), ('USER_NOT_FOUND', None),
    }


# --- the whole Appendix A (when the spec is available) --------------------------------------------

_ENTRY = re.compile(
    r'^- \*\*(?P<method>\w+)\*\* · `(?P<url>[^`]+)` · (?P<sid>sid|no-sid) · (?P<qc>\w+)(?:\[(?P<pf>\w+)\])?$',
)
_PARAM = re.compile(r'^(?P<py>\w+)(?:\(wire `(?P<wire>[^`]+)`\)|\{dict→(?:`(?P<prefix>[^`<]*)<key>`|keys verbatim)\})?$')

AppendixParam = Tuple[str, Optional[str], Optional[str]]


def _params(text: str) -> List[AppendixParam]:
    if text.strip() == '—':
        return []
    result: List[AppendixParam] = []
    for item in text.strip().split(', '):
        match = _PARAM.match(item)
        assert match, item
        if match.group('prefix') is not None:
            result.append((match.group('py'), None, match.group('prefix')))
        elif '{dict' in item:
            result.append((match.group('py'), None, ''))
        else:
            result.append((match.group('py'), match.group('wire') or match.group('py'), None))
    return result


def parse_appendix_a(text: str) -> Dict[str, Dict[str, Any]]:
    """Parse the catalogue of spec Appendix A into ``{url: entry}``."""
    lines = text.split('## Appendix A.')[1].split('## Appendix B.')[0].splitlines()
    result: Dict[str, Dict[str, Any]] = {}
    namespace_name = ''
    for index, line in enumerate(lines):
        heading = re.match(r'^### (\w+) \(\d+\)', line)
        if heading:
            namespace_name = heading.group(1)
        match = _ENTRY.match(line)
        if not match:
            continue
        params = re.match(r'^req: (.*?); opt: (.*)$', lines[index + 1].strip())
        errors = lines[index + 2].strip()
        assert params and errors.startswith('errors: ')
        errors = errors[len('errors: '):]
        result[match.group('url')] = {
            'namespace': namespace_name,
            'method': match.group('method'),
            'sid': match.group('sid') == 'sid',
            'query_class': match.group('qc'),
            'paginated_field': match.group('pf'),
            'req': _params(params.group(1)),
            'opt': _params(params.group(2)),
            'errors': [] if errors == '—' else errors.split(', '),
        }
    return result


@pytest.fixture(scope='module')
def appendix_a() -> Dict[str, Dict[str, Any]]:
    if not SPEC.is_file():
        pytest.skip('spec/service_spec.md not available')
    return parse_appendix_a(SPEC.read_text(encoding='utf-8'))


def test_appendix_a_is_reproduced(api, appendix_a):
    assert len(appendix_a) == 417
    assert set(appendix_a) == {e['url'] for e in ENDPOINTS}
    for endpoint in ENDPOINTS:
        entry = appendix_a[endpoint['url']]
        assert (endpoint['namespace'], endpoint['method']) == (entry['namespace'], entry['method'])
        assert endpoint['required_sid'] is entry['sid']
        assert endpoint['query_class'] == entry['query_class']
        assert endpoint['paginated_field'] == entry['paginated_field']
        params = [
            (p['python_name'], None if p['dict_prefix'] is not None else p['name'], p['dict_prefix'])
            for p in endpoint['params']
        ]
        assert params == entry['req'] + entry['opt'], endpoint['url']
        expected_required = [True] * len(entry['req']) + [False] * len(entry['opt'])
        if endpoint['url'] in ALL_PARAMS_OPTIONAL:  # deliberate difference (docs/source/differences.rst)
            expected_required = [False] * len(expected_required)
        assert [p['required'] for p in endpoint['params']] == expected_required
        keys = sorted('{}({})'.format(t, s) if s else t for t, s in expected_error_keys(endpoint))
        assert keys == entry['errors'], endpoint['url']
        mapping = call(api, endpoint)._errors_mapping
        assert sorted('{}({})'.format(t, s) if s else t for t, s in mapping) == entry['errors']


def test_appendix_a_method_order(appendix_a):
    for name in entrypoints.__all__:
        cls = getattr(entrypoints, name)
        generated = [m for m in vars(_generated(cls)) if not m.startswith('_')]
        documented = [e['method'] for e in appendix_a.values() if e['namespace'] == name]
        assert generated == documented


def _generated(cls: type) -> type:
    for klass in cls.__mro__:
        if klass.__module__.startswith('ambra_sdk.service.entrypoints.generated.'):
            return klass
    raise AssertionError(cls)


def test_appendix_b_error_classes():
    if not SPEC.is_file():
        pytest.skip('spec/service_spec.md not available')
    text = SPEC.read_text(encoding='utf-8').split('## Appendix B.')[1].split('## Appendix C.')[0]
    pairs = re.findall(r'`([A-Z0-9_]+)`→(\w+) \((\d+)\)', text)
    assert len(pairs) == 243
    usage = collections.Counter(t for e in ENDPOINTS for t, _ in {(t, None) for t, _ in expected_error_keys(e)})
    for error_type, cls_name, count in pairs:
        assert error_class_name(error_type) == cls_name
        assert issubclass(getattr(service_exceptions, cls_name), PreconditionFailed)
        assert usage[error_type] == int(count), error_type


def test_link_get_takes_uuid_alone(api):
    """The reference demanded 40 arguments (response fields read as parameters)."""
    query = api.Link.get(uuid='some-uuid')
    assert {k: v for k, v in query.request_args.data.items() if v is not None} == {'uuid': 'some-uuid'}
