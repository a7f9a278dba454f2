"""``/patient/add``, ``get``, ``set``, ``delete`` and ``merge`` (``merge``: LBL0022 v55.0).

A patient belongs to an account and holds a list of study uuids (``study_id`` on ``add``
fills the base fields from the study, explicit values win). ``/patient/merge`` merges the
patient ``src`` into ``uuid``: both in one account (else ``MULTIPLE_ACCOUNTS``), with the
same name and birth date (else ``PATIENT_NAME_DOB_MISMATCH``); the target takes the
given fields and settings and the source's studies; ``do_delete`` deletes the source;
``do_update_patient_studies`` (forced by the account setting ``auto_update_patient_studies``)
writes the target's name, MRN, birth date and sex into its studies.
"""

from __future__ import annotations

from typing import Any

from ..context import RequestContext
from ..errors import ServiceError, not_found
from ..registry import service_route
from .common import get_or_404, require_account, settable_fields
from .object_routes import register_object_routes

__all__: list[str] = []

#: Patient field -> study field (``study_id`` on add, ``do_update_patient_studies`` on merge).
STUDY_FIELDS = {'name': 'patient_name', 'mrn': 'patientid', 'birth_date': 'patient_birth_date', 'sex': 'patient_sex'}
_MERGE_PARAMS = ('src', 'do_delete', 'do_update_patient_studies')


@service_route('/patient/add')
def patient_add(ctx: RequestContext) -> dict[str, Any]:
    """Add a patient to an account."""
    ctx.require_user()
    account = require_account(ctx)
    fields = settable_fields(ctx, exclude=('account_id', 'study_id'))
    studies = []
    if ctx.has('study_id'):
        study = ctx.state.get_study(str(ctx.param('study_id')))
        if study is None:
            raise not_found('study_id')
        studies.append(study['uuid'])
        fields = {**{p: study.get(s) for p, s in STUDY_FIELDS.items()}, **fields}
    mrn = fields.get('mrn')
    if mrn and ctx.state.find_object('patient', account_id=account['uuid'], mrn=mrn):
        raise ServiceError('ALREADY_EXISTS')
    fields.setdefault('event_new_report', 1)
    patient = ctx.state.add_object('patient', {**fields, 'account_id': account['uuid'], 'studies': studies})
    return {'uuid': patient['uuid']}


def _patient_changes(ctx: RequestContext) -> dict[str, Any]:
    """What ``/patient/set`` changes (never the account); ``/patient/delete`` leaves the patient's studies."""
    return settable_fields(ctx, exclude=('account_id',))


register_object_routes('/patient', 'patient', get=True, changes=_patient_changes, delete=True)


def _same_person(one: dict[str, Any], other: dict[str, Any]) -> bool:
    def key(patient: dict[str, Any]) -> tuple[str, str]:
        return (' '.join(str(patient.get('name') or '').lower().split()), str(patient.get('birth_date') or ''))

    return key(one) == key(other)


@service_route('/patient/merge')
def patient_merge(ctx: RequestContext) -> dict[str, Any]:
    """Merge the patient ``src`` into the patient ``uuid``."""
    target = get_or_404(ctx, 'patient')
    source = get_or_404(ctx, 'patient', param='src')
    if source.get('account_id') != target.get('account_id'):
        raise ServiceError('MULTIPLE_ACCOUNTS')
    if not _same_person(source, target):
        raise ServiceError('PATIENT_NAME_DOB_MISMATCH')
    changes = settable_fields(ctx, exclude=_MERGE_PARAMS)
    studies = list(dict.fromkeys([*(target.get('studies') or []), *(source.get('studies') or [])]))
    changes['studies'] = studies
    if changes.get('settings') is not None:
        changes['settings'] = {**(target.get('settings') or {}), **changes['settings']}
    ctx.state.update_object('patient', target['uuid'], changes)
    if ctx.flag('do_delete'):
        ctx.state.delete_object('patient', source['uuid'])
    account = ctx.state.get_object('account', str(target.get('account_id'))) or {}
    forced = str((account.get('settings') or {}).get('auto_update_patient_studies', '0')) in ('1', 'true')
    if forced or ctx.flag('do_update_patient_studies'):
        values = {s: target.get(p) for p, s in STUDY_FIELDS.items() if target.get(p) is not None}
        for study_uuid in studies if values else []:
            with ctx.state.transaction():
                study = ctx.state.get_study(str(study_uuid))
                if study is not None:
                    ctx.state.merge_study(study, values)
    return {}
