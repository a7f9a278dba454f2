"""``api.Storage.Image`` (package, as in the reference: ``.image``, ``.base_image``)."""

from ambra_sdk.storage.image.image import Image

__all__ = ['Image']
