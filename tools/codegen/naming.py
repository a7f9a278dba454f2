"""Naming rules shared by the renderers (service_spec §2.2, §5.1)."""

from __future__ import annotations

import keyword
import re

#: Wire names that are not valid Python parameter names.
PYTHON_NAME_OVERRIDES = {'global': 'global_param', 'limit.hl7': 'limit_hl7'}


def namespace_of(url: str) -> str:
    """``/hl7/list`` -> ``Hl7``, ``/rule_set/list`` -> ``RuleSet``: the first URL segment CamelCased."""
    return ''.join(part.capitalize() for part in url.strip('/').split('/')[0].split('_'))


def module_of(namespace: str) -> str:
    """``Hl7`` -> ``hl7``, ``RuleSet`` -> ``rule_set``."""
    return re.sub(r'(?<!^)(?=[A-Z])', '_', namespace).lower()


def method_of(url: str) -> str:
    """``/account/user/list`` -> ``user_list``; reserved words get ``_method``."""
    name = '_'.join(url.strip('/').split('/')[1:])
    if keyword.iskeyword(name):
        return name + '_method'
    return name


def python_name(wire: str) -> str:
    """Python parameter name for an ordinary wire parameter."""
    return PYTHON_NAME_OVERRIDES.get(wire, wire)


def error_class(error_type: str) -> str:
    """``INVALID_HL7_FIELD`` -> ``InvalidHl7Field``."""
    return ''.join(part[:1].upper() + part[1:].lower() for part in error_type.split('_') if part)


def docstring_title(url: str) -> str:
    """``/user/password/lost`` -> ``Password lost.``."""
    words = url.strip('/').split('/')[1:]
    text = ' '.join(words)
    return text[:1].upper() + text[1:] + '.'


def model_class(table: str) -> str:
    """``Study_not_ready`` -> ``StudyNotReady``."""
    return ''.join(part[:1].upper() + part[1:] for part in table.split('_') if part)
