"""Service (``/api/v3/...`` JSON methods) side of the SDK.

Kept empty on purpose: import :mod:`ambra_sdk.service.query`,
:mod:`ambra_sdk.service.filtering` and the like directly.
"""
