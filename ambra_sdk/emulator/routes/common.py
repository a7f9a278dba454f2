"""Helpers shared by the route modules (lookups, parameter coercion, members)."""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Optional

from ..context import RequestContext
from ..errors import ServiceError, documented_error, not_permitted

__all__ = [
    'get_or_404',
    'coerce',
    'settable_fields',
    'customfield_values',
    'object_customfields',
    'visible_account_ids',
    'require_account',
    'role_name',
]

#: Parameters never stored as object fields.
SKIP_PARAMS = frozenset({'sid', 'uuid', 'fields', 'fields._top'})

#: Parameters holding JSON.
JSON_PARAMS = frozenset(
    {
        'settings', 'permissions', 'options', 'ui_json', 'share_settings', 'parameters', 'filter',
        'other_dicom_tags', 'study_defaults', 'defaults', 'rules', 'allowed_login_brands', 'upload_match',
        'upload_study_customfields', 'pricing', 'customfields_pricing',
    }
)

#: Integer/flag parameters (besides ``event_*``, ``must_approve*``, ``for_*``).
INT_PARAMS = frozenset(
    {
        'no_share', 'required', 'dicom_only', 'wrapped_dicom_only', 'capture_on_share_code',
        'capture_on_destination_search', 'load_dicom_tag', 'dicom_tag_ignore_empty', 'load_from_sr',
        'field_flag', 'load_order', 'display_order', 'search_threshold', 'share_via_gateway',
        'session_expire', 'password_expire', 'can_request', 'thin', 'star', 'image_count',
        'attachment_count', 'max_hits', 'minutes_alive', 'include_priors', 'pin_auth', 'password_is_dob',
        'skip_email_prompt', 'share_on_view', 'use_share_code', 'prompt_for_anonymize',
        'acceptance_required', 'password_max_attempts', 'pin_required',
        'sysadmin', 'site_qualified', 'global', 'max_sessions', 'sso_only', 'password_reset', 'epic_user',
        'seconds_to_ingest', 'must_approve',
    }
)

_FLAG_PREFIXES = ('event_', 'must_approve', 'for_')
_DICOM_TAG = re.compile(r'^\(?[0-9A-Fa-f]{4},?[0-9A-Fa-f]{4}\)?$')


def get_or_404(ctx: RequestContext, kind: str, param: str = 'uuid', subtype: Optional[str] = None) -> dict[str, Any]:
    """Return the object named by a required parameter or raise ``NOT_FOUND``.

    A call whose document lists no ``NOT_FOUND`` answers ``NOT_PERMITTED``
    (the caller may not act on an object that is not there).
    """
    value = ctx.require(param)[param]
    obj = ctx.state.get_object(kind, value)
    if obj is None:
        raise documented_error(ctx.path, ('NOT_FOUND',), subtype) or not_permitted()
    return obj


def coerce(url: str, name: str, value: str) -> Any:
    """Convert a form value of a call to ``url`` to the stored type (int for flags, JSON for JSON fields).

    A malformed value answers ``INVALID_JSON``, ``INVALID_INTEGER`` or
    ``INVALID_FLAG`` where the call documents the token; elsewhere it is
    kept as sent.
    """
    if name in JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            error = documented_error(url, ('INVALID_JSON',), name)
    elif name in INT_PARAMS or name.startswith(_FLAG_PREFIXES):
        try:
            return int(value)
        except ValueError:
            error = documented_error(url, ('INVALID_INTEGER' if name in INT_PARAMS else 'INVALID_FLAG',), name)
    else:
        return value
    if error is not None:
        raise error
    return value


def settable_fields(ctx: RequestContext, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """Every plain form parameter (coerced), minus sid/uuid/fields/filter/page and ``exclude``."""
    skipped = set(SKIP_PARAMS) | set(exclude)
    out: dict[str, Any] = {}
    for name, value in ctx.form.items():
        if name in skipped or name.startswith(('customfield-', 'fields.', 'filter.', 'page.', 'setting_')):
            continue
        out[name] = coerce(ctx.path, name, value)
    settings = {k[len('setting_'):]: v for k, v in ctx.form.items() if k.startswith('setting_')}
    if settings:
        merged = dict(out.get('settings') or {})
        merged.update(settings)
        out['settings'] = merged
    return out


def customfield_values(
    ctx: RequestContext, existing: Optional[list[dict[str, Any]]] = None
) -> Optional[list[dict[str, Any]]]:
    """Merge ``customfield-{UUID|DICOM_TAG}`` parameters into a customfields list.

    :return: the new list, or None when the request has no custom fields.
    :raises ServiceError: ``INVALID_CUSTOMFIELD`` listing unknown custom fields.
    """
    given = {k[len('customfield-'):]: v for k, v in ctx.form.items() if k.startswith('customfield-')}
    if not given:
        return None
    values = {(c.get('uuid') or c.get('tag')): dict(c) for c in existing or () if isinstance(c, dict)}
    bad = []
    for key, value in given.items():
        field = ctx.state.get_object('customfield', key)
        if field is not None:
            values[key] = {'uuid': key, 'name': field.get('name'), 'value': value}
        elif _DICOM_TAG.match(key):
            values[key] = {'tag': key, 'value': value}
        else:
            bad.append(key)
    if bad:
        raise ServiceError('INVALID_CUSTOMFIELD', [{'uuid': b, 'error': 'NOT_FOUND'} for b in bad])
    return list(values.values())


#: Keys of a custom field in an object answer (vendor document, ``/customfield/get`` notes).
CUSTOMFIELD_KEYS = ('uuid', 'name', 'type', 'value', 'required', 'options')


def _defined_customfields(ctx: RequestContext, account_id: Any, object_name: str) -> list[dict[str, Any]]:
    """The custom fields an account defines for ``object_name`` (e.g. ``Study``), oldest first, memoised."""
    defined: dict[Any, list[dict[str, Any]]] = ctx.cache.setdefault('defined_customfields', {})
    key = (account_id, object_name.lower())
    fields = defined.get(key)
    if fields is None:
        newest_first = ctx.state.list_objects('customfield', account_id=account_id) if account_id else []
        fields = [f for f in reversed(newest_first) if str(f.get('object', '')).lower() == key[1]]
        defined[key] = fields
    return fields


def object_customfields(
    ctx: RequestContext, obj: dict[str, Any], object_name: str, account_id: Any
) -> list[dict[str, Any]]:
    """``customfields`` of an object answer (study, account, group, location, account member).

    Every custom field the account defines for ``object_name`` (the
    ``/customfield/add`` ``object``: ``Study``, ``Account``, ``Group``,
    ``Location``, ``User_account``...), in definition order, each as
    ``{uuid, name, type, value, required, options}`` (value null until set);
    then values stored under a DICOM tag or a field since deleted (their
    definition keys null, a DICOM tag value also keeps its ``tag``).

    :param account_id: the account whose definitions apply.
    """
    stored = [c for c in obj.get('customfields') or () if isinstance(c, dict)]
    by_key = {c.get('uuid') or c.get('tag'): c for c in stored}
    out = []
    for field in _defined_customfields(ctx, account_id, object_name):
        value = by_key.pop(field['uuid'], {}).get('value')
        out.append(_customfield_entry(field, value))
    for orphan in by_key.values():
        entry = dict.fromkeys(CUSTOMFIELD_KEYS)
        entry.update({'uuid': orphan.get('uuid'), 'name': orphan.get('name'), 'value': orphan.get('value')})
        if orphan.get('tag'):
            entry['tag'] = orphan['tag']
        out.append(entry)
    return out


def _customfield_entry(field: dict[str, Any], value: Any) -> dict[str, Any]:
    """One defined custom field with its value (``required`` 0 when the definition does not say)."""
    return {
        'uuid': field['uuid'],
        'name': field.get('name'),
        'type': field.get('type'),
        'value': value,
        'required': field.get('required') or 0,
        'options': field.get('options'),
    }


def visible_account_ids(ctx: RequestContext, user: dict[str, Any]) -> set[str]:
    """Accounts the user can see (all of them for a sysadmin)."""
    if user.get('sysadmin'):
        return {a['uuid'] for a in ctx.state.list_objects('account')}
    return {m['account_id'] for m in ctx.state.list_objects('account_user', user_id=user['uuid'])}


def require_account(ctx: RequestContext, param: str = 'account_id', error: str = 'NOT_FOUND') -> dict[str, Any]:
    """Return the account named by a required parameter.

    An unknown account answers ``error`` (subtype ``param`` for ``NOT_FOUND``),
    else ``NOT_FOUND``, whichever the call documents first, else ``NOT_PERMITTED``.
    """
    account_id = ctx.require(param)[param]
    account = ctx.state.get_object('account', account_id)
    if account is None:
        raise (
            documented_error(ctx.path, (error,), param if error == 'NOT_FOUND' else None)
            or documented_error(ctx.path, ('NOT_FOUND',), param)
            or not_permitted()
        )
    return account


def role_name(ctx: RequestContext, role_id: Optional[str]) -> Optional[str]:
    """Name of a role, or None."""
    if not role_id:
        return None
    role = ctx.state.get_object('role', role_id)
    return None if role is None else role.get('name')
