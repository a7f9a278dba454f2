"""``UploadedImageParams``: what the storage answered for one uploaded image."""

from typing import Any, NamedTuple


class UploadedImageParams(NamedTuple):
    """Storage identifiers of one uploaded image."""

    study_uid: str
    image_uid: str
    image_version: str
    namespace: str
    attr: Any
