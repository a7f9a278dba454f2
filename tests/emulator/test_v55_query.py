"""Queries of a trial site: ``Query.count`` and ``Query.seen`` (LBL0022 v55.0) over loopback."""

from __future__ import annotations

import json

import pytest

from ambra_sdk.api import Api
from ambra_sdk.emulator.seed import ACCOUNT_UUID
from ambra_sdk.exceptions.service import NotFound


def test_count_and_seen(api, emulator):
    group = api.Group.add(account_id=ACCOUNT_UUID, name='Site 1').get().uuid
    emulator.add_user('monitor@example.com', 'Monitor-123', sysadmin=True)
    me = api.Session.user().get().uuid
    assert api.Query.count().get() == {'count_assigned': 0, 'count_unassigned': 0, 'count_unread': 0}

    # the v47 name and the v55 name of the study both land on created_study_id
    assigned = api.Query.add(group_id=group, subject='S1', body='b', recipients=json.dumps([me]),
                             study_id='study-1').get().uuid
    api.Query.add(group_id=group, created_study_id='study-2').get()  # v55: subject optional, no recipient
    assert api.Query.get(uuid=assigned).get().created_study_id == 'study-1'
    assert api.Query.count().get().count_assigned == 1
    assert api.Query.count().get().count_unassigned == 1
    assert api.Query.count().get().count_unread == 2

    api.Query.seen(uuid=assigned).get()
    counts = api.Query.count().get()
    assert (counts.count_assigned, counts.count_unassigned, counts.count_unread) == (0, 1, 1)

    monitor = Api.with_creds(emulator.url, 'monitor@example.com', 'Monitor-123')
    try:
        # seen marks are per user: the monitor (a member of the account) has read nothing
        counts = monitor.Query.count().get()
        assert (counts.count_assigned, counts.count_unassigned, counts.count_unread) == (0, 1, 2)
        monitor.Query.seen(uuid=assigned, message_id=1).get()
        assert monitor.Query.count().get().count_unread == 1
    finally:
        monitor.logout()
    with pytest.raises(NotFound):
        api.Query.seen(uuid=assigned, message_id=7).get()
    with pytest.raises(NotFound):
        api.Query.seen(uuid='no-such-query').get()
