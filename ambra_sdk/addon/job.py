"""``api.Addon.Job``: wait for storage jobs."""

import uuid as uuid_module
from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Tuple

from ambra_sdk.addon.event_wait import wait_event_or_poll
from ambra_sdk.addon.exceptions import JobFailed, WaitTimeout
from ambra_sdk.exceptions.service_base import PreconditionFailed

if TYPE_CHECKING:
    from ambra_sdk.api.api import Api

#: Job states that mean success (compared case-insensitively).
DONE_STATES = frozenset(('DONE', 'COMPLETE', 'COMPLETED', 'SUCCESS', 'SUCCEEDED', 'FINISHED'))
#: Job states that mean failure.
FAILED_STATES = frozenset(('ERROR', 'FAILED', 'FAILURE', 'CANCELLED', 'CANCELED', 'ABORTED'))


def job_state(job: Any) -> str:
    """Return a job's state in upper case (``''`` when it has none).

    :param job: the ``/job/get`` answer.
    """
    state = job.get('state') if hasattr(job, 'get') else None
    return str(state or '').upper()


def error_type_of(error: BaseException) -> Any:
    """Return the ``error_type`` of a service error (the first one of a list).

    :param error: a service exception.
    """
    error_type = getattr(error, 'error_type', None)
    if isinstance(error_type, list) and error_type:
        error_type = error_type[0]
    return error_type


def is_not_found(error: BaseException) -> bool:
    """Tell whether a service error is ``NOT_FOUND``.

    :param error: a service exception.
    """
    return error_type_of(error) == 'NOT_FOUND'


def _job_errors_mapping() -> Dict[Any, Any]:
    try:
        from ambra_sdk.exceptions.service import NotFound, NotPermitted
    except ImportError:  # generated exceptions not there: plain PreconditionFailed
        return {}
    return {
        ('NOT_FOUND', None): NotFound('The job can not be found'),
        ('NOT_PERMITTED', None): NotPermitted('The user is not permitted to access this job'),
    }


class Job:
    """Storage jobs (``X-AmbraHealth-Job-Id``): wait until they end.

    :param api: the :class:`~ambra_sdk.api.Api`.
    """

    def __init__(self, api: 'Api') -> None:
        self._api: Any = api  # namespaces are set on Api at run time

    def _query(self, job_id: str) -> Any:
        from ambra_sdk.service.query import QueryO

        return QueryO(
            self._api,
            url='/job/get',
            request_data={'id': job_id},
            errors_mapping=_job_errors_mapping(),
            required_sid=True,
        )

    def wait(
        self,
        *,
        job_id: str,
        namespace_id: str,
        timeout: float = 200.0,
        ws_timeout: float = 5,
    ) -> Any:
        """Wait until a job is done and return it.

        With the ``ws`` extra and a server that accepts the websocket channel,
        the wait subscribes to ``job.<namespace_id>`` and calls ``/job/get``
        once, then whenever a ``DONE`` event comes and at least every
        ``ws_timeout`` seconds; otherwise ``/job/get`` is polled with
        exponential back-off (see :mod:`ambra_sdk.addon.event_wait`). A job
        that is not found yet, queued or running is waited for; an error
        state raises at once.

        :param job_id: the job id (the ``X-AmbraHealth-Job-Id`` of the storage call).
        :param namespace_id: namespace of the job (its channel is ``job.<namespace_id>``).
        :param timeout: seconds to wait in all.
        :param ws_timeout: longest wait for an event (or pause between two polls), in seconds.
        :return: the job Box in its final state.
        :raises JobFailed: the job ended in an error state.
        :raises WaitTimeout: the job was not done in time (a ``TimeoutError``).
        """
        query = self._query(job_id)

        def probe() -> Tuple[bool, Any]:
            try:
                job = query.get()
            except PreconditionFailed as error:
                if is_not_found(error):
                    return False, None
                raise
            state = job_state(job)
            if state in FAILED_STATES:
                raise JobFailed(job_id, job.get('state'), job)
            return state in DONE_STATES, job

        outcome = wait_event_or_poll(
            self._api, probe, channel='job.{0}'.format(namespace_id), event='DONE',
            timeout=timeout, ws_timeout=ws_timeout,
        )
        done, job = outcome.done, outcome.value
        if not done:
            seen = 'was never found' if job is None else 'is still {!r}'.format(job.get('state'))
            raise WaitTimeout(
                'Job {} (namespace {}) {} after {} s'.format(job_id, namespace_id, seen, timeout),
                timeout,
                job,
            )
        return job

    def wait_completion(
        self,
        method: Callable[..., Any],
        *,
        timeout: float = 200.0,
        ws_timeout: float = 5,
        **kwargs: Any,
    ) -> Any:
        """Call a storage method that starts a job, then wait for the job.

        The job id is ``kwargs['x_ambrahealth_job_id']`` when given, else a new
        uuid4 (written back into ``kwargs``). The timeout starts after the
        call returns.

        :param method: a storage method taking ``x_ambrahealth_job_id``
            (e.g. ``api.Storage.Study.anonymize``).
        :param timeout: seconds to wait for the job.
        :param ws_timeout: longest wait for an event (or pause between two polls), in seconds.
        :param kwargs: the method's arguments; ``namespace`` is required.
        :return: what the method returned (with ``only_prepare=True``: the
            prepared request, without waiting).
        :raises KeyError: no ``namespace`` in ``kwargs``.
        """
        namespace = kwargs['namespace']
        job_id: Optional[str] = kwargs.get('x_ambrahealth_job_id')
        if job_id is None:
            job_id = str(uuid_module.uuid4())
        kwargs['x_ambrahealth_job_id'] = job_id
        result = method(**kwargs)
        if kwargs.get('only_prepare') is True:
            return result  # nothing was sent: there is no job to wait for
        self.wait(job_id=job_id, namespace_id=namespace, timeout=timeout, ws_timeout=ws_timeout)
        return result
