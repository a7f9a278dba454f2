"""Dictionary column -> model field rules (service_spec §6.2, Appendix C)."""

from __future__ import annotations

from dataclasses import dataclass

from tools.codegen.naming import model_class
from tools.codegen.parse_dictionary import Column, DictObject

#: Dictionary type -> field class of ``ambra_sdk.models.fields``.
TYPE_MAP = {
    'citext': 'String',
    'char': 'String',
    'text': 'String',
    'memo': 'String',
    'uuid': 'String',
    'flag': 'Boolean',
    'flag_no_default': 'Boolean',
    'primary_key': 'Integer',
    'big_primary_key': 'Integer',
    'integer': 'Integer',
    'big_integer': 'Integer',
    'integer_no_default': 'Integer',
    'double': 'Float',
    'json': 'JsonB',
    'datetime': 'DateTime',
    'date': 'Date',
    'kv': 'DictField',
    'foreign_key': 'FK',
}

#: Python types used in the generated ``__init__`` annotations.
PYTHON_TYPES = {
    'String': 'str',
    'Boolean': 'bool',
    'Integer': 'int',
    'Float': 'float',
    'JsonB': 'bytes',
    'DateTime': 'datetime',
    'Date': 'date',
    'DictField': 'Dict[str, Any]',
    'FK': 'Any',
}

#: Column names that are Python keywords/builtins in the reference.
RENAMED_COLUMNS = {'global': 'global_field', 'type': 'type_field'}

#: Marker for foreign keys whose target is unknown: only the String field is made.
UNKNOWN = 'Unknown'

#: The fixed FK target table of the reference (Appendix C) for the columns where
#: "strip ``_id``, CamelCase" does not give the target.  Targets that do not
#: exist as models (Anonyimization (sic), Archive, SelfField, Task) are kept:
#: Appendix C wins (service_spec §6.3 quirk 9).
FK_TARGETS = {
    'anonymization_id': 'Anonyimization',
    'archive_cluster_id': 'Archive',
    'archive_study_id': 'Archive',
    'archive_vault_id': 'Archive',
    'asking_node': 'Node',
    'assigned_admin_id': 'User',
    'assigned_medical_id': 'User',
    'backup_cluster_id': 'Archive',
    'by_account_id': 'Account',
    'by_group_id': 'Group',
    'by_location_id': 'Location',
    'by_user_id': 'User',
    'copy_src_phi_namespace': 'Namespace',
    'copy_to': 'Namespace',
    'created_for': 'User',
    'distributing_destination_id': 'DestinationDistributed',
    'from_account_id': 'Account',
    'from_study_id': 'Study',
    'global_role_id': 'Role',
    'hl7_template_hl7_id': 'Hl7Template',
    'inbound_activity_id': 'Activity',
    'linked_destination': 'Destination',
    'linked_destination_id': 'Destination',
    'new_study_id': 'Study',
    'object_id': UNKNOWN,
    'other_customfield_id': 'Customfield',
    'outbound_activity_id': 'Activity',
    'owner_namespace_id': 'Namespace',
    'owner_user_id': 'User',
    'phi_namespace': 'Namespace',
    'proxy_id': 'User',
    'push_to': 'Destination',
    'qctask_id': 'Task',
    'shared_from': 'StudyShare',
    'sid_user_id': 'User',
    'storage_namespace': 'Namespace',
    'study_charge_id': UNKNOWN,
    'study_request_namespace_id': 'Namespace',
    'to_account_id': 'Account',
    'with_account_id': 'Account',
    'with_group_id': 'Group',
    'with_location_id': 'Location',
    'with_user_id': 'User',
    # columns the v55 dictionary adds
    'context_user_id': 'User',
    'created_study_id': 'Study',
    'from_customfield_id': 'Customfield',
    'site_management_account_id': 'Account',
    'study_storage_namespace': 'Namespace',
    'to_customfield_id': 'Customfield',
}

#: Self references: ``parent_id``/``child_id`` point to the owning model, except
#: these two that the reference points to the non-existent ``SelfField``.
SELF_REFERENCES = ('parent_id', 'child_id')
SELF_FIELD_TARGETS = {('Audit', 'parent_id'): 'SelfField', ('NamespaceChildren', 'child_id'): 'SelfField'}


@dataclass
class ModelField:
    """One generated field."""

    name: str
    kind: str
    description: str
    fk_target: str | None = None


@dataclass
class Model:
    """One generated model class."""

    name: str
    table: str
    fields: list[ModelField]
    #: The version of the dictionary that added the model (None: the first one).
    since: str | None = None


def fk_target(model: str, column: str) -> str:
    """Target model of a foreign-key column."""
    if column in SELF_REFERENCES:
        return SELF_FIELD_TARGETS.get((model, column), model)
    if column in FK_TARGETS:
        return FK_TARGETS[column]
    if column.endswith('_by'):
        return 'User'
    base = column[:-3] if column.endswith('_id') else column
    return model_class(base)


def _fields_of(model: str, column: Column, taken: set[str]) -> list[ModelField]:
    kind = TYPE_MAP[column.type]
    name = RENAMED_COLUMNS.get(column.name, column.name)
    if kind != 'FK':
        return [ModelField(name, kind, column.comment)]
    result = [ModelField(name, 'String', f'FK. {column.comment}')]
    target = fk_target(model, column.name)
    if target == UNKNOWN:
        return result
    stripped = column.name.replace('_id', '')
    if '_id' not in column.name or stripped in taken:
        stripped = column.name + '_obj'
    result.append(ModelField(stripped, 'FK', column.comment, target))
    return result


def build_models(objects: list[DictObject]) -> list[Model]:
    """Models in dictionary order, fields in column order."""
    models = []
    for obj in objects:
        name = model_class(obj.name)
        taken = {RENAMED_COLUMNS.get(c.name, c.name) for c in obj.columns}
        fields: list[ModelField] = []
        for column in obj.columns:
            fields.extend(_fields_of(name, column, taken))
        models.append(Model(name, obj.table, fields))
    return models
