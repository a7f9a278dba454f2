"""Assemble every generated file as ``{relative path: text}``."""

from __future__ import annotations

import json
from pathlib import Path

from tools.codegen.catalogue import build_catalogue
from tools.codegen.model_rules import build_models
from tools.codegen.naming import module_of
from tools.codegen.parse_api import parse_api
from tools.codegen.parse_dictionary import parse_dictionary
from tools.codegen.render_exceptions import render_exceptions
from tools.codegen.render_models import render_generated, render_models_init, render_models_module
from tools.codegen.render_namespaces import (
    HANDWRITTEN_USER_MODULES,
    group_by_namespace,
    render_entrypoints_init,
    render_generated_init,
    render_namespace,
    render_user_module,
)

SERVICE = 'ambra_sdk/service'
ENTRYPOINTS = f'{SERVICE}/entrypoints'
GENERATED = f'{ENTRYPOINTS}/generated'


def generate(api_html: str, dictionary_html: str) -> dict[str, str]:
    """Return every generated file keyed by its path relative to the repository root."""
    document = parse_api(api_html)
    catalogue = build_catalogue(document, api_html)
    files: dict[str, str] = {
        f'{SERVICE}/endpoints.json': json.dumps(catalogue, indent=1, ensure_ascii=False) + '\n',
        'ambra_sdk/exceptions/service.py': render_exceptions(catalogue),
    }
    groups = group_by_namespace(catalogue)
    for namespace, endpoints in groups.items():
        module = module_of(namespace)
        files[f'{GENERATED}/{module}.py'] = render_namespace(namespace, endpoints)
        if module not in HANDWRITTEN_USER_MODULES:
            files[f'{ENTRYPOINTS}/{module}.py'] = render_user_module(namespace)
    files[f'{GENERATED}/__init__.py'] = render_generated_init(list(groups))
    files[f'{ENTRYPOINTS}/__init__.py'] = render_entrypoints_init(list(groups))
    models = build_models(parse_dictionary(dictionary_html))
    files['ambra_sdk/models/generated.py'] = render_generated(models)
    files['ambra_sdk/models/models.py'] = render_models_module(models)
    files['ambra_sdk/models/__init__.py'] = render_models_init(models)
    return files


def stale_files(root: Path, files: dict[str, str]) -> list[str]:
    """Paths whose committed content differs from ``files`` (or extra generated modules)."""
    stale = []
    for path, text in sorted(files.items()):
        target = root / path
        if not target.is_file() or target.read_text(encoding='utf-8') != text:
            stale.append(path)
    generated_dir = root / GENERATED
    if generated_dir.is_dir():
        for extra in sorted(generated_dir.glob('*.py')):
            relative = extra.relative_to(root).as_posix()
            if relative not in files:
                stale.append(relative + ' (not generated)')
    return stale


def write_files(root: Path, files: dict[str, str]) -> list[str]:
    """Write the files that changed; return their paths."""
    changed = []
    for path, text in sorted(files.items()):
        target = root / path
        if target.is_file() and target.read_text(encoding='utf-8') == text:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding='utf-8')
        changed.append(path)
    return changed
