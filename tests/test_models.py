"""Models: generated classes (Appendix C), descriptors, filters, sorters, only."""

import json
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

import ambra_sdk.models as models
from ambra_sdk.models import generated
from ambra_sdk.models.base import BaseModel, FieldDescriptor, ModelDescriptor
from ambra_sdk.models.fields import FK, Boolean, DateTime, Integer, JsonB, String
from ambra_sdk.service.filtering import Filter, FilterCondition
from ambra_sdk.service.sorting import Sorter, SortingOrder

SPEC = Path(__file__).resolve().parents[1].parent / 'shared' / 'spec' / 'service_spec.md'
GENERATED_MODELS = [getattr(generated, name) for name in generated.__all__]
NOT_REEXPORTED = {
    'AiQuestion', 'Anonymization', 'DestinationDistributed', 'DictionaryRun', 'FilterTier', 'NodePerformanceData',
    'PerfEvent', 'Qctask', 'QctaskStudy', 'Query', 'QueryAttachment', 'QueryRecipient', 'Scanner',
    'ScannerValidated', 'Site', 'StudyCopy', 'StudyNotify', 'StudyRequest', 'StudyRequestFound', 'StudySplit',
    'StudyUpload', 'TrustedDevice', 'UserAnalytics', 'UserSite',
}

FieldSpec = Tuple[str, str, Optional[str]]
#: Models and fields that the v55 data dictionary added carry this note in their description.
V55_NOTE = '(new in LBL0022 v55.0 2022-08-03)'
V55_MODELS = ['CustomfieldMapping', 'QctaskQuery', 'QuerySeen', 'RuleSet', 'TimerRule']


def fields_of(model: type) -> List[FieldSpec]:
    """(name, kind, FK target) in declaration order."""
    result: List[FieldSpec] = []
    for name, value in vars(model).items():
        if isinstance(value, FieldDescriptor):
            result.append((name, type(value._field).__name__, None))
        elif isinstance(value, ModelDescriptor):
            result.append((name, 'FK', value._model_name))
    return result


# --- the generated module -----------------------------------------------------------------------


def is_v55(model: type, name: str) -> bool:
    """Whether the field came with the v55 dictionary (a v55 model, or a field noted so)."""
    return model.__name__ in V55_MODELS or V55_NOTE in str(vars(model)[name].__doc__)


def v47_fields(model: type) -> List[FieldSpec]:
    return [field for field in fields_of(model) if not is_v55(model, field[0])]


def test_counts():
    # v47 dictionary: 137 objects, 2765 fields; v55 adds 5 objects and 127 fields
    assert len(GENERATED_MODELS) == 142
    assert [model.__name__ for model in GENERATED_MODELS[137:]] == V55_MODELS
    assert sum(len(fields_of(model)) for model in GENERATED_MODELS) == 2892
    assert sum(len(v47_fields(model)) for model in GENERATED_MODELS) == 2765
    kinds: Dict[str, int] = {}
    for model in GENERATED_MODELS:
        for _, kind, _ in v47_fields(model):
            kinds[kind] = kinds.get(kind, 0) + 1
    assert kinds == {
        'String': 1294, 'FK': 579, 'DateTime': 290, 'Boolean': 273, 'Integer': 255,
        'DictField': 40, 'Float': 16, 'JsonB': 14, 'Date': 4,
    }


def test_v55_models_and_fields():
    assert 'New in the data dictionary of v55' in str(generated.RuleSet.__doc__)
    timer = {name: (kind, target) for name, kind, target in fields_of(generated.TimerRule)}
    assert timer['rule_set'] == ('FK', 'RuleSet') and timer['account'] == ('FK', 'Account')
    added = [name for name, _, _ in fields_of(generated.Query) if is_v55(generated.Query, name)]
    assert added == ['created_study_id', 'created_study', 'study_storage_namespace', 'study_storage_namespace_obj',
                     'study_uid']
    # fields the v55 dictionary dropped stay, marked in their docstring
    assert 'dropped in LBL0022 v55.0 2022-08-03; kept' in str(generated.Query.study_id.__doc__)
    assert 'dropped in LBL0022 v55.0' in str(generated.Namespace.archive.__doc__)
    assert fields_of(generated.Account)[-2:] == [
        ('site_management_account_id', 'String', None), ('site_management_account', 'FK', 'Account'),
    ]
    for name in V55_MODELS:
        assert name in models.__all__


def test_reexports():
    assert len(models.__all__) == 118  # 113 of the v47 dictionary, the 5 of v55
    assert 'StudyQuestion' not in models.__all__
    assert set(generated.__all__) - set(models.__all__) == NOT_REEXPORTED
    namespace: Dict[str, Any] = {}
    exec('from ambra_sdk.models import *', namespace)  # noqa: S102
    for name in models.__all__:
        cls = namespace[name]
        assert issubclass(cls, getattr(generated, name))
        assert cls is not getattr(generated, name)
        assert fields_of(cls) == []  # models.py adds nothing
    assert models.Study._name == 'Study'


def test_spot_checks_of_appendix_c():
    assert fields_of(generated.StudyNotReady) == [
        ('id', 'Integer', None),
        ('phi_namespace', 'String', None), ('phi_namespace_obj', 'FK', 'Namespace'),
        ('study_id', 'String', None), ('study', 'FK', 'Study'),
    ]
    fields = {name: (kind, target) for name, kind, target in fields_of(generated.Accelerator)}
    assert fields['global_field'] == ('Boolean', None)
    assert fields['account'] == ('FK', 'Account')
    assert fields['created_by_obj'] == ('FK', 'User')
    assert {n: t for n, _, t in fields_of(generated.Activity)}['qctask'] == 'Task'
    assert {n: t for n, _, t in fields_of(generated.Audit)}['parent'] == 'SelfField'
    assert {n: k for n, k, _ in fields_of(generated.Activity)}['type_field'] == 'String'
    case_fields = [name for name, _, _ in fields_of(generated.Case)]
    assert 'study_charge_id' in case_fields and 'study_charge' not in case_fields
    assert len(v47_fields(generated.System)) == 74
    assert str(generated.Account.vanity_h.__doc__).startswith('DictField(')
    assert generated.Study.phi_namespace._field.description.startswith('FK. ')


def test_keyword_only_init_with_every_field():
    import inspect

    for model in GENERATED_MODELS:
        parameters = list(inspect.signature(model.__init__).parameters.values())[1:]
        assert [p.name for p in parameters] == [name for name, _, _ in fields_of(model)]
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is None for p in parameters)
    with pytest.raises(TypeError):
        models.Study('positional')  # type: ignore[misc, arg-type]


# --- Appendix C in full (when the spec is available) ----------------------------------------------

_AUDIT = ['created:DateTime', 'created_by/created_by_obj→User', 'updated:DateTime', 'updated_by/updated_by_obj→User']


def parse_appendix_c(text: str) -> Dict[str, Tuple[bool, int, List[FieldSpec]]]:
    """``{model: (hidden, count, fields)}`` from spec Appendix C."""
    section = text.split('## Appendix C.')[1]
    result: Dict[str, Tuple[bool, int, List[FieldSpec]]] = {}
    for match in re.finditer(r'^- \*\*(\w+)\*\*( †)? \((\d+)\): (.*)$', section, re.M):
        tokens: List[str] = []
        for token in match.group(4).split(', '):
            tokens.extend(_AUDIT if token == '[AUDIT]' else [token])
        fields: List[FieldSpec] = []
        for token in tokens:
            if '→' in token:
                names, target = token.split('→')
                column, link = names.split('/')
                fields += [(column, 'String', None), (link, 'FK', target)]
            else:
                name, kind = token.split(':')
                fields.append((name, kind, None))
        result[match.group(1)] = (bool(match.group(2)), int(match.group(3)), fields)
    return result


def test_appendix_c_is_reproduced():
    if not SPEC.is_file():
        pytest.skip('spec/service_spec.md not available')
    appendix = parse_appendix_c(SPEC.read_text(encoding='utf-8'))
    assert list(appendix) == list(generated.__all__)[:137]  # the v55 models follow
    for name, (hidden, count, fields) in appendix.items():
        model = getattr(generated, name)
        assert v47_fields(model) == fields, name
        assert len(fields) == count
        assert (name not in models.__all__) is hidden


# --- descriptors and operators ------------------------------------------------------------------


def test_comparison_operators_build_filters():
    assert (models.Study.patient_name == 'Doe') == Filter('patient_name', FilterCondition.equals, 'Doe')
    assert (models.Study.phantom == 0) == Filter('phantom', FilterCondition.equals, '0')
    assert (models.Study.phantom != True) == Filter('phantom', FilterCondition.not_equals, '1')  # noqa: E712
    assert (models.Study.size > '5') == Filter('size', FilterCondition.gt, 5)
    assert (models.Study.size >= 5).condition is FilterCondition.ge
    assert (models.Study.size < 5).condition is FilterCondition.lt
    assert (models.Study.size <= 5).condition is FilterCondition.le
    assert models.Study.uuid.equals_or_null('u').condition is FilterCondition.equals_or_null
    assert models.Study.uuid.not_equals_or_null('u', full_name=True).field_name == 'Study.uuid'
    with pytest.raises(ValueError):
        models.Study.size == 'not a number'  # noqa: B015


def test_in_and_like():
    in_filter = models.Study.uuid.in_condition(['a', 'b'])
    assert in_filter == Filter('uuid', FilterCondition.in_condition, '["a", "b"]')
    assert models.Study.uuid.in_or_null(('a',)).value == '["a"]'
    with pytest.raises(ValueError, match='not iterable'):
        models.Study.uuid.in_condition(5)
    assert models.Study.patient_name.like('Do%') == Filter('Study.patient_name', FilterCondition.like, 'Do%')
    assert models.Study.patient_name.like('Do%', full_name=False).field_name == 'patient_name'
    with pytest.raises(ValueError, match='like'):
        models.Study.size.like('1%')


def test_sorters():
    assert models.Study.created.desc() == Sorter('created', SortingOrder.descending)
    assert models.Study.created.asc() == Sorter('created', SortingOrder.ascending)
    assert str(models.Account.role.name.asc(full_name=True)) == 'Account.role.name-asc'


def test_fk_paths_and_only():
    permissions = models.Account.role.permissions
    assert permissions._full_name == 'Account.role.permissions'
    assert permissions._parent.__name__ == 'Role'
    assert permissions._parent is not generated.Role
    assert models.Account.role is models.Account.role  # copies are cached
    assert models.Account.name.get_only() == {'account': ['name']}
    assert models.Account.role.name.get_only() == {'role': ['name']}
    assert models.Study.study_uid.get_only() == {'study': ['study_uid']}
    with pytest.raises(AttributeError):
        generated.Activity.qctask  # noqa: B018 (target Task does not exist)


def test_descriptors_are_unhashable_and_documented():
    with pytest.raises(TypeError):
        hash(models.Study.uuid)
    assert models.Study.uuid.__doc__ == 'String(UUID for external use)'
    assert isinstance(generated.Study.__dict__['phi_namespace_obj'], ModelDescriptor)


def test_instances_validate_values():
    study = models.Study(patient_name=42, phantom=1, size='10', created=datetime(2020, 1, 2))  # type: ignore[arg-type]
    assert study.patient_name == '42'
    assert study.phantom is True
    assert study.size == 10
    assert study.uuid is None
    assert 'patient_name' in repr(study)
    with pytest.raises(ValueError):
        models.Study(size='x')  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        models.Study(created='2020-01-02')  # type: ignore[arg-type]
    namespace = models.Namespace(uuid='N')
    study.phi_namespace_obj = namespace
    assert study.phi_namespace_obj is namespace
    with pytest.raises(ValueError):
        study.phi_namespace_obj = 'not a model'
    study.phi_namespace_obj = None
    assert study.phi_namespace_obj is None
    analytics = models.StudyAnalytics(day=date(2020, 1, 1))
    assert analytics.day == date(2020, 1, 1)


def test_field_types():
    assert Boolean('x').for_request(0) == '0'
    assert Integer('x').validate('3') == 3
    assert JsonB('x').validate('{}') == b'{}'
    assert String('x').for_request(5) == '5'
    with pytest.raises(ValueError):
        DateTime('x').validate(date(2020, 1, 1))
    with pytest.raises(RuntimeError):
        FK('Account', 'x').validate(None)
    assert repr(FK('Account', 'x')) == "FK(model='Account', description='x')"


def test_generic_init_of_hand_made_models():
    class Thing(BaseModel):
        name = String('The name')

    thing = Thing(name=1)
    assert thing.name == '1'
    assert Thing.fields() == ['name']
    with pytest.raises(TypeError):
        Thing(other=1)
    assert (Thing.name == 'x').field_name == 'name'


def test_filters_work_on_a_query():
    from ambra_sdk.api import Api

    api = Api.with_sid('http://127.0.0.1:9/api/v3', 'x')
    study_namespace: Any = getattr(api, 'Study')  # noqa: B009 (lazy namespace attribute)
    query = study_namespace.list().filter_by(models.Study.phantom == 0).sort_by(models.Study.created.desc())
    query = query.only(models.Study.study_uid)
    data = query.request_args.data
    assert data['filter.phantom.equals'] == '0'
    assert data['sort_by'] == 'created-desc'
    assert json.loads(data['fields.study']) == ['study_uid']


def test_importing_the_api_does_not_import_models():
    code = 'import sys, ambra_sdk.api; print([m for m in sys.modules if m.startswith("ambra_sdk.models")])'
    output = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == '[]'
