"""Jobs of storage calls that carry an ``X-AmbraHealth-Job-Id`` header.

The vendor runs such calls (anonymize, copy, ...) as background jobs and
reports them through ``/job/get``. The emulator runs them synchronously and
records the job around the call: ``RUNNING`` before the handler, then
``DONE`` (HTTP status < 400) or ``FAILED``, with ``status_code`` and, for
small text answers, ``result`` (e.g. the new study UID of an anonymize).
A handler that sets the job state itself (via ``ctx.state.update_job``)
keeps its own final state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # pragma: no cover
    from werkzeug.wrappers import Response

    from .context import RequestContext

__all__ = ['JOB_HEADER', 'start_job', 'finish_job']

#: Request header naming the job.
JOB_HEADER = 'X-AmbraHealth-Job-Id'
_MAX_RESULT = 64 * 1024


def start_job(ctx: RequestContext) -> Optional[str]:
    """Record a ``RUNNING`` job when the request names one; return its id."""
    job_id = ctx.request.headers.get(JOB_HEADER)
    if not job_id:
        return None
    ctx.state.add_job(
        kind=ctx.path, state='RUNNING', job_id=job_id, method=ctx.request.method, path=ctx.path,
        namespace=ctx.path.split('/')[3] if ctx.path.count('/') >= 3 else None,
        user_id=(ctx.user or {}).get('uuid'),
    )
    return job_id


def finish_job(ctx: RequestContext, job_id: str, response: Optional[Response]) -> None:
    """Mark the job ``DONE`` / ``FAILED`` from the answer (unless the handler already did)."""
    job = ctx.state.get_job(job_id)
    if job is None or job.get('state') != 'RUNNING':
        return
    if response is None:
        ctx.state.update_job(job_id, 'FAILED', status_code=None)
        return
    state = 'DONE' if response.status_code < 400 else 'FAILED'
    result = None
    if not response.is_streamed and (response.mimetype or '').startswith(('text/', 'application/json')):
        data = response.get_data(as_text=True)
        if len(data) <= _MAX_RESULT:
            result = data
    ctx.state.update_job(job_id, state, status_code=response.status_code, result=result)
