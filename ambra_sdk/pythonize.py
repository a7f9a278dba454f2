"""The python names the code generator gives to vendor names that are Python keywords or builtins.

Read-only maps (vendor name -> python name), the reference's ``pythonize`` module.
"""

from types import MappingProxyType
from typing import Mapping

#: Model field names.
FIELDS: Mapping[str, str] = MappingProxyType({'global': 'global_field', 'type': 'type_field'})
#: Namespace method names.
METHODS: Mapping[str, str] = MappingProxyType({'return': 'return_method'})
#: Method parameter names.
PARAMS: Mapping[str, str] = MappingProxyType({'global': 'global_param', 'limit.hl7': 'limit_hl7'})

__all__ = ['FIELDS', 'METHODS', 'PARAMS']
