"""The plumbing shared by every storage route: auth, errors, argument parsing.

:func:`storage_route` registers a handler with the emulator's raw-route
registry under ``/storage`` (so the URL is ``/api/v3/storage/...``), checks the
``?sid=`` query parameter (a bad or missing sid is 403 ``ACCESS_DENIED``) and
turns :class:`~ambra_sdk.emulator.storage.errors.StorageError` into the
storage error JSON.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import weakref
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Sequence

from werkzeug.wrappers import Request, Response

from ambra_sdk.emulator.limits import BodyTooLargeError
from ambra_sdk.emulator.permissions import authorize_storage, storage_permission
from ambra_sdk.emulator.registry import raw_route
from ambra_sdk.emulator.storage.errors import (
    StorageError,
    error_response_body,
    image_not_found,
    study_not_found,
)
from ambra_sdk.emulator.storage.index import ImageRecord, StorageIndex

if TYPE_CHECKING:  # pragma: no cover
    from ambra_sdk.emulator.context import RequestContext
    from ambra_sdk.emulator.state import State

logger = logging.getLogger(__name__)

#: Storage URLs are ``/api/v3`` + this prefix + the vendor path.
PREFIX = '/storage'

#: Version path values that mean "the newest version".
LATEST_VERSIONS = ('*', 'latest')
#: Header naming the job a storage call belongs to.
JOB_HEADER = 'X-AmbraHealth-Job-Id'
_FORM_TYPES = ('application/x-www-form-urlencoded', 'multipart/form-data')

_INDEXES: weakref.WeakKeyDictionary[State, StorageIndex] = weakref.WeakKeyDictionary()
_INDEX_LOCK = threading.Lock()


def index_for(state: State) -> StorageIndex:
    """The (cached) :class:`StorageIndex` of an emulator state."""
    with _INDEX_LOCK:
        index = _INDEXES.get(state)
        if index is None:
            index = StorageIndex(state)
            _INDEXES[state] = index
        return index


def query_arg(request: Request, name: str) -> Optional[str]:
    """``request.args.get(name)``, without the ``BadRequestKeyError`` werkzeug builds and catches for a missing name."""
    args = request.args
    return args.get(name) if name in args else None


def json_response(body: Any, status: int = 200, content_type: str = 'application/json') -> Response:
    """A JSON answer."""
    return encoded_json_response(json.dumps(body), status, content_type)


def encoded_json_response(text: str, status: int = 200, content_type: str = 'application/json') -> Response:
    """A JSON answer already encoded (``text``: what ``json.dumps`` wrote)."""
    return Response(text, status=status, content_type=content_type)


def error_response(error: StorageError, verbose: bool = False) -> Response:
    """The storage error answer for ``error``."""
    return Response(
        error_response_body(error, verbose), status=error.http_status,
        content_type='application/json',
    )


def accepted(body: bytes = b'') -> Response:
    """202 Accepted with an (almost) empty body."""
    return Response(body, status=202, content_type='text/plain')


class StorageRequest:
    """One storage call: the emulator context plus storage helpers.

    :ivar ctx: the emulator :class:`~ambra_sdk.emulator.context.RequestContext`.
    :ivar index: storage's view of the state.
    :ivar user: the user owning the ``?sid=`` session.
    """

    def __init__(self, ctx: RequestContext, user: Dict[str, Any]) -> None:
        self.ctx = ctx
        self.request = ctx.request
        self.state = ctx.state
        self.index = index_for(ctx.state)
        self.user = user

    @property
    def engine_fqdn(self) -> str:
        """``host:port`` of the emulator."""
        return str(self.ctx.config.engine_fqdn)

    def arg(self, name: str) -> Optional[str]:
        """A query parameter, else (for a POST form, e.g. a long ``download``) a form field."""
        value = query_arg(self.request, name)
        if value is None and self.request.method == 'POST' and self.request.mimetype in _FORM_TYPES:
            value = self.request.form.get(name)
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        """A query flag: ``1``/``true``/``True`` or ``0``/``false``/``False``.

        :raises StorageError: 412 VALIDATION_ERROR for other values.
        """
        value = self.arg(name)
        if value is None or value == '':
            return default
        lowered = value.strip().lower()
        if lowered in ('1', 'true', 'yes'):
            return True
        if lowered in ('0', 'false', 'no'):
            return False
        raise StorageError('VALIDATION_ERROR', f'Bad value for {name}: {value}', {name: value})

    def require_study(self, namespace: str, study_uid: str) -> None:
        """404 STUDY_NOT_FOUND unless the study has content in storage."""
        if not self.index.study_exists(namespace, study_uid):
            raise study_not_found(namespace, study_uid)

    def require_known_study(self, namespace: str, study_uid: str) -> None:
        """404 STUDY_NOT_FOUND unless storage holds the study or held it (storage deletes keep it known)."""
        if not self.index.study_known(namespace, study_uid):
            raise study_not_found(namespace, study_uid)

    def require_image(
        self, namespace: str, study_uid: str, image_uid: str, version: Optional[str] = None,
    ) -> ImageRecord:
        """The image version, or 404 STUDY_NOT_FOUND / IMAGE_NOT_FOUND.

        ``*`` (or ``latest``) as the version means the newest version.
        """
        self.require_study(namespace, study_uid)
        if version in LATEST_VERSIONS:
            version = None
        record = self.index.image(namespace, study_uid, image_uid, version)
        if record is None:
            raise image_not_found(namespace, study_uid, image_uid, version)
        return record

    def require_namespace(self, namespace: str) -> None:
        """403 ACCESS_DENIED when a namespace the route checks itself (a copy's ``to_namespace``) does not exist."""
        if self.state.get_object('namespace', namespace) is None:
            raise StorageError('ACCESS_DENIED', exception_data={'namespace': namespace})


Handler = Callable[..., Response]


#: ``namespace_of(ctx, url_args)``: the namespace a call acts on, for URLs without ``<namespace>``.
NamespaceOf = Callable[['RequestContext', Dict[str, Any]], Optional[str]]


def storage_route(
    rule: str, methods: Sequence[str] = ('GET',), permission: Optional[str] = None,
    namespace_of: Optional[NamespaceOf] = None,
) -> Callable[[Handler], Handler]:
    """Register ``handler(req: StorageRequest, **url_args) -> Response`` at ``/storage<rule>``.

    :param permission: the role flag the caller needs in the namespace (the
        ``<namespace>`` URL part, else the ``namespace`` query parameter), e.g.
        ``'study_delete'``; by default ``study_view`` for GET/HEAD,
        ``study_upload`` for POST, ``study_delete`` for DELETE
        (:data:`ambra_sdk.emulator.permissions.STORAGE_DEFAULTS`). A caller
        without it, or a call naming a namespace that does not exist (for
        every caller, a sysadmin too), gets 403 ``ACCESS_DENIED`` before the
        handler runs.
    :param namespace_of: for a URL without ``<namespace>`` (e.g. a multipart
        upload id): returns the namespace the call acts on (None: no check
        before the handler, which must then check itself).
    """

    def decorator(func: Handler) -> Handler:
        @functools.wraps(func)
        def handler(ctx: RequestContext, **kwargs: Any) -> Response:
            verbose = ctx.request.headers.get('X-AmbraHealth-Verbose-Errors') == '1'
            job: Optional[str] = None
            try:
                user = _authenticate(ctx)
                _authorize(ctx, user, permission, kwargs, namespace_of)
                job = _start_job(ctx, func.__name__, kwargs)
                response = func(StorageRequest(ctx, user), **kwargs)
            except StorageError as exc:
                _finish_job(ctx, job, None, exc)
                return error_response(exc, verbose)
            except BodyTooLargeError:  # the server answers 413 (ambra_sdk.emulator.limits)
                _finish_job(ctx, job, None, StorageError('PAYLOAD_TOO_LARGE'))
                raise
            except Exception as exc:  # noqa: BLE001 - storage answers, it never crashes
                logger.exception('Storage handler %s failed', func.__name__)
                error = StorageError('UNKNOWN', f'{type(exc).__name__}: {exc}')
                _finish_job(ctx, job, None, error)
                return error_response(error, verbose)
            _finish_job(ctx, job, response, None)
            return response

        raw_route(PREFIX + rule, methods=tuple(methods))(handler)
        return func

    return decorator


def _authenticate(ctx: RequestContext) -> Dict[str, Any]:
    """The user of the ``?sid=`` session, or 403 ACCESS_DENIED."""
    sid = query_arg(ctx.request, 'sid')
    user = ctx.state.session_user(sid) if sid else None
    if user is None:
        raise StorageError(
            'ACCESS_DENIED',
            'Invalid or expired sid' if sid else 'Missing sid',
            {'reason': 'invalid sid' if sid else 'missing sid'},
        )
    return user


def _authorize(
    ctx: RequestContext, user: Dict[str, Any], permission: Optional[str], url_args: Dict[str, Any],
    namespace_of: Optional[NamespaceOf] = None,
) -> None:
    """403 ACCESS_DENIED unless the namespaces exist and the user holds the route's flag there (nothing more said)."""
    flag = storage_permission(ctx.request.method, permission)
    if namespace_of is not None:
        namespace = namespace_of(ctx, url_args)
    else:
        namespace = url_args.get('namespace') or query_arg(ctx.request, 'namespace')
    # a phi_namespace parameter names a second namespace whose PHI the call reads
    if not authorize_storage(ctx.state, user, [namespace, query_arg(ctx.request, 'phi_namespace')], flag, ctx.cache):
        raise StorageError('ACCESS_DENIED')


def _start_job(ctx: RequestContext, name: str, url_args: Dict[str, Any]) -> Optional[str]:
    """Record the ``X-AmbraHealth-Job-Id`` job of a call as RUNNING; return its id."""
    job_id = ctx.request.headers.get(JOB_HEADER)
    if not job_id:
        return None
    data = {k: v for k, v in url_args.items() if k in ('namespace', 'study_uid', 'image_uid')}
    data['user_id'] = (ctx.user or {}).get('uuid')
    ctx.state.add_job(f'storage_{name}', state='RUNNING', job_id=job_id, **data)
    return job_id


def _finish_job(
    ctx: RequestContext, job_id: Optional[str], response: Optional[Response],
    error: Optional[StorageError],
) -> None:
    """Mark the job DONE (with the text answer as ``result``) or FAILED."""
    if not job_id:
        return
    if error is not None:
        ctx.state.update_job(
            job_id, state='FAILED', error_type=error.readable_status, error=error.message,
        )
        return
    assert response is not None
    result: Any = None
    if response.mimetype == 'text/plain' and not response.is_streamed:
        result = response.get_data(as_text=True) or None
    ctx.state.update_job(job_id, state='DONE', http_status=response.status_code, result=result)
