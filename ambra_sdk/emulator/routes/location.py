"""``/location/*``: locations (an account sub-object with its own namespace)."""

from .subaccount import register_subaccount

register_subaccount('location', 'locations')
