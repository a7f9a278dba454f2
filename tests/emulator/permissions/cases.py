"""The permission matrix: one case per (namespace, verb), the flags it needs and how to set it up.

Each ``prepare`` runs as the sysadmin on a fresh state and returns the call's
parameters; values listed in ``secret`` must never appear in a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .world import World

Params = dict[str, Any]


@dataclass(frozen=True)
class Case:
    """One verb of one namespace.

    :ivar url: a service URL, or ``METHOD /storage/path/{key}`` for storage (keys from ``prepare``).
    :ivar flags: the flags a member needs (empty: membership alone).
    :ivar prepare: makes the object as the sysadmin; returns the parameters (and path keys).
    :ivar secret: keys of the parameters whose values a refusal must not show.
    """

    name: str
    url: str
    flags: tuple[str, ...]
    prepare: Callable[[World], Params] = field(default=lambda w: {})
    secret: tuple[str, ...] = ()

    @property
    def storage(self) -> bool:
        """True for a storage call."""
        return ' ' in self.url


def _study(w: World) -> str:
    data = {'storage_namespace': w.namespace, 'phi_namespace': w.namespace, 'study_uid': '1.2.3.4',
            'patient_name': 'SECRET^PATIENT'}
    return str(w.ok('/study/add', data)['uuid'])


def _group(w: World, kind: str = 'group') -> Params:
    return w.ok(f'/{kind}/add', {'account_id': w.account, 'name': f'Secret {kind}'})


def _target_user(w: World) -> str:
    return str(w.emulator.add_user('target@example.com', 'Target-Pass-12')['uuid'])


def _stranger(w: World) -> str:
    other = w.ok('/account/add', {'name': 'Stranger account'})['uuid']
    return str(w.emulator.add_user('stranger@example.com', 'Strange-Pass-12', account_id=other)['uuid'])


def _uploaded(w: World) -> Params:
    up = w.upload()
    return {'namespace': w.namespace, 'study_uid': up['study_uid'], 'image_uid': up['image_uid']}


def _link(w: World) -> Params:
    study = _study(w)
    return {'uuid': w.ok('/link/add', {'study_id': study, 'action': 'STUDY_VIEW'})['uuid']}


def _customcode(w: World) -> Params:
    data = {'account_id': w.account, 'name': 'Secret code', 'language': 'PYTHON', 'type': 'AI_CUSTOM_VALIDATION_CODE',
            'code': 'print(1)'}
    return {'uuid': w.ok('/customcode/add', data)['uuid']}


def _job(w: World) -> Params:
    up = w.upload()
    response = w.storage_call('GET', f'/study/{w.namespace}/{up["study_uid"]}/schema',
                              headers={'X-AmbraHealth-Job-Id': 'job-secret-1'})
    assert response.status_code == 200, response.text
    return {'id': 'job-secret-1'}


def _subaccount_cases(kind: str) -> list[Case]:
    edit, view = f'{kind}_edit', f'{kind}_view'
    return [
        Case(f'{kind}/add', f'/{kind}/add', (edit,), lambda w: {'account_id': w.account, 'name': 'New'}),
        Case(f'{kind}/get', f'/{kind}/get', (view,), lambda w: {'uuid': _group(w, kind)['uuid']}, ('uuid',)),
        Case(f'{kind}/set', f'/{kind}/set', (edit,), lambda w: {'uuid': _group(w, kind)['uuid'], 'name': 'Renamed'}),
        Case(f'{kind}/delete', f'/{kind}/delete', (edit,), lambda w: {'uuid': _group(w, kind)['uuid']}),
        Case(f'{kind}/list', f'/{kind}/list', (view,), lambda w: {'account_id': w.account}),
        Case(f'{kind}/user/add', f'/{kind}/user/add', (edit,),
             lambda w: {'uuid': _group(w, kind)['uuid'], 'user_id': _target_user(w)}),
        Case(f'{kind}/user/list', f'/{kind}/user/list', (view,), lambda w: {'uuid': _group(w, kind)['uuid']}),
    ]


def _role(w: World) -> str:
    return w.role({'study_view': 1}, name='Secret role')


CASES: list[Case] = [
    # account
    Case('account/get', '/account/get', (), lambda w: {'uuid': w.account}),
    Case('account/set', '/account/set', ('account_edit',), lambda w: {'uuid': w.account, 'vanity': 'v'}),
    Case('account/delete', '/account/delete', ('account_edit',), lambda w: {'uuid': w.account}),
    Case('account/user/list', '/account/user/list', ('account_user_view',), lambda w: {'uuid': w.account}),
    Case('account/user/add', '/account/user/add', ('account_user_edit',),
         lambda w: {'uuid': w.account, 'user_id': _stranger(w)}),
    Case('account/user/delete', '/account/user/delete', ('account_user_edit',),
         lambda w: {'uuid': w.account, 'user_id': _target_user(w)}),
    # user
    Case('user/add', '/user/add', ('user_edit',),
         lambda w: {'account_id': w.account, 'email': 'new@example.com', 'first': 'N', 'last': 'U',
                    'mobile_phone': '1', 'password': 'New-Pass-123'}),
    Case('user/get', '/user/get', ('account_user_view',), lambda w: {'uuid': _target_user(w)}, ('uuid',)),
    Case('user/set', '/user/set', ('user_edit',), lambda w: {'uuid': _target_user(w), 'first': 'Changed'}),
    Case('user/set password', '/user/set', ('user_edit',),
         lambda w: {'uuid': _target_user(w), 'password': 'Hijack-Pass-99'}),
    Case('user/set email', '/user/set', ('user_edit', 'user_modify_others_email'),
         lambda w: {'uuid': _target_user(w), 'email': 'hijack@example.com'}),
    Case('user/enable', '/user/enable', ('user_edit',), lambda w: {'uuid': _target_user(w), 'disable': '1'}),
    # group, location
    *_subaccount_cases('group'),
    *_subaccount_cases('location'),
    # role
    Case('role/add', '/role/add', ('role_edit',), lambda w: {'account_id': w.account, 'name': 'New role'}),
    Case('role/get', '/role/get', ('role_view',), lambda w: {'uuid': _role(w)}, ('uuid',)),
    Case('role/set', '/role/set', ('role_edit',), lambda w: {'uuid': _role(w), 'permissions': '{"study_edit": 1}'}),
    Case('role/delete', '/role/delete', ('role_edit',), lambda w: {'uuid': _role(w)}),
    Case('role/list', '/role/list', ('role_view',), lambda w: {'account_id': w.account}),
    # study
    Case('study/add', '/study/add', ('study_upload',),
         lambda w: {'storage_namespace': w.namespace, 'phi_namespace': w.namespace, 'study_uid': '9.9'}),
    Case('study/get', '/study/get', ('study_view',), lambda w: {'uuid': _study(w)}, ('uuid',)),
    Case('study/set', '/study/set', ('study_edit',), lambda w: {'uuid': _study(w), 'patient_name': 'X^Y'}),
    Case('study/delete', '/study/delete', ('study_delete',), lambda w: {'uuid': _study(w)}),
    Case('study/star', '/study/star', ('study_star',), lambda w: {'uuid': _study(w), 'star': '1'}),
    Case('study/freeze', '/study/freeze', ('study_freeze',), lambda w: {'uuid': _study(w), 'thaw': '0'}),
    Case('study/duplicate', '/study/duplicate', ('study_duplicate', 'study_upload'),
         lambda w: {'uuid': _study(w), 'namespace_id': _group(w)['namespace_id']}),
    # storage study / image
    Case('storage study schema', 'GET /study/{namespace}/{study_uid}/schema', ('study_view',), _uploaded),
    Case('storage study phi', 'GET /study/{namespace}/{study_uid}/phi', ('study_view',), _uploaded),
    Case('storage study download', 'GET /study/{namespace}/{study_uid}/download?bundle=dicom', ('study_download',),
         _uploaded),
    Case('storage study delete', 'DELETE /study/{namespace}/{study_uid}', ('study_delete',), _uploaded),
    Case('storage image upload', 'POST /namespace/{namespace}/image', ('study_upload',),
         lambda w: {'namespace': w.namespace, 'upload': 'MR_small.dcm'}),
    Case('storage image json', 'GET /study/{namespace}/{study_uid}/image/{image_uid}/version/*/json',
         ('study_view',), _uploaded),
    Case('storage image delete', 'DELETE /study/{namespace}/{study_uid}/image/{image_uid}',
         ('study_delete_image',), _uploaded),
    # customcode
    Case('customcode/add', '/customcode/add', ('customcode_edit',),
         lambda w: {'account_id': w.account, 'name': 'C', 'language': 'PYTHON', 'type': 'AI_CUSTOM_VALIDATION_CODE', 'code': 'x'}),
    Case('customcode/get', '/customcode/get', ('customcode_view',), _customcode, ('uuid',)),
    Case('customcode/set', '/customcode/set', ('customcode_edit',), lambda w: {**_customcode(w), 'name': 'D'}),
    Case('customcode/delete', '/customcode/delete', ('customcode_edit',), _customcode),
    Case('customcode/list', '/customcode/list', ('customcode_view',), lambda w: {'account_id': w.account}),
    # link
    Case('link/add', '/link/add', ('link_edit',), lambda w: {'study_id': _study(w), 'action': 'STUDY_VIEW'}),
    Case('link/get', '/link/get', ('link_view',), _link, ('uuid',)),
    Case('link/delete', '/link/delete', ('link_edit',), _link),
    Case('link/list', '/link/list', ('link_view',), lambda w: {'study_id': _study(w)}),
    # job
    Case('job/get', '/job/get', ('study_view',), _job, ('id',)),
]
