"""``/study/clone`` (service API, LBL0022 v55.0): a copy of a study under a new study UID.

A service call that works on stored images, so it lives with storage (it needs pydicom):
every image of the study is read, given the new StudyInstanceUID (and, with the document's
flags, new SeriesInstanceUIDs / SOPInstanceUIDs) and stored again in the same storage
namespace, which creates the new service study. A study without images answers
``NOT_AVAILABLE``. Answer: ``{"study_uid": <new uid>}``.
"""

from __future__ import annotations

from typing import Any

from pydicom.uid import generate_uid

from ambra_sdk.emulator.context import RequestContext
from ambra_sdk.emulator.errors import ServiceError, not_found
from ambra_sdk.emulator.registry import service_route
from ambra_sdk.emulator.storage.derive import CopyPlan, copy_images
from ambra_sdk.emulator.storage.routing import index_for
from ambra_sdk.emulator.storage.studies import sync_service_study

__all__: list[str] = []


@service_route('/study/clone')
def study_clone(ctx: RequestContext) -> dict[str, Any]:
    """Clone a study in its storage namespace; answer the new study UID."""
    uuid = ctx.require('uuid')['uuid']
    study = ctx.state.get_study(uuid)
    if study is None:
        raise not_found('uuid')
    index = index_for(ctx.state)
    namespace, study_uid = str(study['storage_namespace']), str(study['study_uid'])
    images = index.images(namespace, study_uid)
    if not images:
        raise ServiceError('NOT_AVAILABLE')
    plan = CopyPlan(
        generate_uid(), new_series_uids=ctx.flag('new_series_uids'), new_image_uids=ctx.flag('new_image_uids'),
    )
    stored = copy_images(index, images, namespace, plan)
    sync_service_study(ctx.state, index, namespace, plan.new_study_uid, ctx.config.engine_fqdn, stored[-1].dataset)
    return {'study_uid': plan.new_study_uid}
