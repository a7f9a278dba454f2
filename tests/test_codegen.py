"""The generator (tools/codegen): committed output is fresh, parser counts match the survey.

The counts come from ``../shared/apidocs/README.md`` (the survey of the vendor HTML).
"""

import collections
import functools
from pathlib import Path

import pytest

from tools.codegen import DOCUMENT, DOCUMENTS, HEADER, NEWEST_DOCUMENT, naming
from tools.codegen.catalogue import build_catalogue
from tools.codegen.cli import DEFAULT_APIDOCS, main
from tools.codegen.htmlscan import scan_tables
from tools.codegen.merge import merge_catalogues, merge_endpoint, version_key
from tools.codegen.model_rules import build_models, fk_target
from tools.codegen.outputs import GENERATED, UNION, generate, stale_files, write_files
from tools.codegen.parse_api import ApiDocument, parse_api
from tools.codegen.parse_dictionary import DictObject, parse_dictionary
from tools.codegen.textutil import entries, to_text

API_HTML = DEFAULT_APIDOCS / 'api.html'
DICTIONARY_HTML = DEFAULT_APIDOCS / 'dictionary.html'
API_V55_HTML = DEFAULT_APIDOCS / 'api_v55.html'
DICTIONARY_V55_HTML = DEFAULT_APIDOCS / 'dictionary_v55.html'

pytestmark = pytest.mark.skipif(
    not all(path.is_file() for path in (API_HTML, DICTIONARY_HTML, API_V55_HTML, DICTIONARY_V55_HTML)),
    reason='vendor HTML (../shared/apidocs) not available',
)


@functools.cache
def api_source() -> str:
    return API_HTML.read_text(encoding='utf-8')


@functools.cache
def dictionary_source() -> str:
    return DICTIONARY_HTML.read_text(encoding='utf-8')


@functools.cache
def api_v55_source() -> str:
    return API_V55_HTML.read_text(encoding='utf-8')


@functools.cache
def api_document() -> ApiDocument:
    return parse_api(api_source())


@functools.cache
def api_v55_document() -> ApiDocument:
    return parse_api(api_v55_source())


@functools.cache
def union_catalogue() -> 'dict':
    return merge_catalogues({
        'v47': build_catalogue(api_document(), api_source()),
        'v55': build_catalogue(api_v55_document(), api_v55_source()),
    })


@functools.cache
def dictionary_objects() -> 'tuple[DictObject, ...]':
    return tuple(parse_dictionary(dictionary_source()))


def sources() -> 'tuple[list[str], list[str]]':
    dictionaries = [dictionary_source(), DICTIONARY_V55_HTML.read_text(encoding='utf-8')]
    return [api_source(), api_v55_source()], dictionaries


@functools.cache
def generated_files() -> 'dict[str, str]':
    return generate(*sources())


# --- freshness -------------------------------------------------------------------------


def test_check_mode_says_committed_output_is_fresh(capsys):
    assert main(['--check']) == 0, capsys.readouterr().out


def test_check_mode_detects_stale_and_extra_files(tmp_path):
    files = generated_files()
    assert write_files(tmp_path, files)
    assert stale_files(tmp_path, files) == []
    assert write_files(tmp_path, files) == []  # idempotent
    target = tmp_path / 'ambra_sdk/exceptions/service.py'
    target.write_text(target.read_text(encoding='utf-8') + '# edited\n', encoding='utf-8')
    (tmp_path / GENERATED / 'bogus.py').write_text('', encoding='utf-8')
    assert stale_files(tmp_path, files) == [
        'ambra_sdk/exceptions/service.py',
        GENERATED + '/bogus.py (not generated)',
    ]
    assert main(['--check', '--root', str(tmp_path)]) == 1


def test_generation_is_deterministic():
    again = generate(*sources())
    assert again == generated_files()


def test_output_set_and_headers():
    files = generated_files()
    # 99 of the v47 generator + 50 union modules + service_added.py + service_reference.rst
    assert len(files) == 151
    assert sum(path.startswith(GENERATED + '/') for path in files) == 48
    assert sum(path.startswith(UNION + '/') for path in files) == 50
    # session.py / study.py user modules are hand-written and never generated
    assert 'ambra_sdk/service/entrypoints/session.py' not in files
    assert 'ambra_sdk/service/entrypoints/study.py' not in files
    assert DOCUMENT in HEADER and NEWEST_DOCUMENT.split(' ', 1)[1] in HEADER
    for path, text in files.items():
        if path.endswith('.py'):
            assert text.startswith(HEADER + '\n'), path
        assert text.endswith('\n') and not text.endswith('\n\n'), path


def test_generated_python_compiles():
    for path, text in generated_files().items():
        if path.endswith('.py'):
            compile(text, path, 'exec')


def test_cli_writes_into_root(tmp_path):
    assert main(['--root', str(tmp_path)]) == 0
    assert main(['--root', str(tmp_path), '--check']) == 0


# --- api.html parser counts (apidocs/README.md §3.1) --------------------------------------


def test_api_document_counts():
    document = api_document()
    endpoints = document.endpoints
    assert document.version == DOCUMENT
    assert len(endpoints) == 417
    assert len({e.url for e in endpoints}) == 417
    assert len({e.namespace for e in endpoints}) == 47
    assert len({e.section for e in endpoints}) == 46
    assert document.extra_tables == 4
    depths = collections.Counter(len(e.url.strip('/').split('/')) for e in endpoints)
    assert depths == {2: 283, 3: 126, 4: 8}


def test_api_parameter_counts():
    endpoints = api_document().endpoints
    assert sum(e.raw_param_count for e in endpoints) == 2281
    assert sum(len(p.fields) for e in endpoints for p in e.params) == 18
    # 45 `filter.*` lines without a bullet plus 4 written with one
    assert sum(e.filterable for e in endpoints) == 49
    assert sum(e.paginated for e in endpoints) == 49
    assert sum(e.sortable for e in endpoints) == 42
    assert [e.url for e in endpoints if e.raw_param_count == 0] == ['/session/uuid', '/session/oauth/start']


def test_api_sid_modes():
    modes = collections.Counter(e.sid for e in api_document().endpoints)
    assert modes == {'required': 337 + 12, 'optional': 3, 'alternative': 17, 'none': 48}


def test_api_error_counts():
    endpoints = api_document().endpoints
    assert sum(len(e.errors) + len(e.http_errors) for e in endpoints) == 1583
    assert sum(len(e.http_errors) for e in endpoints) == 4
    codes = {x.type for e in endpoints for x in e.errors} | {'[404]'}
    assert len(codes) == 241
    assert sum(1 for e in endpoints if not e.errors and not e.http_errors) == 15
    subtyped = [x for e in endpoints for x in e.errors if x.subtype]
    assert len(subtyped) == 19
    assert {x.type for x in subtyped} == {'ROLE_NAMESPACE_MISMATCH', 'SHARE_FAILED'}
    counts = collections.Counter(x.type for e in endpoints for x in e.errors)
    assert counts['MISSING_FIELDS'] == 349
    assert counts['NOT_FOUND'] == 334
    assert counts['NOT_PERMITTED'] == 298
    notes = [e.url for e in endpoints if e.errors_in_notes]
    assert notes == ['/session/permissions']


def test_api_returns_and_permissions():
    endpoints = api_document().endpoints
    depths = collections.Counter(r.depth for e in endpoints for r in e.returns)
    assert depths == {0: 1614, 1: 366, 2: 15}
    assert sum(e.permission is not None for e in endpoints) == 291
    assert sum(e.permission == '' for e in endpoints) == 8


def test_api_irregular_markup():
    by_url = {e.url: e for e in api_document().endpoints}
    # /link/add never closes its Parameters cell
    assert 'ui_json' in [p.name for p in by_url['/link/add'].params]
    # two errors on one <br>-line
    assert len({x.type for x in by_url['/study/revive'].errors}) >= 2
    # nested JSON-array items are not parameters
    assert any(p.fields for p in by_url['/node/found'].params)
    assert any(p.fields for p in by_url['/node/found/mwl'].params)
    # alternatives become optional parameters; sid inside an alternative
    login = by_url['/session/login']
    assert ['email'] in login.alternatives[0] and ['account_name', 'account_login'] in login.alternatives[0]
    assert by_url['/study/add'].sid == 'alternative'
    # dict-expanded parameters
    prefixes = {p.python_name: p.dict_prefix for e in by_url.values() for p in e.params if p.dict_prefix is not None}
    assert prefixes == {
        'customfield_param': 'customfield-',
        'setting_param': 'setting_',
        'permission_param': 'permission_',
        'anonymize_param': 'anonymize_',
        'rest_params': '',
        'ai_settings': '',
        'additional_parameters': '',
    }
    # the comment div separator does not swallow the following parameter
    assert 'assigned_admin_id' in [p.name for p in by_url['/case/set'].params]


def test_catalogue_query_classes_and_paginated_fields():
    catalogue = build_catalogue(api_document(), api_source())
    classes = collections.Counter(e['query_class'] for e in catalogue['endpoints'])
    assert classes == {
        'QueryO': 363, 'QueryOPSF': 39, 'QueryOPF': 5, 'QueryOF': 4, 'QueryOP': 3, 'QueryOPS': 2, 'QueryOSF': 1,
    }
    for endpoint in catalogue['endpoints']:
        assert (endpoint['paginated_field'] is not None) == ('P' in endpoint['query_class'])
    assert sum(not e['required_sid'] for e in catalogue['endpoints']) == 48
    assert set(catalogue['global_errors']) == {
        'INVALID_FIELD', 'INVALID_CONDITION', 'FILTER_NOT_FOUND', 'INVALID_SORT_FIELD', 'INVALID_SORT_ORDER',
    }


# --- dictionary.html parser (apidocs/README.md §4) -------------------------------------------


def test_dictionary_counts():
    objects = dictionary_objects()
    assert len(objects) == 137
    assert sum(len(o.columns) for o in objects) == 2186
    types = collections.Counter(c.type for o in objects for c in o.columns)
    assert types == {
        'foreign_key': 581, 'datetime': 290, 'citext': 287, 'flag': 257, 'text': 254, 'memo': 153,
        'primary_key': 135, 'integer': 89, 'kv': 40, 'char': 17, 'flag_no_default': 16, 'double': 16,
        'big_integer': 15, 'integer_no_default': 14, 'json': 14, 'date': 4, 'big_primary_key': 2, 'uuid': 2,
    }
    renamed = {o.name: o.table for o in objects if o.table != o.name.lower()}
    assert renamed == {'Case': 'cases', 'Group': 'grp', 'Order': 'ord', 'User': 'us'}
    sizes = {o.name: len(o.columns) for o in objects}
    assert min(sizes.values()) == sizes['Study_not_ready'] == 3
    assert max(sizes.values()) == sizes['System'] == 72


def test_models_from_dictionary():
    models = build_models(list(dictionary_objects()))
    assert len(models) == 137
    assert sum(len(m.fields) for m in models) == 2765
    kinds = collections.Counter(f.kind for m in models for f in m.fields)
    assert kinds == {
        'String': 1294, 'FK': 579, 'DateTime': 290, 'Boolean': 273, 'Integer': 255,
        'DictField': 40, 'Float': 16, 'JsonB': 14, 'Date': 4,
    }


def test_fk_target_rules():
    assert fk_target('Study', 'account_id') == 'Account'
    assert fk_target('Study', 'created_by') == 'User'
    assert fk_target('Study', 'storage_namespace') == 'Namespace'
    assert fk_target('Activity', 'qctask_id') == 'Task'
    assert fk_target('Audit', 'parent_id') == 'SelfField'
    assert fk_target('Message', 'parent_id') == 'Message'
    assert fk_target('Case', 'study_charge_id') == 'Unknown'


# --- small helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('url', 'namespace', 'method', 'title'),
    [
        ('/case/return', 'Case', 'return_method', 'Return.'),
        ('/hl7/list', 'Hl7', 'list', 'List.'),
        ('/account/user/list', 'Account', 'user_list', 'User list.'),
        ('/study/node/can/remove', 'Study', 'node_can_remove', 'Node can remove.'),
    ],
)
def test_naming(url, namespace, method, title):
    assert naming.namespace_of(url) == namespace
    assert naming.method_of(url) == method
    assert naming.docstring_title(url) == title


@pytest.mark.parametrize(
    ('error_type', 'cls'),
    [
        ('NOT_FOUND', 'NotFound'),
        ('INVALID_HL7_FIELD', 'InvalidHl7Field'),
        ('FDC_JWT_INVALID_PRIVATE_KEY', 'FdcJwtInvalidPrivateKey'),
        ('DUP_AETITLE', 'DupAetitle'),
    ],
)
def test_error_class_names(error_type, cls):
    assert naming.error_class(error_type) == cls


def test_scanner_closes_cells_implicitly():
    tables = scan_tables(
        '<a name="x"><h3>X commands</h3></a><table class="t"><tr><th>A</th><td>one<br>'
        '</tr><tr><th>B</th><td>two</td><td>three</table>',
    )
    assert len(tables) == 1
    rows = [[(c.kind, to_text(c.raw)) for c in row] for row in tables[0].rows]
    assert rows == [[('th', 'A'), ('td', 'one')], [('th', 'B'), ('td', 'two'), ('td', 'three')]]
    assert tables[0].section_anchor == 'x' and tables[0].section_title == 'X commands'


def test_entries_split_on_br_and_newlines():
    import re

    raw = 'A &bull; one<br>\nB &bull; two\nC &bull; three<br>continued<div class="comment">-- x --</div>D &bull; four'
    assert entries(raw, re.compile(r'\s*[A-Z] &bull;')) == [
        'A &bull; one', 'B &bull; two', 'C &bull; three continued', 'D &bull; four',
    ]


def test_default_paths_point_at_shared():
    assert Path(DEFAULT_APIDOCS).name == 'apidocs'
    assert DEFAULT_APIDOCS.parent.name == 'shared'


def test_prose_optional_parameters_follow_the_reference():
    from tools.codegen.overrides import PROSE_OPTIONAL_BUT_REQUIRED

    by_url = {e.url: e for e in api_document().endpoints}
    for url, name in PROSE_OPTIONAL_BUT_REQUIRED.items():
        param = next(p for p in by_url[url].params if p.name == name)
        assert param.description.startswith('Optional')
        assert param.required


# --- the second document (v55) and the union (issue 23) -------------------------------------------


def test_v55_document_counts():
    document = api_v55_document()
    assert document.version == NEWEST_DOCUMENT
    assert version_key(document.version) == 'v55' and version_key(DOCUMENT) == 'v47'
    assert list(DOCUMENTS) == ['v47', 'v55']
    assert len(document.endpoints) == 440
    assert len({e.namespace for e in document.endpoints}) == 49
    quoted = [(e.url, p.python_name, p.dict_prefix, p.dict_quote) for e in document.endpoints for p in e.params
              if p.dict_quote]
    assert quoted == [('/destination/search', 'customfield_quoted_param', 'customfield-', "'")]


def test_union_counts_and_origins():
    union = union_catalogue()
    endpoints = union['endpoints']
    assert union['document'] == DOCUMENT
    assert union['documents'] == DOCUMENTS
    assert len(endpoints) == 440
    assert len({e['namespace'] for e in endpoints}) == 49
    new = [e['url'] for e in endpoints if e['since'] == 'v55']
    assert len(new) == 23 and new[:3] == ['/study/count_by_filter', '/study/status/get', '/study/clone']
    assert {e['namespace'] for e in endpoints if e['url'].startswith(('/rule_set/', '/timer_rule/'))} == {
        'RuleSet', 'TimerRule',
    }
    old = [e for e in endpoints if e['since'] == 'v47']
    added = [(e['url'], p['name']) for e in old for p in e['params'] if p['since'] == 'v55']
    assert len(added) == 65
    assert len({url for url, _ in added}) == 37
    assert not any(p['required'] for e in old for p in e['params'] if p['since'] == 'v55')
    dropped = [(e['url'], p['name'], p.get('renamed_to')) for e in endpoints for p in e['params'] if 'until' in p]
    assert dropped == [
        ('/destination/list', 'uuid', None),
        ('/destination/add', 'can_mwl_search', 'can_search_mwl'),
        ('/destination/set', 'can_mwl_search', 'can_search_mwl'),
        ('/site/user/set', 'email', None),
        ('/query/add', 'study_id', 'created_study_id'),
    ]
    errors = [(e['url'], x['type']) for e in old for x in e['errors'] if x['since'] == 'v55']
    assert len(errors) == 34
    changed = {e['url'] for e in old if any(p['since'] == 'v55' or 'until' in p for p in e['params'])}
    changed |= {e['url'] for e in old if any(p['required'] != p['required_in']['v47'] for p in e['params']
                                             if 'v47' in p['required_in'])}
    assert len(changed) == 38  # "new parameters on 38 methods" (issue 23)


def test_union_required_flags_follow_every_document():
    by_url = {e['url']: e for e in union_catalogue()['endpoints']}
    params = {(url, p['name']): p for url, e in by_url.items() for p in e['params']}
    assert params[('/query/add', 'subject')]['required_in'] == {'v47': True, 'v55': False}
    assert params[('/query/add', 'subject')]['required'] is False
    assert params[('/qctask/add', 'priority')]['required_in'] == {'v47': False, 'v55': True}
    assert params[('/qctask/add', 'priority')]['required'] is False
    assert params[('/destination/list', 'uuid')]['required'] is False
    assert params[('/query/add', 'created_study_id')]['renamed_from'] == 'study_id'
    assert params[('/study/clone', 'uuid')]['required'] is True  # a new method follows its document


def test_union_query_features():
    search = {e['url']: e for e in union_catalogue()['endpoints']}['/customfield/search']
    assert search['documents']['v47']['query_class'] == 'QueryO'
    assert search['documents']['v55']['query_class'] == 'QueryOPSF'
    # filtering and sorting send nothing until used; pagination would change the plain call
    assert (search['query_class'], search['paginated_field']) == ('QueryOSF', None)


def _record(**changes: object) -> 'dict':
    record = {
        'url': '/x/y', 'namespace': 'X', 'method': 'y', 'sid': 'required', 'required_sid': True,
        'query_class': 'QueryO', 'paginated_field': None, 'filterable': False, 'sortable': False,
        'params': [], 'alternatives': [], 'errors': [], 'http_errors': [],
    }
    record.update(changes)
    return record


def _param(name: str, required: bool) -> 'dict':
    return {'name': name, 'python_name': name, 'required': required, 'description': '', 'dict_prefix': None}


def test_union_refuses_what_needs_a_decision():
    versions = ['v47', 'v55']
    old = _record(params=[_param('a', True), _param('b', True)])
    # v55 makes `a` optional while `b` stays required: `a` cannot keep its place with a default
    new = _record(params=[_param('a', False), _param('b', True)])
    with pytest.raises(ValueError, match='decide in tools/codegen/overrides.py'):
        merge_endpoint('/x/y', {'v47': old, 'v55': new}, versions)
    with pytest.raises(ValueError, match='sid'):
        merge_endpoint('/x/y', {'v47': old, 'v55': _record(sid='none', params=old['params'])}, versions)
    # the last required parameter may become optional
    merged = merge_endpoint('/x/y', {'v47': old, 'v55': _record(params=[_param('a', True)])}, versions)
    assert [(p['name'], p['required'], p.get('until')) for p in merged['params']] == [
        ('a', True, None), ('b', False, 'v55'),
    ]


def test_union_modules_render_only_what_differs():
    files = generated_files()
    study = files[UNION + '/study.py']
    assert 'class Study(ReferenceStudy):' in study and "_surface = 'union'" in study
    assert '    def clone(' in study and '    def list(' not in study
    assert '        *,\n        parital_save: Optional[Any] = None,' in study
    rule_set = files[UNION + '/rule_set.py']
    assert 'class RuleSet:' in rule_set and 'def __init__' in rule_set
    assert files[UNION + '/site.py'].count('    def ') == 4  # add, set, user_add, user_set
    reference = files['docs/source/service_reference.rst']
    assert '``api.Study.clone``' in reference and '``api.RuleSet.list``' in reference
    assert reference.count('   * - ``api.') == 440


def test_union_never_overrides_a_hand_written_wrapper():
    from tools.codegen.render_union import render_union_namespace

    endpoint = {e['url']: e for e in union_catalogue()['endpoints']}['/study/list']
    changed = dict(endpoint, query_class='QueryOSF')
    with pytest.raises(ValueError, match='wrapped by hand'):
        render_union_namespace('Study', [changed], 'v47')
