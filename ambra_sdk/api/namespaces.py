"""Lazy namespace attributes of the Api (``api.Study``, ``api.Storage``, ...).

A namespace's module is imported the first time the attribute is read on an
Api, and the instance is then cached on that Api. This keeps
``import ambra_sdk.api`` and ``Api(...)`` cheap.
"""

import importlib
import re
from typing import Any, Optional, Type

SERVICE_NAMESPACES = (
    'Account', 'Activity', 'Analytics', 'Annotation', 'Anonymization', 'Appointment',
    'Audit', 'Case', 'Customcode', 'Customfield', 'Destination', 'Dicomdata',
    'Dictionary', 'Filter', 'Group', 'Help', 'Hl7', 'Keyimage', 'Link', 'Location',
    'Meeting', 'Message', 'Namespace', 'Node', 'Npi', 'Order', 'Patient', 'Purge',
    'Qctask', 'Query', 'Radreport', 'Radreportmacro', 'Report', 'Role', 'Route',
    'Rsna', 'Scanner', 'Session', 'Setting', 'Site', 'Study', 'Tag', 'Terminology',
    'Training', 'User', 'Validate', 'Webhook', 'RuleSet', 'TimerRule',
)

#: The package of the namespace classes of ``api.<Namespace>``: every method of every service
#: document the SDK was generated from (the 3.21.6 classes plus what LBL0022 v55.0 added).
UNION_PACKAGE = 'ambra_sdk.service.entrypoints.union'


def module_name(name: str) -> str:
    """``Study`` -> ``study``, ``RuleSet`` -> ``rule_set`` (the generator's module names).

    :param name: namespace class name.
    """
    return re.sub(r'(?<!^)(?=[A-Z])', '_', name).lower()


class LazyNamespace:
    """Descriptor creating ``cls(api)`` from ``module`` on first access.

    :param module: dotted module path.
    :param class_name: class inside the module.
    """

    def __init__(self, module: str, class_name: str) -> None:
        self.module = module
        self.class_name = class_name
        self.attribute: Optional[str] = None

    def __set_name__(self, owner: Type[Any], name: str) -> None:
        self.attribute = name

    def namespace_class(self) -> Type[Any]:
        """Import and return the namespace class."""
        return getattr(importlib.import_module(self.module), self.class_name)

    def __get__(self, instance: Any, owner: Optional[Type[Any]] = None) -> Any:
        if instance is None:
            return self
        namespace = self.namespace_class()(instance)
        assert self.attribute is not None
        instance.__dict__[self.attribute] = namespace
        return namespace


def service_namespace(name: str) -> LazyNamespace:
    """Descriptor of one service namespace (its class in :data:`UNION_PACKAGE`).

    :param name: class name (``Study``).
    """
    return LazyNamespace('{0}.{1}'.format(UNION_PACKAGE, module_name(name)), name)
