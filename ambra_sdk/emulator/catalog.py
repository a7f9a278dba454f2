"""Known field names per object (from the vendor data dictionary, LBL0022 v47.0).

Used to validate ``filter.*`` and ``sort_by`` fields; fields present in stored
rows are accepted as well.
"""

from __future__ import annotations

__all__ = ['FIELDS']

#: object name -> dictionary fields
FIELDS: dict[str, frozenset[str]] = {
    'study': frozenset(
        {
            'uuid', 'accession_number', 'account_id', 'attachment_count', 'callback_url',
            'compressed_size', 'created_for', 'customfields', 'destination_ae_title', 'engine_id',
            'image_count', 'integration_key', 'last_status_change', 'medical_record_locator',
            'modality', 'must_approve', 'node_id', 'patient_additional_history', 'patient_address',
            'patient_age', 'patient_birth_date', 'patient_birth_time', 'patient_birthname',
            'patient_comments', 'patient_current_location', 'patient_ethnic_group',
            'patient_institution_residence', 'patient_mother_birthname', 'patient_name',
            'patient_name_other', 'patient_occupation', 'patient_phone',
            'patient_religious_preference', 'patient_sex', 'patient_size', 'patient_weight',
            'patientid', 'patientid_other', 'phantom', 'phi_namespace', 'referring_physician',
            'seconds_to_ingest', 'shared_from', 'size', 'source', 'source_ae_title', 'status_timer',
            'storage_namespace', 'storage_state', 'study_date', 'study_description', 'study_status',
            'study_time', 'study_uid', 'thin', 'created', 'created_by', 'updated', 'updated_by',
        }
    ),
    'user': frozenset(
        {
            'uuid', 'access_token', 'allowed_login_brands', 'app_password', 'billing', 'blocked',
            'disabled', 'email', 'email_validation', 'event_approve', 'event_case_assignment',
            'event_harvest', 'event_incoming_study_request', 'event_link', 'event_link_mine',
            'event_message', 'event_new_report', 'event_query_add', 'event_query_edit',
            'event_query_reply', 'event_report_remove', 'event_share', 'event_status_change',
            'event_study_comment', 'event_thin_study_fail', 'event_thin_study_success',
            'event_upload', 'event_upload_fail', 'first', 'indicator_md5', 'last', 'last_login',
            'last_reset', 'mobile_phone', 'namespace_id', 'npi', 'oauth', 'password',
            'pin_required', 'privacy_md5', 'public_key', 'refresh_token', 'signature', 'support',
            'sysadmin', 'terms_md5', 'time_zone', 'token', 'ui_json', 'created', 'created_by',
            'updated', 'updated_by',
        }
    ),
    'account': frozenset(
        {
            'uuid', 'access_token', 'billing', 'can_request', 'css', 'customfields', 'fair_warning',
            'name', 'namespace_id', 'password_expire', 'radreport_mail_out_authorized', 'role_id',
            'saml', 'session_expire', 'settings', 'vanity_h', 'vendor', 'created', 'created_by',
            'updated', 'updated_by',
        }
    ),
    'namespace': frozenset(
        {
            'uuid', 'accelerator_id', 'account_id', 'anonymization_id', 'anonymize', 'archive',
            'cache', 'charge_description', 'coverpage', 'currency', 'event_approve',
            'event_case_assignment', 'event_harvest', 'event_incoming_study_request', 'event_link',
            'event_link_mine', 'event_message', 'event_new_report', 'event_node', 'event_query_add',
            'event_query_edit', 'event_query_reply', 'event_report_remove', 'event_share',
            'event_status_change', 'event_study_comment', 'event_thin_study_fail',
            'event_thin_study_success', 'event_upload', 'event_upload_fail', 'group_id',
            'harvest_hold', 'hl7_template', 'linkage_name', 'location_id', 'must_approve',
            'must_approve_harvest', 'must_approve_move', 'must_approve_upload', 'no_bill',
            'no_cluster_archive', 'no_share', 'prompt_for_anonymize', 'search_threshold',
            'second_opinion_config', 'second_opinion_share', 'settings', 'share_charge_by_modality',
            'share_code', 'share_customfields_pricing', 'share_description', 'share_pricing',
            'share_settings', 'share_via_gateway', 'study_defaults', 'sum_price_matches',
            'upload_hold', 'user_id', 'created', 'created_by', 'updated', 'updated_by',
        }
    ),
    'group': frozenset(
        {
            'uuid', 'account_id', 'customfields', 'name', 'namespace_id', 'role_id', 'site_id',
            'site_qualified', 'created', 'created_by', 'updated', 'updated_by',
        }
    ),
    'location': frozenset(
        {
            'uuid', 'account_id', 'customfields', 'name', 'namespace_id', 'role_id', 'created',
            'created_by', 'updated', 'updated_by',
        }
    ),
    'role': frozenset(
        {
            'uuid', 'account_id', 'description', 'for_account', 'for_group', 'for_location', 'name',
            'permissions', 'settings', 'type', 'created', 'created_by', 'updated', 'updated_by',
        }
    ),
    'customfield': frozenset(
        {
            'uuid', 'account_id', 'capture_on_destination_search', 'capture_on_share_code',
            'dicom_only', 'dicom_tag', 'dicom_tag_ignore_empty', 'display_order', 'field_flag',
            'has_macro', 'hl7_component', 'hl7_field', 'hl7_segment', 'load_dicom_tag',
            'load_from_sr', 'load_hl7', 'load_hl7_filter', 'load_order', 'name', 'object',
            'options', 'other_customfield_id', 'other_dicom_tags', 'required', 'type',
            'wrapped_dicom_only', 'created', 'created_by', 'updated', 'updated_by',
        }
    ),
    'link': frozenset(
        {
            'uuid', 'acceptance_required', 'account_id', 'action', 'anonymize', 'charge_amount',
            'charge_currency', 'charge_description', 'email', 'filter', 'include_priors',
            'max_hits', 'message', 'mfm_page', 'minutes_alive', 'mobile_phone', 'namespace_id',
            'notify', 'parameters', 'password', 'password_is_dob', 'password_max_attempts',
            'pin_auth', 'prompt_for_anonymize', 'referer', 'share_code', 'share_on_view',
            'skip_email_prompt', 'study_id', 'ui_json', 'upload_match', 'upload_study_customfields',
            'use_share_code', 'user_id', 'workflow', 'created', 'created_by', 'updated',
            'updated_by',
        }
    ),
}
