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
    'seed_demo', 'seed_admin_studies', 'seed_studies', 'DEMO_STUDIES', 'ADMIN_DEMO_STUDIES', 'DEMO_IMAGES',
    'demo_study_uid',
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


#: The demo studies of ``seed=True`` in the seeded account's namespace:
#: (patient name, patient id, modality, study date, accession number).
DEMO_STUDIES = (
    ('DOE^JANE', 'PID001', 'CT', '20200101', 'ACC001'),
    ('ROE^RICHARD', 'PID002', 'MR', '20200215', 'ACC002'),
    ('SMITH^ANNA', 'PID003', 'US', '20210310', 'ACC003'),
)
#: The demo studies of ``seed=True`` in the seeded admin's own namespace (``/session/user``'s
#: ``namespace_id``, the one the README's example filters on); numbered after :data:`DEMO_STUDIES`.
ADMIN_DEMO_STUDIES = (
    ('LEE^MIN', 'PID004', 'CT', '20210704', 'ACC004'),
    ('GARCIA^LUIS', 'PID005', 'CR', '20211111', 'ACC005'),
)
#: Images stored for each demo study.
DEMO_IMAGES = 2


def demo_study_uid(number: int) -> str:
    """StudyInstanceUID of demo study ``number`` (1-based, :data:`DEMO_STUDIES` then :data:`ADMIN_DEMO_STUDIES`)."""
    return f'1.2.826.0.1.3680043.8.498.{number}'


def _demo_study(
    state: State, config: EmulatorConfig, number: int, namespace: str, account_id: Optional[str],
    row: tuple[str, str, str, str, str],
) -> None:
    """One demo study: its service row, then :data:`DEMO_IMAGES` real images in storage."""
    from .storage.demo_images import store_demo_images

    name, pid, modality, date, accession = row
    fields = {
        'patient_name': name,
        'patientid': pid,
        'modality': modality,
        'study_date': date,
        'accession_number': accession,
        'study_description': f'Demo study {number}',
    }
    state.add_study(
        storage_namespace=namespace,
        study_uid=demo_study_uid(number),
        phi_namespace=namespace,
        engine_fqdn=config.engine_fqdn,
        account_id=account_id,
        namespace_id=namespace,
        customfields=[],
        **fields,
    )
    store_demo_images(state, namespace, demo_study_uid(number), config.engine_fqdn, fields, DEMO_IMAGES)


def seed_admin_studies(state: State, config: EmulatorConfig) -> None:
    """Add :data:`ADMIN_DEMO_STUDIES` (with real images) to the seeded admin's own namespace."""
    for number, row in enumerate(ADMIN_DEMO_STUDIES, start=len(DEMO_STUDIES) + 1):
        _demo_study(state, config, number, USER_NAMESPACE_UUID, None, row)


def seed_demo(state: State, config: EmulatorConfig) -> None:
    """Add :data:`DEMO_STUDIES` (with real images in storage), a group and a location."""
    for number, row in enumerate(DEMO_STUDIES, start=1):
        _demo_study(state, config, number, NAMESPACE_UUID, ACCOUNT_UUID, row)
    group_ns = state.add_object('namespace', {'name': 'Demo Group', 'account_id': ACCOUNT_UUID, 'type': 'group',
                                              'engine_fqdn': config.engine_fqdn})
    state.add_object('group', {'name': 'Demo Group', 'account_id': ACCOUNT_UUID,
                               'namespace_id': group_ns['uuid']})
    loc_ns = state.add_object('namespace', {'name': 'Demo Location', 'account_id': ACCOUNT_UUID,
                                            'type': 'location', 'engine_fqdn': config.engine_fqdn})
    state.add_object('location', {'name': 'Demo Location', 'account_id': ACCOUNT_UUID,
                                  'namespace_id': loc_ns['uuid']})
