"""Render ``ambra_sdk/models/generated.py``, ``models.py`` and ``__init__.py``."""

from __future__ import annotations

from tools.codegen import HEADER
from tools.codegen.model_rules import PYTHON_TYPES, Model
from tools.codegen.pyrender import BUILTIN_NAMES, docstring, py_str

#: The 24 generated models that ``ambra_sdk.models`` does not re-export (spec §6.1).
NOT_REEXPORTED = frozenset(
    {
        'AiQuestion', 'Anonymization', 'DestinationDistributed', 'DictionaryRun', 'FilterTier',
        'NodePerformanceData', 'PerfEvent', 'Qctask', 'QctaskStudy', 'Query', 'QueryAttachment',
        'QueryRecipient', 'Scanner', 'ScannerValidated', 'Site', 'StudyCopy', 'StudyNotify',
        'StudyRequest', 'StudyRequestFound', 'StudySplit', 'StudyUpload', 'TrustedDevice',
        'UserAnalytics', 'UserSite',
    },
)


def _model_source(model: Model) -> list[str]:
    lines = ['', '', f'class {model.name}(BaseModel):']
    since = f' New in the data dictionary of {model.since}.' if model.since else ''
    lines += docstring([f'{model.name} (table ``{model.table}``).{since}'], '    ')
    lines.append('')
    for field in model.fields:
        if field.kind == 'FK':
            target = py_str(field.fk_target or '')
            lines.append(f'    {field.name} = FK(model={target}, description={py_str(field.description)})')
        else:
            lines.append(f'    {field.name} = {field.kind}(description={py_str(field.description)})')
    lines.append('')
    lines.append('    def __init__(')
    lines.append('        self,')
    lines.append('        *,')
    for field in model.fields:
        noqa = '  # noqa: A002' if field.name in BUILTIN_NAMES else ''
        lines.append(f'        {field.name}: Optional[{PYTHON_TYPES[field.kind]}] = None,{noqa}')
    lines.append('    ) -> None:')
    lines += docstring([f'Create a ``{model.name}``; every field is optional and keyword-only.'], '        ')
    for field in model.fields:
        lines.append(f'        self.{field.name} = {field.name}')
    return lines


def render_generated(models: list[Model]) -> str:
    """``ambra_sdk/models/generated.py``: one class per dictionary object."""
    lines = [
        HEADER,
        f'"""Models generated from the v3 data dictionaries ({len(models)} objects)."""',
        '',
        'from datetime import date, datetime',
        'from typing import Any, Dict, Optional',
        '',
        'from ambra_sdk.models.base import BaseModel',
        'from ambra_sdk.models.fields import FK, Boolean, Date, DateTime, DictField, Float, Integer, JsonB, String',
    ]
    for model in models:
        lines += _model_source(model)
    lines.append('')
    lines.append('')
    lines.append('__all__ = [')
    lines += [f'    {py_str(model.name)},' for model in models]
    lines.append(']')
    return '\n'.join(lines) + '\n'


def exported(models: list[Model]) -> list[Model]:
    """The models re-exported by ``ambra_sdk.models`` (all but the 24 of :data:`NOT_REEXPORTED`)."""
    return [model for model in models if model.name not in NOT_REEXPORTED]


def render_models_module(models: list[Model]) -> str:
    """``ambra_sdk/models/models.py``: the user-facing subclasses."""
    names = [model.name for model in exported(models)]
    lines = [
        HEADER,
        f'"""User-facing models: empty subclasses of the generated ones ({len(names)} of {len(models)})."""',
        '',
        'from ambra_sdk.models import generated',
    ]
    for name in names:
        lines += ['', '', f'class {name}(generated.{name}):', f'    """{name} model."""']
    lines += ['', '', '__all__ = [']
    lines += [f'    {py_str(name)},' for name in names]
    lines.append(']')
    return '\n'.join(lines) + '\n'


def render_models_init(models: list[Model]) -> str:
    """``ambra_sdk/models/__init__.py``."""
    names = sorted((model.name for model in exported(models)), key=lambda name: (name.lower(), name))
    lines = [
        HEADER,
        '"""Typed models for filters, sorting and ``only`` (see :mod:`ambra_sdk.models.base`).',
        '',
        'The 24 models that are not re-exported here live in :mod:`ambra_sdk.models.generated`.',
        '"""',
        '',
        'from ambra_sdk.models.models import (',
    ]
    lines += [f'    {name},' for name in names]
    lines += [')', '', '__all__ = [']
    lines += [f'    {py_str(name)},' for name in names]
    lines.append(']')
    return '\n'.join(lines) + '\n'
