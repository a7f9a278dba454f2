"""The permission matrix (issue 15 point 5): every verb, four actors, only the last two succeed.

Actors: the Administrator of another account (``outsider``), a member of the
object's account whose role has every flag but the ones the call needs
(``member_without``), a member whose role has only those flags
(``member_with``) and the seeded sysadmin.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from ambra_sdk.emulator.permissions import requirement

from .cases import CASES, Case
from .world import ACTORS, World, assert_not_permitted, assert_permission_denied


def _call(world: World, case: Case, params: dict[str, Any], sid: str) -> requests.Response:
    if not case.storage:
        return world.post(case.url, params, sid)
    method, path = case.url.split(' ', 1)
    path = path.format(**params)
    if 'upload' in params:
        from tests.helpers.dicoms import pydicom_data_file

        with open(pydicom_data_file(params['upload']), 'rb') as body:
            return world.storage_call(method, path, sid, data=body)
    return world.storage_call(method, path, sid)


def _alternatives(case: Case) -> set[str]:
    """Every flag that would let a member make the call (the member without holds none of them)."""
    groups = () if case.storage else requirement(case.url) or ()
    return set(case.flags) | {flag for group in groups for flag in group}


def _runs(case: Case) -> list[Any]:
    return [
        pytest.param(case, actor, id=f'{case.name}-{actor}')
        for actor in ACTORS
        if case.flags or actor != 'member_without'  # membership-only calls have no flag to lack
    ]


@pytest.mark.parametrize(('case', 'actor'), [run for case in CASES for run in _runs(case)])
def test_permission_matrix(world: World, case: Case, actor: str) -> None:
    sid = world.actor(actor, case.flags, lacking=_alternatives(case))
    params = case.prepare(world)
    response = _call(world, case, params, sid)
    secrets = [str(params[key]) for key in case.secret]
    if actor in ('member_with', 'sysadmin'):
        assert response.status_code < 400, (response.status_code, response.text)
    elif case.storage:
        assert_permission_denied(response, *secrets)
    else:
        assert_not_permitted(response, *secrets)


def test_matrix_covers_every_main_namespace() -> None:
    names = {case.name.split('/')[0].split(' ')[0] for case in CASES}
    assert {'account', 'user', 'group', 'location', 'role', 'study', 'storage', 'customcode', 'link', 'job'} <= names
