"""Assemble every generated file as ``{relative path: text}``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tools.codegen.catalogue import build_catalogue
from tools.codegen.merge import merge_catalogues, version_key
from tools.codegen.model_merge import merge_models
from tools.codegen.model_rules import build_models
from tools.codegen.naming import module_of
from tools.codegen.parse_api import parse_api
from tools.codegen.parse_dictionary import parse_dictionary
from tools.codegen.render_exceptions import render_added_exceptions, render_exceptions
from tools.codegen.render_models import render_generated, render_models_init, render_models_module
from tools.codegen.render_namespaces import (
    HANDWRITTEN_USER_MODULES,
    group_by_namespace,
    render_entrypoints_init,
    render_generated_init,
    render_namespace,
    render_user_module,
)
from tools.codegen.render_reference import render_reference
from tools.codegen.render_union import render_union_init, render_union_namespace

SERVICE = 'ambra_sdk/service'
ENTRYPOINTS = f'{SERVICE}/entrypoints'
GENERATED = f'{ENTRYPOINTS}/generated'
UNION = f'{ENTRYPOINTS}/union'
#: Directories holding only generated modules (a module the generator no longer writes is stale).
GENERATED_DIRS = (GENERATED, UNION)
REFERENCE_PAGE = 'docs/source/service_reference.rst'


def _catalogues(api_htmls: list[str]) -> dict[str, dict[str, Any]]:
    catalogues = {}
    for source in api_htmls:
        document = parse_api(source)
        catalogues[version_key(document.version)] = build_catalogue(document, source)
    return catalogues


def generate(api_htmls: list[str], dictionary_htmls: list[str]) -> dict[str, str]:
    """Return every generated file keyed by its path relative to the repository root.

    :param api_htmls: the service documents, oldest first (the first one is the 3.21.6 surface).
    :param dictionary_htmls: the data dictionaries next to them, in the same order.
    """
    catalogues = _catalogues(api_htmls)
    catalogue = next(iter(catalogues.values()))
    union = merge_catalogues(catalogues)
    files: dict[str, str] = {
        f'{SERVICE}/endpoints.json': json.dumps(union, indent=1, ensure_ascii=False) + '\n',
        'ambra_sdk/exceptions/service.py': render_exceptions(catalogue, union),
        'ambra_sdk/exceptions/service_added.py': render_added_exceptions(catalogue, union),
    }
    first = next(iter(catalogues))
    union_groups = group_by_namespace(union)
    for namespace, endpoints in union_groups.items():
        files[f'{UNION}/{module_of(namespace)}.py'] = render_union_namespace(namespace, endpoints, first)
    files[f'{UNION}/__init__.py'] = render_union_init(list(union_groups))
    files[REFERENCE_PAGE] = render_reference(union, union_groups)
    groups = group_by_namespace(catalogue)
    for namespace, endpoints in groups.items():
        module = module_of(namespace)
        files[f'{GENERATED}/{module}.py'] = render_namespace(namespace, endpoints)
        if module not in HANDWRITTEN_USER_MODULES:
            files[f'{ENTRYPOINTS}/{module}.py'] = render_user_module(namespace)
    files[f'{GENERATED}/__init__.py'] = render_generated_init(list(groups))
    files[f'{ENTRYPOINTS}/__init__.py'] = render_entrypoints_init(list(groups))
    versions = list(catalogues)
    models = merge_models(
        {version: build_models(parse_dictionary(source)) for version, source in zip(versions, dictionary_htmls)},
        union['documents'],
    )
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
    for directory in GENERATED_DIRS:
        generated_dir = root / directory
        if not generated_dir.is_dir():
            continue
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
