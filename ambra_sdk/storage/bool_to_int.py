"""The reference's ``bool_to_int`` import path (the function lives in :mod:`ambra_sdk.storage.args`)."""

from ambra_sdk.storage.args import bool_to_int

__all__ = ['bool_to_int']
