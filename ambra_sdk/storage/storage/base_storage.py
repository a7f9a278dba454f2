"""The reference's ``base_storage`` import path.

``BaseStorage`` is :class:`~ambra_sdk.storage.storage.storage.Storage`.
"""

from ambra_sdk.storage.storage.storage import Storage

BaseStorage = Storage

__all__ = ['BaseStorage']
