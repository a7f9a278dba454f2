"""``/job/get``: jobs created by storage calls (``X-AmbraHealth-Job-Id``).

Not in the vendor service document; used by ``api.Addon.Job.wait``.
The ``state`` is ``QUEUED``, ``RUNNING``, ``DONE`` or ``FAILED``.
"""

from __future__ import annotations

from typing import Any

from ..context import RequestContext
from ..errors import not_found
from ..registry import service_route

__all__: list[str] = []


@service_route('/job/get', auth='required')
def job_get(ctx: RequestContext) -> dict[str, Any]:
    """Return a job by ``id``."""
    job_id = ctx.require('id')['id']
    job = ctx.state.get_job(job_id)
    if job is None:
        raise not_found()
    return job
