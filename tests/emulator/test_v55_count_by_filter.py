"""``Study.count_by_filter`` (LBL0022 v55.0) over saved filters, over loopback."""

from __future__ import annotations

import json

import pytest

from ambra_sdk.exceptions.service import InvalidField
from ambra_sdk.service.filtering import Filter, FilterCondition


def test_counts_per_saved_filter(api, emulator):
    ns = emulator.namespace_id
    for uid, modality in (('1.1', 'CT'), ('1.2', 'CT'), ('1.3', 'MR')):
        api.Study.add(storage_namespace=ns, phi_namespace=ns, study_uid=uid, modality=modality).get()
    ct = api.Filter.add(name='CT', type='study', configuration=json.dumps({'filter.modality.equals': 'CT'})).get().uuid
    mr = api.Filter.add(name='MR', type='study', configuration=json.dumps({'filter.modality.equals': 'MR'})).get().uuid
    either = api.Filter.add(name='CT or MR', type='study', configuration=json.dumps([ct, mr])).get().uuid

    assert api.Study.count_by_filter().get().count_by_filter == {ct: 2, mr: 1, either: 3}
    only = api.Study.count_by_filter(filter_uuids=json.dumps([mr])).get().count_by_filter
    assert only == {mr: 1}
    # the call's own filters apply first
    narrowed = api.Study.count_by_filter().filter_by(Filter('study_uid', FilterCondition.equals, '1.1')).get()
    assert narrowed.count_by_filter == {ct: 1, mr: 0, either: 1}
    bad = api.Filter.add(name='bad', type='study', configuration=json.dumps({'filter.no_such.equals': 1})).get().uuid
    with pytest.raises(InvalidField):
        api.Study.count_by_filter(filter_uuids=json.dumps([bad])).get()
