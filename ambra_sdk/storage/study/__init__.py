"""``api.Storage.Study`` (package, as in the reference: ``.study``, ``.base_study``)."""

from ambra_sdk.storage.study.study import FRAME, IMAGE, STUDY, ImageJsonBox, JsonBox, Study

__all__ = ['Study', 'ImageJsonBox', 'JsonBox', 'STUDY', 'IMAGE', 'FRAME']
