"""``Patient.merge`` (LBL0022 v55.0) over loopback."""

from __future__ import annotations

import pytest

from ambra_sdk.emulator.seed import ACCOUNT_UUID
from ambra_sdk.exceptions.service import MultipleAccounts, NotFound, PatientNameDobMismatch


def _study(api, emulator, uid):
    ns = emulator.namespace_id
    return api.Study.add(storage_namespace=ns, phi_namespace=ns, study_uid=uid, patient_name='DOE^JANE').get().uuid


def test_merge_moves_studies_and_sets_fields(api, emulator):
    first = _study(api, emulator, '1.1')
    second = _study(api, emulator, '2.2')
    target = api.Patient.add(account_id=ACCOUNT_UUID, study_id=first, name='Doe^Jane', birth_date='19800101',
                             mrn='MRN-1').get().uuid
    source = api.Patient.add(account_id=ACCOUNT_UUID, study_id=second, name='doe^jane', birth_date='19800101',
                             mrn='MRN-2').get().uuid
    api.Patient.merge(src=source, uuid=target, email='jane@example.com', do_delete=1,
                      do_update_patient_studies=1).get()
    merged = api.Patient.get(uuid=target).get()
    assert merged.studies == [first, second] and merged.email == 'jane@example.com'
    with pytest.raises(NotFound):
        api.Patient.get(uuid=source).get()
    assert api.Study.get(uuid=second).get().patientid == 'MRN-1'


def test_merge_refuses_other_people_and_accounts(api, emulator):
    target = api.Patient.add(account_id=ACCOUNT_UUID, name='A', birth_date='19800101').get().uuid
    other_dob = api.Patient.add(account_id=ACCOUNT_UUID, name='A', birth_date='19900101').get().uuid
    with pytest.raises(PatientNameDobMismatch):
        api.Patient.merge(src=other_dob, uuid=target).get()
    # /account/add is the emulator's own (undocumented) call
    elsewhere = api.service_post('/account/add', required_sid=True, data={'name': 'Elsewhere'}).json()['uuid']
    other_account = api.Patient.add(account_id=elsewhere, name='A', birth_date='19800101').get().uuid
    with pytest.raises(MultipleAccounts):
        api.Patient.merge(src=other_account, uuid=target).get()
    with pytest.raises(NotFound):
        api.Patient.merge(src='no-such-patient', uuid=target).get()
