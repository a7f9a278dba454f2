"""``/radreport/*``: reports of a study and their reading locks (``lock``/``unlock``: LBL0022 v55.0).

As the v55 document says, locks exist only when the study's account has the setting
``enable_radreport_lock_reading``; without it ``lock``/``unlock`` answer ``NOT_PERMITTED`` and
``add``/``set``/``delete`` never answer ``LOCKED``. With it:

* ``add`` locks the new report for the caller's sid (``do_unlock=1`` drops the lock after
  saving); ``add``/``set`` answer ``LOCKED`` while another sid holds a lock on a report of
  the study; ``delete`` while another *user* does;
* ``lock`` locks or prolongs (one hour); another sid's live lock, even of the same user,
  answers ``LOCKED``; ``unlock`` by the lock's user (any sid) unlocks, by another user
  answers ``LOCKED``, of an unlocked report ``ALREADY``.

``LOCKED`` carries ``error_subtype`` ``RADREPORT_LOCKED`` and ``error_data``
``{"locked_radreport_id": ..., "locked_user_id": ...}``.
"""

from __future__ import annotations

import time
from typing import Any, Optional

from ..context import RequestContext
from ..errors import ServiceError, invalid_json, not_found, not_permitted
from ..listing import select_fields
from ..registry import service_route
from .common import get_or_404

__all__: list[str] = []

SETTING = 'enable_radreport_lock_reading'
LOCK_SECONDS = 3600
#: Lock bookkeeping kept on the row, not shown by ``/radreport/get``.
_HIDDEN = frozenset({'locked_sid', 'locked_until', 'namespace_id'})


def _locks_enabled(ctx: RequestContext, study: dict[str, Any]) -> bool:
    account = ctx.state.get_object('account', str(study.get('account_id'))) or {}
    return str((account.get('settings') or {}).get(SETTING, '0')).lower() in ('1', 'true')


def _live_lock(report: dict[str, Any]) -> bool:
    return bool(report.get('locked_sid')) and float(report.get('locked_until') or 0) > time.time()


def _locked(report: dict[str, Any]) -> ServiceError:
    data = {'locked_radreport_id': report['uuid'], 'locked_user_id': report.get('locked_user_id')}
    return ServiceError('LOCKED', 'RADREPORT_LOCKED', data)


def _lock_of_others(ctx: RequestContext, study_id: str, by_user: bool = False) -> Optional[dict[str, Any]]:
    """A live lock on a report of the study held by another sid (``by_user``: another user)."""
    user = ctx.require_user()
    for report in ctx.state.list_objects('radreport', study_id=study_id):
        if not _live_lock(report):
            continue
        other = report.get('locked_user_id') != user['uuid'] if by_user else report.get('locked_sid') != ctx.sid
        if other:
            return report
    return None


def _lock_fields(ctx: RequestContext) -> dict[str, Any]:
    return {
        'locked_sid': ctx.sid,
        'locked_user_id': ctx.require_user()['uuid'],
        'locked_until': time.time() + LOCK_SECONDS,
    }


_UNLOCKED = {'locked_sid': None, 'locked_user_id': None, 'locked_until': None}


def _json_hash(ctx: RequestContext, name: str) -> Any:
    value = ctx.json_param(name)
    if ctx.has(name) and not isinstance(value, dict):
        raise invalid_json(name)
    return value


def _study_of(ctx: RequestContext, report: dict[str, Any]) -> dict[str, Any]:
    study = ctx.state.get_study(str(report.get('study_id')))
    if study is None:
        raise not_found()
    return study


@service_route('/radreport/add')
def radreport_add(ctx: RequestContext) -> dict[str, Any]:
    """Add a report to a study."""
    user = ctx.require_user()
    params = ctx.require('study_id', 'type')
    study = ctx.state.get_study(params['study_id'])
    if study is None:
        raise not_found()
    fields = _json_hash(ctx, 'fields')
    locks = _locks_enabled(ctx, study)
    if locks:
        held = _lock_of_others(ctx, study['uuid'])
        if held is not None:
            raise _locked(held)
    row = {
        'study_id': study['uuid'], 'type': params['type'], 'fields': fields or {}, 'attachment': None,
        'user_id': user['uuid'], 'namespace_id': study.get('phi_namespace'), **_UNLOCKED,
    }
    if locks and not ctx.flag('do_unlock'):
        row.update(_lock_fields(ctx))
    report = ctx.state.add_object('radreport', row)
    return {'uuid': report['uuid']}


@service_route('/radreport/get')
def radreport_get(ctx: RequestContext) -> dict[str, Any]:
    """One report (``locked_user_id`` only while the lock is live)."""
    report = get_or_404(ctx, 'radreport')
    view = {k: v for k, v in report.items() if k not in _HIDDEN}
    view['locked_user_id'] = report.get('locked_user_id') if _live_lock(report) else None
    return select_fields(ctx, 'radreport', view)


@service_route('/radreport/set')
def radreport_set(ctx: RequestContext) -> dict[str, Any]:
    """Change a report's fields or attachment."""
    report = get_or_404(ctx, 'radreport')
    study = _study_of(ctx, report)
    changes: dict[str, Any] = {}
    for name in ('fields', 'attachment'):
        if ctx.has(name):
            changes[name] = _json_hash(ctx, name)
    if _locks_enabled(ctx, study):
        held = _lock_of_others(ctx, study['uuid'])
        if held is not None:
            raise _locked(held)
        if ctx.flag('do_unlock'):
            changes.update(_UNLOCKED)
    ctx.state.update_object('radreport', report['uuid'], changes)
    return {}


@service_route('/radreport/delete')
def radreport_delete(ctx: RequestContext) -> dict[str, Any]:
    """Delete a report (``LOCKED`` while another user holds a lock on the study's reports)."""
    report = get_or_404(ctx, 'radreport')
    study = _study_of(ctx, report)
    if _locks_enabled(ctx, study):
        held = _lock_of_others(ctx, study['uuid'], by_user=True)
        if held is not None:
            raise _locked(held)
    ctx.state.delete_object('radreport', report['uuid'])
    return {}


@service_route('/radreport/lock')
def radreport_lock(ctx: RequestContext) -> dict[str, Any]:
    """Lock a report for the caller's sid, or prolong the caller's lock."""
    report = get_or_404(ctx, 'radreport')
    if not _locks_enabled(ctx, _study_of(ctx, report)):
        raise not_permitted()
    if _live_lock(report) and report.get('locked_sid') != ctx.sid:
        raise _locked(report)
    ctx.state.update_object('radreport', report['uuid'], _lock_fields(ctx))
    return {}


@service_route('/radreport/unlock')
def radreport_unlock(ctx: RequestContext) -> dict[str, Any]:
    """Unlock a report locked by the caller's user (any of their sids)."""
    report = get_or_404(ctx, 'radreport')
    if not _locks_enabled(ctx, _study_of(ctx, report)):
        raise not_permitted()
    if not _live_lock(report):
        raise ServiceError('ALREADY')
    if report.get('locked_user_id') != ctx.require_user()['uuid']:
        raise _locked(report)
    ctx.state.update_object('radreport', report['uuid'], dict(_UNLOCKED))
    return {}
