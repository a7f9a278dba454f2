"""The models of several data dictionaries, oldest first: a model or field present in any exists.

Fields keep the first dictionary's order; fields a later dictionary adds follow, and models
it adds follow the others. A field's description is that of its first dictionary, with a
note when a later dictionary added it or no longer has it (the field stays).
"""

from __future__ import annotations

from dataclasses import replace

from tools.codegen.model_rules import Model, ModelField


def _note(field: ModelField, text: str) -> ModelField:
    description = field.description.rstrip()
    separator = ' ' if description else ''
    return replace(field, description=f'{description}{separator}({text})')


def merge_models(models: dict[str, list[Model]], documents: dict[str, str]) -> list[Model]:
    """Union of ``{version: models}`` (oldest first); ``documents`` names each version's service document."""
    versions = list(models)
    fields: dict[str, dict[str, tuple[str, ModelField]]] = {}  # model -> field -> (since, field)
    first_seen: dict[str, Model] = {}
    for version in versions:
        for model in models[version]:
            first_seen.setdefault(model.name, replace(model, since=None if version == versions[0] else version))
            known = fields.setdefault(model.name, {})
            for field in model.fields:
                known.setdefault(field.name, (version, field))
    present = {version: {(m.name, f.name) for m in models[version] for f in m.fields} for version in versions}
    result = []
    for name, model in first_seen.items():
        merged = []
        for field_name, (since, field) in fields[name].items():
            if since != versions[0] and model.since is None:
                field = _note(field, f'new in {documents[since]}')
            later = versions[versions.index(since) + 1:]
            dropped = next((v for v in later if (name, field_name) not in present[v]), None)
            if dropped is not None:
                field = _note(field, f'dropped in {documents[dropped]}; kept')
            merged.append(field)
        result.append(replace(model, fields=merged))
    return result
