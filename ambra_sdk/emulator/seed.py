"""Seed data: the ready-made admin (a sysadmin), its account, namespaces and default roles.

The ids are fixed so that tests and docs can refer to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from .accounts import add_default_roles, hash_password

if TYPE_CHECKING:  # pragma: no cover
    from .context import EmulatorConfig
    from .state import State

__all__ = [
    'ADMIN_UUID', 'ACCOUNT_UUID', 'NAMESPACE_UUID', 'USER_NAMESPACE_UUID', 'ROLE_UUID', 'USER_ROLE_UUID', 'seed_base',
    'seed_demo', 'seed_studies',
]

ADMIN_UUID = '00000000-0000-4000-8000-00000000a001'
ACCOUNT_UUID = '00000000-0000-4000-8000-00000000acc1'
NAMESPACE_UUID = '00000000-0000-4000-8000-0000000000f1'
USER_NAMESPACE_UUID = '00000000-0000-4000-8000-0000000000f2'
ROLE_UUID = '00000000-0000-4000-8000-00000000201e'
#: The seeded account's ``User`` role.
USER_ROLE_UUID = '00000000-0000-4000-8000-00000000201f'


def seed_base(state: State, config: EmulatorConfig) -> None:
    """Create the admin user, its account (with namespace) and an admin role."""
    state.add_object(
        'namespace',
        {'name': 'Emulator Account', 'account_id': ACCOUNT_UUID, 'type': 'account',
         'engine_fqdn': config.engine_fqdn},
        uuid=NAMESPACE_UUID,
    )
    state.add_object(
        'namespace',
        {'name': 'Emulator Admin', 'account_id': None, 'type': 'user',
         'engine_fqdn': config.engine_fqdn},
        uuid=USER_NAMESPACE_UUID,
    )
    state.add_object(
        'account',
        {'name': 'Emulator Account', 'namespace_id': NAMESPACE_UUID, 'vanity': 'emulator',
         'settings': {}},
        uuid=ACCOUNT_UUID,
    )
    add_default_roles(state, ACCOUNT_UUID, admin_uuid=ROLE_UUID, user_uuid=USER_ROLE_UUID)
    admin = {
        'name': 'Emulator Admin',
        'first': 'Emulator',
        'last': 'Admin',
        'email': config.username,
        'namespace_id': USER_NAMESPACE_UUID,
        'sysadmin': 1,
        'mobile_phone': None,
        'settings': {},
    }
    admin.update(hash_password(config.password))
    state.add_object('user', admin, uuid=ADMIN_UUID)
    state.add_object(
        'account_user',
        {'account_id': ACCOUNT_UUID, 'user_id': ADMIN_UUID, 'role_id': ROLE_UUID},
    )


def seed_studies(
    state: State, config: EmulatorConfig, count: int, namespace_id: Optional[str] = None,
) -> int:
    """Add ``count`` synthetic studies to a namespace (default: the seeded account's) in one transaction.

    See :meth:`State.add_studies_bulk`; the studies belong to the namespace's
    account, as ``/study/add`` would file them.

    :raises ValueError: the namespace does not exist or ``count`` is negative.
    """
    namespace_id = namespace_id or NAMESPACE_UUID
    namespace = state.get_object('namespace', namespace_id)
    if namespace is None:
        raise ValueError(f'unknown namespace {namespace_id!r}')
    if int(count) < 0:
        raise ValueError('count must be >= 0')
    return state.add_studies_bulk(
        int(count), namespace_id, engine_fqdn=config.engine_fqdn,
        account_id=namespace.get('account_id'), namespace_id=namespace_id, customfields=[],
    )


def seed_demo(state: State, config: EmulatorConfig) -> None:
    """Add a few demo studies, a group and a location (``seed=True``)."""
    patients = [
        ('DOE^JANE', 'PID001', 'CT', '20200101', 'ACC001'),
        ('ROE^RICHARD', 'PID002', 'MR', '20200215', 'ACC002'),
        ('SMITH^ANNA', 'PID003', 'US', '20210310', 'ACC003'),
    ]
    for number, (name, pid, modality, date, accession) in enumerate(patients, start=1):
        state.add_study(
            storage_namespace=NAMESPACE_UUID,
            study_uid=f'1.2.826.0.1.3680043.8.498.{number}',
            phi_namespace=NAMESPACE_UUID,
            engine_fqdn=config.engine_fqdn,
            patient_name=name,
            patientid=pid,
            modality=modality,
            study_date=date,
            accession_number=accession,
            study_description=f'Demo study {number}',
            account_id=ACCOUNT_UUID,
            namespace_id=NAMESPACE_UUID,
            customfields=[],
        )
    group_ns = state.add_object('namespace', {'name': 'Demo Group', 'account_id': ACCOUNT_UUID, 'type': 'group',
                                              'engine_fqdn': config.engine_fqdn})
    state.add_object('group', {'name': 'Demo Group', 'account_id': ACCOUNT_UUID,
                               'namespace_id': group_ns['uuid']})
    loc_ns = state.add_object('namespace', {'name': 'Demo Location', 'account_id': ACCOUNT_UUID,
                                            'type': 'location', 'engine_fqdn': config.engine_fqdn})
    state.add_object('location', {'name': 'Demo Location', 'account_id': ACCOUNT_UUID,
                                  'namespace_id': loc_ns['uuid']})
