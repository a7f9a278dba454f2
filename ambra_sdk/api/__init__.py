"""The SDK's entry point: :class:`Api`."""

from ambra_sdk.api.api import Api

__all__ = ['Api']
