"""Who may do what: the emulator's one permission check (service and storage).

The rule, from the vendor document's "Permissions" section: the object a call
acts on lives in an account or namespace; the caller must belong to it
(account member, group or location member, owner of a user namespace) and the
role they hold there must have the flag the document names for the call
(:mod:`ambra_sdk.emulator.permission_table`, generated from the document).
A sysadmin may do everything.

* :func:`authorize_service` runs in the dispatch (``EmulatorApp._service``)
  before every service handler, bundled calls included.
* :func:`authorize_storage` runs in the storage dispatch
  (:func:`ambra_sdk.emulator.storage.routing.storage_route`) before every
  storage handler; a route declares the flag it needs with
  ``storage_route(..., permission='study_delete')`` (default by method).

Where the document is silent the choices are the tables below
(:data:`DECIDED`, :data:`SCOPES`, :data:`DESTINATIONS`), described in
``docs/source/emulator.rst``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

from .errors import ServiceError
from .permission_table import CALLS, FLAGS, ROLES

if TYPE_CHECKING:  # pragma: no cover
    from .context import RequestContext
    from .state import State

__all__ = [
    'Groups',
    'MEMBER',
    'DECIDED',
    'SCOPES',
    'DESTINATIONS',
    'SELF_SERVICE',
    'OTHER_USER_FIELDS',
    'STORAGE_DEFAULTS',
    'ADMIN_PERMISSIONS',
    'USER_PERMISSIONS',
    'requirement',
    'authorize_service',
    'authorize_storage',
    'flags_in_namespace',
    'flags_in_account',
    'readable_namespaces',
    'effective_flags',
    'study_flags',
    'allowed',
]

#: "Any of these groups; each group needs all of its flags" (``((),)``: membership alone).
Groups = tuple[tuple[str, ...], ...]

#: Membership alone, no flag.
MEMBER: Groups = ((),)

#: The ``Administrator`` role of a new account: every flag of the document.
ADMIN_PERMISSIONS: dict[str, int] = dict.fromkeys(FLAGS, 1)
#: The ``User`` role: the document's User column (also what a member without a role holds).
USER_PERMISSIONS: dict[str, int] = {flag: values[ROLES.index('User')] for flag, values in FLAGS.items()}

#: Calls whose Permission row is empty or missing, with the flags the emulator asks (its decisions).
DECIDED: dict[str, Groups] = {
    '/study/get': (('study_view',),),
    '/study/exists': (('study_view',),),
    '/study/permissions': MEMBER,
    '/study/cfind': (('study_view',),),
    '/study/audit': (('study_view',),),
    '/study/status/set': (('study_edit',),),
    '/study/validate': (('study_edit',),),
    '/study/attach/customfields': (('study_edit',),),
    '/study/retrieve': (('study_view',),),
    '/account/get': MEMBER,
    '/account/add': (('account_edit',),),
    '/account/delete': (('account_edit',),),
    '/account/user/get': (('account_user_view',),),
    '/user/get': (('account_user_view',),),
    '/user/set': (('user_edit',),),
    '/user/enable': (('user_edit',),),
    '/user/event': (('user_view_others_notifications',),),
    '/user/event/set': (('user_modify_others_notifications',),),
    '/customcode/zip': (('customcode_view',),),
    '/namespace/permissions': MEMBER,
    '/job/get': (('study_view',),),
}

#: How a call names the object it acts on, where the parameters alone would mislead.
#: ``self``: the caller's own things (lists filter themselves); ``none``: no object;
#: ``user_any``/``user_all``: the user ``uuid`` (any / every account of theirs must grant
#: the flag; the caller themselves always may); ``any_account``: the flag in any account;
#: ``job``: the job ``id``.
SCOPES: dict[str, str] = {
    '/account/add': 'any_account',
    '/account/list': 'self',
    '/account/settings': 'none',
    '/study/list': 'self',
    '/study/count': 'self',
    '/user/namespace/list': 'self',
    '/user/get': 'user_any',
    '/user/set': 'user_all',
    '/user/enable': 'user_all',
    '/user/event': 'user_any',
    '/user/event/set': 'user_all',
    '/job/get': 'job',
}

#: Parameters naming a second namespace with the flag needed there (not the call's flag).
DESTINATIONS: dict[str, dict[str, str]] = {
    '/study/duplicate': {'namespace_id': 'study_upload'},
    '/study/split': {'namespace_id': 'study_upload'},
    '/study/move': {'namespace_id': 'study_upload'},
}

#: Parameters that need one more flag when a call acts on another user: url -> {param: flag}.
OTHER_USER_FIELDS: dict[str, dict[str, str]] = {
    '/user/set': {'email': 'user_modify_others_email'},
}

#: Calls a member may make about themselves (``user_id`` = the caller) with no flag.
SELF_SERVICE = frozenset({'/account/user/get', '/account/user/set'})

#: Flag a storage route needs when it declares none, by HTTP method.
STORAGE_DEFAULTS: dict[str, str] = {
    'GET': 'study_view', 'HEAD': 'study_view', 'POST': 'study_upload', 'DELETE': 'study_delete',
}

#: Object kinds whose ``uuid`` a call may name (first URL segment -> stored kind).
_OBJECT_KINDS = frozenset(
    {
        'account', 'group', 'location', 'role', 'customfield', 'customcode', 'link', 'namespace', 'webhook', 'filter',
        'rule_set', 'timer_rule', 'radreport', 'query', 'patient',
    }
)
#: Calls whose ``uuid`` names an object of another kind than the URL's first segment.
UUID_KINDS: dict[str, str] = {
    '/customfield/mapping/set': 'customfield_mapping',
    '/customfield/mapping/delete': 'customfield_mapping',
}
#: Calls whose parameters name a parent object (param -> kind): the call acts in its account or namespace.
PARENT_PARAMS: dict[str, dict[str, str]] = {
    '/timer_rule/add': {'rule_set_id': 'rule_set'},
    '/customfield/mapping/add': {'from_customfield_id': 'customfield'},
    '/query/add': {'group_id': 'group'},
}
_NAMESPACE_MEMBER_KINDS = {'group': 'group_user', 'location': 'location_user'}


@dataclass(frozen=True)
class _Scope:
    """One place a call touches: ``kind`` is ``namespace`` or ``account``; ``flags`` overrides the call's."""

    kind: str
    ident: str
    groups: Optional[Groups] = None


def requirement(url: str) -> Optional[Groups]:
    """The flags a call needs: the document's, else the emulator's decision, else None (membership)."""
    if url in CALLS:
        return CALLS[url][1]
    return DECIDED.get(url)


def allowed(flags: Optional[dict[str, Any]], groups: Optional[Groups], user: dict[str, Any]) -> bool:
    """True when ``flags`` (None: not a member) satisfy any group of ``groups`` (None: membership)."""
    if user.get('sysadmin'):
        return True
    if flags is None:
        return False
    if not groups:
        return True
    return any(all(_granted(flags, flag, user) for flag in group) for group in groups)


def _granted(flags: dict[str, Any], flag: str, user: dict[str, Any]) -> bool:
    if flag in ('sysadmin', 'support'):
        return bool(user.get(flag))
    value = flags.get(flag)
    if isinstance(value, str):
        return value.strip().lower() in ('1', 'true')
    return bool(value) and value is not False


# ------------------------------------------------------------------ roles


def _role_flags(
    state: State, role_id: Optional[str], cache: dict[str, Any], account_id: Optional[str] = None
) -> dict[str, Any]:
    """The permissions of a role (a member without a role holds the document's User role).

    A role of another account than ``account_id`` counts as no role: a role
    never carries flags across accounts.
    """
    if not role_id:
        return USER_PERMISSIONS
    key = f'perm:role:{role_id}'
    if key not in cache:
        role = state.get_object('role', role_id)
        perms = role.get('permissions') if role is not None else None
        cache[key] = (role or {}).get('account_id'), dict(perms) if isinstance(perms, dict) else {}
    owner, perms = cache[key]
    if account_id is not None and owner is not None and owner != account_id:
        return USER_PERMISSIONS
    return dict(perms)


def flags_in_account(
    state: State, user: dict[str, Any], account_id: str, cache: Optional[dict[str, Any]] = None
) -> Optional[dict[str, Any]]:
    """The flags ``user`` holds in an account, or None when not a member."""
    cache = {} if cache is None else cache
    key = f'perm:account:{account_id}:{user.get("uuid")}'
    if key not in cache:
        member = state.find_object('account_user', account_id=account_id, user_id=user.get('uuid'))
        cache[key] = None if member is None else _role_flags(state, member.get('role_id'), cache, account_id)
    found = cache[key]
    return None if found is None else dict(found)


def flags_in_namespace(
    state: State, user: dict[str, Any], namespace_id: str, cache: Optional[dict[str, Any]] = None
) -> Optional[dict[str, Any]]:
    """The flags ``user`` holds in a namespace, or None when they do not belong to it.

    The owner of a user (PHR) namespace holds every flag there; a group or
    location member holds the role of that membership; anyone else holds
    their role in the namespace's account.
    """
    cache = {} if cache is None else cache
    namespace = state.get_object('namespace', namespace_id)
    if namespace is None:
        return None
    if namespace_id == user.get('namespace_id') or (
        namespace.get('user_id') and namespace.get('user_id') == user.get('uuid')
    ):
        return dict(ADMIN_PERMISSIONS)
    for kind, member_kind in _NAMESPACE_MEMBER_KINDS.items():
        parent = namespace.get(f'{kind}_id')
        if parent:
            member = state.find_object(member_kind, parent_id=parent, user_id=user.get('uuid'))
            if member is not None:
                owner = namespace.get('account_id')
                return _role_flags(state, member.get('role_id'), cache, str(owner) if owner else None)
    account_id = namespace.get('account_id')
    if not account_id:
        return None
    return flags_in_account(state, user, str(account_id), cache)


def effective_flags(ctx: RequestContext, user: dict[str, Any], namespace_id: str) -> dict[str, int]:
    """Every flag as 1/0 for ``user`` in a namespace (what ``/namespace/permissions`` answers)."""
    if user.get('sysadmin'):
        return dict(ADMIN_PERMISSIONS)
    flags = flags_in_namespace(ctx.state, user, namespace_id, ctx.cache) or {}
    return {flag: int(_granted(flags, flag, user)) for flag in FLAGS}


def study_flags(ctx: RequestContext, namespace_id: str) -> dict[str, int]:
    """The caller's ``study_*`` flags in a study's namespace (cached per request; every flag for no caller)."""
    key = f'perm:study_flags:{namespace_id}'
    if key not in ctx.cache:
        user = ctx.user
        flags = ADMIN_PERMISSIONS if user is None else effective_flags(ctx, user, namespace_id)
        ctx.cache[key] = {k: v for k, v in flags.items() if k.startswith('study_')}
    return dict(ctx.cache[key])


def readable_namespaces(ctx: RequestContext, user: dict[str, Any], flag: str = 'study_view') -> Optional[set[str]]:
    """Namespaces where ``user`` holds ``flag`` (None: every namespace, a sysadmin)."""
    if user.get('sysadmin'):
        return None
    found = set()
    own = user.get('namespace_id')
    if own:
        found.add(str(own))
    accounts = {m['account_id'] for m in ctx.state.list_objects('account_user', user_id=user['uuid'])}
    groups = {m.get('parent_id') for kind in _NAMESPACE_MEMBER_KINDS.values()
              for m in ctx.state.list_objects(kind, user_id=user['uuid'])}
    for namespace in ctx.state.list_objects('namespace'):
        related = namespace.get('account_id') in accounts or (
            namespace.get('group_id') or namespace.get('location_id')
        ) in groups
        if not related:
            continue
        flags = flags_in_namespace(ctx.state, user, namespace['uuid'], ctx.cache)
        if flags is not None and _granted(flags, flag, user):
            found.add(namespace['uuid'])
    return found


# ---------------------------------------------------------------- service


def _study_namespace(ctx: RequestContext) -> Optional[str]:
    """PHI namespace of the study a call names (uuid / study_id / storage triplet), if it exists."""
    state = ctx.state
    in_study = ctx.path.startswith('/study/')
    for name in ('uuid', 'study_id') if in_study else ('study_id',):
        value = ctx.param(name)
        if value is not None:
            study = state.get_study(value)
            if study is not None:
                return str(study['phi_namespace'])
    if in_study and ctx.has('study_uid') and ctx.has('storage_namespace'):
        study = state.get_study(storage_namespace=ctx.param('storage_namespace'), study_uid=ctx.param('study_uid'))
        if study is not None:
            return str(study['phi_namespace'])
    return None


def _object_scope(obj: dict[str, Any], kind: str) -> Optional[_Scope]:
    if kind == 'namespace':
        return _Scope('namespace', str(obj['uuid']))
    if kind == 'account':
        return _Scope('account', str(obj['uuid']))
    if kind in _NAMESPACE_MEMBER_KINDS and obj.get('namespace_id'):
        return _Scope('namespace', str(obj['namespace_id']))
    if obj.get('namespace_id'):
        return _Scope('namespace', str(obj['namespace_id']))
    if obj.get('account_id'):
        return _Scope('account', str(obj['account_id']))
    return None


def _scopes(ctx: RequestContext) -> list[_Scope]:
    """Every account or namespace the call's parameters name (objects that do not exist are skipped)."""
    state = ctx.state
    scopes: list[_Scope] = []
    destinations = DESTINATIONS.get(ctx.path, {})
    study_ns = _study_namespace(ctx)
    if study_ns is not None:
        scopes.append(_Scope('namespace', study_ns))
    segment = ctx.path.split('/')[1] if ctx.path.count('/') >= 1 else ''
    named = [(UUID_KINDS.get(ctx.path, segment), ctx.param('uuid'))]
    named += [(kind, ctx.param(param)) for param, kind in PARENT_PARAMS.get(ctx.path, {}).items()]
    for kind, ident in named:
        if ident is None or (kind not in _OBJECT_KINDS and kind not in UUID_KINDS.values()):
            continue
        obj = state.get_object(kind, ident)
        if obj is not None:
            scope = _object_scope(obj, kind)
            if scope is not None:
                scopes.append(scope)
    account_id = ctx.param('account_id')
    if account_id is not None and state.get_object('account', account_id) is not None:
        scopes.append(_Scope('account', account_id))
    for name in ('namespace_id', 'phi_namespace', 'storage_namespace'):
        value = ctx.param(name)
        if value is None or state.get_object('namespace', value) is None:
            continue
        # a namespace named outright is checked even when the object is not found in it:
        # "not permitted" must not depend on whether a study exists there
        groups = ((destinations[name],),) if name in destinations else None
        scopes.append(_Scope('namespace', value, groups))
    if ctx.path == '/link/list' and ctx.has('user_id') and ctx.param('user_id') != (ctx.user or {}).get('uuid'):
        target = state.get_object('user', str(ctx.param('user_id')))
        if target is not None:
            scopes.extend(_user_accounts(state, target))
    return scopes


def _user_accounts(state: State, target: dict[str, Any]) -> list[_Scope]:
    return [_Scope('account', m['account_id']) for m in state.list_objects('account_user', user_id=target['uuid'])]


def _flags_for(ctx: RequestContext, user: dict[str, Any], scope: _Scope) -> Optional[dict[str, Any]]:
    if scope.kind == 'account':
        return flags_in_account(ctx.state, user, scope.ident, ctx.cache)
    return flags_in_namespace(ctx.state, user, scope.ident, ctx.cache)


def _check_user_target(ctx: RequestContext, user: dict[str, Any], groups: Optional[Groups], every: bool) -> bool:
    uuid = ctx.param('uuid')
    if uuid is None or uuid == user.get('uuid'):
        return True
    target = ctx.state.get_object('user', uuid)
    if target is None:
        return True  # the handler answers NOT_FOUND
    if target.get('sysadmin'):
        return False  # only a sysadmin acts on a sysadmin
    extra = tuple(flag for name, flag in OTHER_USER_FIELDS.get(ctx.path, {}).items() if ctx.has(name))
    if extra:
        groups = tuple(group + extra for group in (groups or MEMBER))
    accounts = _user_accounts(ctx.state, target)
    wanted = ctx.param('account_id')
    if wanted is not None and not every:
        # "/user/get account_id": the flag in that account, of which the user must be a member
        accounts = [s for s in accounts if s.ident == wanted]
    results = [allowed(_flags_for(ctx, user, s), groups, user) for s in accounts]
    if not results:
        return False
    return all(results) if every else any(results)


def _check_job(ctx: RequestContext, user: dict[str, Any], groups: Optional[Groups]) -> bool:
    job_id = ctx.param('id')
    job = ctx.state.get_job(job_id) if job_id else None
    if job is None:
        return True  # NOT_FOUND from the handler
    if job.get('user_id') and job.get('user_id') == user.get('uuid'):
        return True
    namespace = job.get('namespace')
    if not namespace:
        return False
    return allowed(flags_in_namespace(ctx.state, user, str(namespace), ctx.cache), groups, user)


def _check_any_account(ctx: RequestContext, user: dict[str, Any], groups: Optional[Groups]) -> bool:
    for member in ctx.state.list_objects('account_user', user_id=user['uuid']):
        if allowed(_role_flags(ctx.state, member.get('role_id'), ctx.cache, member.get('account_id')), groups, user):
            return True
    return False


_SPECIAL: dict[str, Callable[[RequestContext, dict[str, Any], Optional[Groups]], bool]] = {
    'user_any': lambda ctx, user, groups: _check_user_target(ctx, user, groups, every=False),
    'user_all': lambda ctx, user, groups: _check_user_target(ctx, user, groups, every=True),
    'job': _check_job,
    'any_account': _check_any_account,
}


def authorize_service(ctx: RequestContext) -> None:
    """Refuse the call with ``NOT_PERMITTED`` unless the caller may act on every object it names.

    Calls without a caller (``sid`` none/optional and not given) are left to the handler.

    :raises ServiceError: ``NOT_PERMITTED`` (no subtype, no data: the answer reveals nothing).
    """
    user = ctx.user
    if user is None or user.get('sysadmin'):
        return
    mode = SCOPES.get(ctx.path)
    if mode in ('self', 'none') or ctx.path.startswith('/session/'):
        return
    groups = requirement(ctx.path)
    if ctx.path in SELF_SERVICE and ctx.param('user_id') == user.get('uuid'):
        groups = MEMBER
    if mode in _SPECIAL:
        if not _SPECIAL[mode](ctx, user, groups):
            raise ServiceError('NOT_PERMITTED')
        return
    for scope in _scopes(ctx):
        if not allowed(_flags_for(ctx, user, scope), scope.groups or groups, user):
            raise ServiceError('NOT_PERMITTED')


# ---------------------------------------------------------------- storage


def storage_permission(method: str, declared: Optional[str]) -> str:
    """The flag a storage call needs: the route's declaration, else :data:`STORAGE_DEFAULTS`."""
    return declared or STORAGE_DEFAULTS.get(method.upper(), 'study_view')


def authorize_storage(
    state: State, user: dict[str, Any], namespaces: Iterable[Optional[str]], flag: str,
    cache: Optional[dict[str, Any]] = None,
) -> bool:
    """True when every named namespace exists and ``user`` holds ``flag`` in each (None or '' are skipped).

    A namespace that does not exist refuses every caller, a sysadmin too (the
    server answers 403 before it looks for any study there).
    """
    named = [namespace for namespace in namespaces if namespace]
    if any(state.get_object('namespace', namespace) is None for namespace in named):
        return False
    if user.get('sysadmin'):
        return True
    cache = {} if cache is None else cache
    return all(allowed(flags_in_namespace(state, user, namespace, cache), ((flag,),), user) for namespace in named)
