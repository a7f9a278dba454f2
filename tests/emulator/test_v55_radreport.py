"""Radreport reading locks (LBL0022 v55.0 ``/radreport/lock``, ``unlock``, ``LOCKED``) over loopback."""

from __future__ import annotations

import json

import pytest

from ambra_sdk.api import Api
from ambra_sdk.emulator.seed import ACCOUNT_UUID
from ambra_sdk.exceptions.service import Already, Locked, NotPermitted


@pytest.fixture
def study(api, emulator):
    ns = emulator.namespace_id
    return api.Study.add(storage_namespace=ns, phi_namespace=ns, study_uid='1.2.3.4').get().uuid


def _enable_locks(api: Api) -> None:
    api.Account.set(uuid=ACCOUNT_UUID, setting_param={'enable_radreport_lock_reading': '1'}).get()


def test_without_the_account_setting_there_are_no_locks(api, study):
    report = api.Radreport.add(study_id=study, type='DIAGNOSTIC', fields=json.dumps({'a': 1})).get().uuid
    assert api.Radreport.get(uuid=report).get().fields == {'a': 1}
    with pytest.raises(NotPermitted):
        api.Radreport.lock(uuid=report).get()
    with pytest.raises(NotPermitted):
        api.Radreport.unlock(uuid=report).get()
    api.Radreport.delete(uuid=report).get()


def test_locks_between_sids_and_users(api, emulator, study):
    _enable_locks(api)
    report = api.Radreport.add(study_id=study, type='DIAGNOSTIC', do_unlock=1).get().uuid
    assert api.Radreport.get(uuid=report).get().locked_user_id is None
    api.Radreport.lock(uuid=report).get()
    api.Radreport.lock(uuid=report).get()  # prolongs
    admin_uuid = api.Radreport.get(uuid=report).get().user_id
    assert api.Radreport.get(uuid=report).get().locked_user_id == admin_uuid

    same_user = emulator.api()  # the same user, another sid
    other = emulator.add_user('reader@example.com', 'Reader-123', sysadmin=True)
    other_user = Api.with_creds(emulator.url, 'reader@example.com', 'Reader-123')
    try:
        with pytest.raises(Locked) as caught:
            same_user.Radreport.lock(uuid=report).get()
        assert caught.value.error_subtype == 'RADREPORT_LOCKED'
        assert caught.value.error_data == {'locked_radreport_id': report, 'locked_user_id': admin_uuid}
        with pytest.raises(Locked):
            same_user.Radreport.set(uuid=report, fields='{}').get()
        with pytest.raises(Locked):
            other_user.Radreport.unlock(uuid=report).get()
        with pytest.raises(Locked):
            other_user.Radreport.delete(uuid=report).get()
        with pytest.raises(Locked):
            other_user.Radreport.add(study_id=study, type='X').get()
        same_user.Radreport.unlock(uuid=report).get()  # the lock's user, any sid
        with pytest.raises(Already):
            api.Radreport.unlock(uuid=report).get()
        other_user.Radreport.lock(uuid=report).get()
        assert api.Radreport.get(uuid=report).get().locked_user_id == other['uuid']
        other_user.Radreport.set(uuid=report, fields='{"b": 2}', do_unlock=1).get()
        assert api.Radreport.get(uuid=report).get().locked_user_id is None
        api.Radreport.delete(uuid=report).get()
    finally:
        same_user.logout()
        other_user.logout()
