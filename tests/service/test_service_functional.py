"""Service layer end to end against the emulator (fixtures ``api`` and ``emulator``)."""

import json
from datetime import datetime, timedelta, timezone

import pytest
from box import Box

from ambra_sdk.service.filtering import Filter, FilterCondition
from ambra_sdk.service.sorting import Sorter, SortingOrder


def _fixture(request, name):
    try:
        return request.getfixturevalue(name)
    except pytest.FixtureLookupError:
        pytest.skip('emulator fixture {!r} is not available'.format(name))


@pytest.fixture
def emu(request):
    return _fixture(request, 'emulator')


@pytest.fixture
def sapi(request, emu):
    """The emulator's ``api`` fixture without client-side rate limits (faster)."""
    client = _fixture(request, 'api')
    client.rate_limits = None
    return client


@pytest.fixture
def namespace_id(emu):
    return emu.namespace_id


def forms(emu, path):
    return [entry.form for entry in emu.requests_log if entry.path == path]


def add_study(api, namespace_id, number, **fields):
    fields.setdefault('patient_name', 'PATIENT^{:02d}'.format(number))
    fields.setdefault('patientid', 'PID-{:02d}'.format(number))
    return api.Study.add(
        study_uid='1.2.3.{}'.format(number),
        storage_namespace=namespace_id,
        phi_namespace=namespace_id,
        thin=True,
        **fields,
    ).get()


@pytest.fixture
def seven_studies(sapi, namespace_id):
    return [add_study(sapi, namespace_id, number).uuid for number in range(7)]


# ---------------------------------------------------------------- session / user / account
def test_session_user(sapi, emu):
    user = sapi.Session.user().get()
    assert isinstance(user, Box)
    assert user.email == emu.username


def test_get_sid_logs_in_once_without_retry(sapi, emu):
    sid = sapi.Session.get_sid(emu.username, emu.password)
    assert isinstance(sid, str) and sid
    login = forms(emu, '/session/login')[-1]
    assert login['login'] == emu.username


def test_invalid_credentials_are_mapped(sapi, emu):
    from ambra_sdk.exceptions.service import InvalidCredentials

    with pytest.raises(InvalidCredentials) as info:
        sapi.Session.get_sid(emu.username, 'wrong password')
    assert info.value.error_type == 'INVALID_CREDENTIALS'
    assert info.value.description != InvalidCredentials.default_description


def test_only_top_field(sapi):
    user = sapi.User.get().only('email').get()
    assert list(user.keys()) == ['email']


def test_account_list_only_and_filter(sapi):
    account = sapi.Account.list().only({'account': ['name', 'uuid']}).first()
    assert set(account.keys()) == {'name', 'uuid'}
    found = sapi.Account.list().filter_by(Filter('name', FilterCondition.equals, account.name)).first()
    assert found.uuid == account.uuid
    assert sapi.Account.list().filter_by(Filter('name', FilterCondition.equals, 'no such account')).first() is None


# ---------------------------------------------------------------- study CRUD
def test_study_add_get_set_delete(sapi, namespace_id):
    from ambra_sdk.exceptions.service import NotFound
    from ambra_sdk.service.entrypoints.study import CustomFieldsList, StudyBox

    uuid = add_study(sapi, namespace_id, 1, patient_name='DOE^JOHN').uuid
    study = sapi.Study.get(uuid=uuid).get()
    assert isinstance(study, StudyBox)
    assert isinstance(study.customfields, CustomFieldsList)
    assert study.patient_name == 'DOE^JOHN'

    sapi.Study.set(uuid=uuid, patient_name='DOE^JANE').get()
    assert sapi.Study.get(uuid=uuid).only('patient_name').get() == {'patient_name': 'DOE^JANE'}

    sapi.Study.delete(uuid=uuid).get()
    with pytest.raises(NotFound) as info:
        sapi.Study.get(uuid=uuid).get()
    error = info.value
    assert error.code == 412 and error.error_type == 'NOT_FOUND'
    assert error.description == 'The study can not be found'  # vendor text (quirk 1 fixed)
    assert 'The study can not be found.' in str(error)


def test_each_error_is_a_fresh_instance(sapi):
    from ambra_sdk.exceptions.service import NotFound

    query = sapi.Study.get(uuid='00000000-0000-4000-8000-000000000000')
    errors = []
    for _ in range(2):
        with pytest.raises(NotFound) as info:
            query.get()
        errors.append(info.value)
    assert errors[0] is not errors[1]


def test_study_customfields(sapi, emu, namespace_id):
    field_uuid = sapi.Customfield.add(account_id=emu.account_id, name='Body part', object='Study').get().uuid
    uuid = add_study(sapi, namespace_id, 2, customfield_param={field_uuid: 'CHEST'}).uuid
    for study in (sapi.Study.get(uuid=uuid).get(), sapi.Study.list().filter_by(
            Filter('uuid', FilterCondition.equals, uuid)).first()):
        assert study.customfields.get_by_name('Body part').value == 'CHEST'
        assert study.customfields.get_by_uuid(field_uuid).name == 'Body part'
        assert study.customfields.get_by_name('missing') is None
        assert [field.value for field in study.customfields.filter_by({'name': 'Body part'})] == ['CHEST']
    assert forms(emu, '/study/add')[-1]['customfield-{}'.format(field_uuid)] == 'CHEST'


# ---------------------------------------------------------------- study list
def mine():
    return Filter('patientid', FilterCondition.like, 'PID-%')


def test_study_list_pagination(sapi, emu, seven_studies):
    emu.requests_log.clear()
    query = sapi.Study.list().filter_by(mine()).sort_by(Sorter('patientid')).set_rows_in_page(3)
    everything = query.all()
    assert [study.patientid for study in everything] == ['PID-{:02d}'.format(n) for n in range(7)]
    pages = [(form['page.number'], form['page.rows']) for form in forms(emu, '/study/list')]
    assert pages == [('1', '3'), ('2', '3'), ('3', '3')]
    assert query.request_args.data.get('page.number') is None

    emu.requests_log.clear()
    part = everything[4:6]
    assert [study.patientid for study in part] == ['PID-04', 'PID-05']
    assert [form['page.number'] for form in forms(emu, '/study/list')] == ['2']
    assert everything[1:].first().patientid == 'PID-01'
    assert len(list(everything)) == 7  # the slices did not change it


def test_study_list_sorting(sapi, seven_studies):
    query = sapi.Study.list().filter_by(mine()).sort_by(Sorter('patient_name', SortingOrder.descending))
    names = [study.patient_name for study in query.all()]
    assert names == sorted(names, reverse=True) and len(names) == 7


def test_study_list_filters(sapi, seven_studies):
    query = sapi.Study.list().filter_by(Filter('patientid', FilterCondition.in_condition, ['PID-01', 'PID-03']))
    assert sorted(study.patientid for study in query.all()) == ['PID-01', 'PID-03']
    query = sapi.Study.list().filter_by(mine()).filter_by(Filter('patientid', FilterCondition.gt, 'PID-04'))
    assert sorted(study.patientid for study in query.all()) == ['PID-05', 'PID-06']


def test_study_list_aware_datetime_filter(sapi, emu, seven_studies):
    future = datetime.now(timezone(timedelta(hours=-3, minutes=-30))) + timedelta(days=1)
    past = future - timedelta(days=30)
    query = sapi.Study.list().filter_by(mine())
    query.filter_by(Filter('created', FilterCondition.lt, future)).filter_by(Filter('created', FilterCondition.gt, past))
    assert len(list(query.all())) == 7
    form = forms(emu, '/study/list')[-1]
    assert form['filter.tz'] == '-03:30'
    query = sapi.Study.list().filter_by(mine()).filter_by(Filter('created', FilterCondition.gt, future))
    assert list(query.all()) == []


def test_study_list_only_fields(sapi, seven_studies):
    study = sapi.Study.list().filter_by(mine()).only({'study': ['uuid', 'patientid']}).first()
    assert set(study.keys()) == {'uuid', 'patientid'}
    page = sapi.Study.list().filter_by(mine()).set_rows_in_page(2).get()
    assert {'page', 'studies'} <= set(page)
    assert len(page.studies) <= 100


def test_study_list_rows_are_study_boxes(sapi, seven_studies):
    from ambra_sdk.service.entrypoints.study import StudyBox

    rows = list(sapi.Study.list().filter_by(mine()).all()[:2])
    assert all(isinstance(row, StudyBox) for row in rows)


def test_invalid_filter_and_sort_fields(sapi):
    from ambra_sdk.exceptions.service import InvalidField, InvalidSortField

    with pytest.raises(ValueError, match="'no_such_field' does not exist in the objects of /study/list"):
        sapi.Study.list().filter_by(Filter('no_such_field', FilterCondition.equals, 'x'))
    with pytest.raises(InvalidField) as info:
        sapi.Study.list().filter_by(Filter('no_such_field', FilterCondition.equals, 'x'), validate=False).first()
    assert info.value.error_type == 'INVALID_FIELD'
    with pytest.raises(InvalidSortField):
        sapi.Study.list().sort_by(Sorter('no_such_field')).first()


def test_hand_built_query(sapi, emu):
    from ambra_sdk.service.query import QueryOPSF

    query = QueryOPSF(api=sapi, url='/account/list', request_data={}, errors_mapping={},
                      paginated_field='accounts', required_sid=True)
    assert query.only({'account': ['uuid']}).first().uuid == emu.account_id


def test_request_args_data_can_be_extended(sapi, emu):
    query = sapi.User.get()
    query.request_args.data['account_id'] = emu.account_id
    assert query.get().email == emu.username
    assert forms(emu, '/user/get')[-1]['account_id'] == emu.account_id


def test_list_values_are_sent_as_json(sapi, emu, seven_studies):
    query = sapi.Study.list().filter_by(Filter('patientid', FilterCondition.in_condition, ['PID-00']))
    assert [study.patientid for study in query.all()] == ['PID-00']
    assert json.loads(forms(emu, '/study/list')[-1]['filter.patientid.in']) == ['PID-00']
