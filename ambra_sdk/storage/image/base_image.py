"""The reference's ``base_image`` import path: ``BaseImage`` is :class:`~ambra_sdk.storage.image.image.Image`."""

from ambra_sdk.storage.image.image import Image

BaseImage = Image

__all__ = ['BaseImage']
