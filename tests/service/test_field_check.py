"""Filter fields are checked against the data dictionary before anything is sent."""

import pytest

from ambra_sdk.api import Api
from ambra_sdk.models import Study
from ambra_sdk.service.field_check import known_fields
from ambra_sdk.service.filtering import Filter, FilterCondition


@pytest.fixture
def api():
    return Api.with_sid('http://127.0.0.1:9/api/v3', 'sid-offline')


def test_unknown_field_is_rejected_with_the_known_ones(api):
    with pytest.raises(ValueError) as info:
        api.Study.list().filter_by(Filter('patient_nmae', FilterCondition.equals, 'x'))
    message = str(info.value)
    assert "'patient_nmae'" in message and '/study/list' in message and 'patient_name' in message


def test_known_fields_pass(api):
    for field in ('patient_name', 'phi_namespace', 'study_uid', 'created', 'uuid', 'modality'):
        api.Study.list().filter_by(Filter(field, FilterCondition.equals, 'x'))
    api.Study.list().filter_by(Study.patient_name == 'x')
    api.Account.user_list(uuid='u').filter_by(Filter('email', FilterCondition.like, '%x%'))


def test_dotted_customfield_and_unknown_objects_are_not_checked(api):
    api.Study.list().filter_by(Filter('customfield-1234', FilterCondition.equals, 'x'))
    api.Study.list().filter_by(Filter('study.patient_name', FilterCondition.equals, 'x'))
    assert known_fields('/thing/list', 'things') is None


def test_validate_false_sends_anything(api):
    query = api.Study.list().filter_by(Filter('anything', FilterCondition.equals, 'x'), validate=False)
    assert query.request_args.data['filter.anything.equals'] == 'x'


def test_field_name_must_be_text(api):
    with pytest.raises(ValueError, match='field_name'):
        api.Study.list().filter_by(Filter('', FilterCondition.equals, 'x'))
