"""``api.Storage`` (package, as in the reference: ``.storage``, ``.base_storage``)."""

from ambra_sdk.storage.storage.storage import Storage

__all__ = ['Storage']
