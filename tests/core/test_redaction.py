"""No sid, password or patient value in log records, exception messages or reprs."""

import logging

import pytest
import requests

from ambra_sdk.api import Api
from ambra_sdk.clear_params import clear_params
from ambra_sdk.redact import redact_mapping, redact_text, register_secret


def test_redact_text_masks_sid_parameters():
    text = 'GET /api/v3/storage/study/x/schema?phi_namespace=1&sid=abcdef123456 HTTP/1.1'
    assert 'abcdef123456' not in redact_text(text)
    assert 'phi_namespace=1' in redact_text(text)


def test_registered_secrets_are_masked():
    register_secret('my-registered-secret-value')
    assert redact_text('x my-registered-secret-value y') == 'x *** y'


def test_redact_mapping_keeps_harmless_values():
    params = {
        'uuid': 'u-1', 'study_uid': '1.2.3', 'page.rows': 5, 'new_password': 'p4ss-word',
        'account_password': 'x-secret', 'patient_name': 'DOE^JOHN', 'email': 'john@example.com',
        'sid': 'abc', 'token': 'tkn', 'filter.patient_name.equals': 'DOE^JOHN',
    }
    redacted = redact_mapping(params)
    assert redacted['uuid'] == 'u-1' and redacted['study_uid'] == '1.2.3' and redacted['page.rows'] == 5
    for key in ('new_password', 'account_password', 'patient_name', 'email', 'sid', 'token',
                'filter.patient_name.equals'):
        assert redacted[key] == '***', key


def test_clear_params_drops_reference_keys():
    assert clear_params({'sid': 1, 'login': 2, 'password': 3, 'username': 4, 'uuid': 'u'}) == {'uuid': 'u'}
    assert clear_params(None) == {}


def _all_text(records):
    texts = []
    for record in records:
        texts.append(record.getMessage())
        if record.exc_info and record.exc_info[1] is not None:
            texts.append(str(record.exc_info[1]))
    return '\n'.join(texts)


def test_no_secret_in_logs_at_debug(emulator, caplog):
    emulator.reset()
    caplog.set_level(logging.DEBUG)
    api = emulator.api(rate_limits=None)
    user = api.Session.user().get()
    sid = api.sid
    api.Study.list().all()[0:1]
    # a storage call whose URL carries ?sid=, with a retry warning from urllib3
    emulator.faults.add('/storage/*', status=503, times=1)
    url = api.storage_base_url.format(engine_fqdn=emulator.engine_fqdn) + '/study/{0}/x/count'.format(
        user.namespace_id,
    )
    api.storage_get(url, True, params={})
    text = _all_text(caplog.records)
    assert 'urllib3' in {record.name.split('.')[0] for record in caplog.records}
    assert sid not in text
    assert emulator.password not in text
    for record in caplog.records:
        assert sid not in repr(record.args)


def test_no_secret_in_exception_of_failed_login(emulator):
    api = Api.with_creds(emulator.url, emulator.username, 'wrong-password-value', rate_limits=None)
    with pytest.raises(Exception) as info:  # noqa: B017 - any SDK error, checked below
        api.Session.user().get()
    assert 'wrong-password-value' not in str(info.value)
    assert 'wrong-password-value' not in repr(info.value)


def test_no_sid_in_exception_of_unreachable_storage():
    api = Api.with_sid('http://127.0.0.1:9/api/v3', 'sid-unreachable-secret', timeout=(1, 1))
    api.storage_retry_params.update(total=0, connect=0)
    with pytest.raises(requests.exceptions.ConnectionError) as info:
        api.storage_get('http://127.0.0.1:9/api/v3/storage/x', True, params={})
    assert 'sid-unreachable-secret' not in str(info.value)


def test_pydicom_warnings_lose_the_values_they_quote(caplog):
    import logging

    from ambra_sdk.redact import DicomValueFilter

    logger = logging.getLogger('pydicom.test-redaction')
    logger.addFilter(DicomValueFilter())
    with caplog.at_level(logging.WARNING, logger='pydicom.test-redaction'):
        logger.warning("Invalid value for VR PN: 'Doe^Jane'. Please see <https://dicom.nema.org/x> for values")
        logger.warning('The value length (70) exceeds the maximum. Invalid value for VR UI: %r', 'Doe^Jane 1.2')
        logger.warning("Unknown encoding 'ISO_IR' - using default encoding instead")
    messages = [record.getMessage() for record in caplog.records]
    assert not any('Doe^Jane' in message for message in messages)
    assert messages[0] == 'Invalid value for VR PN: ***. Please see <https://dicom.nema.org/x> for values'
    assert messages[1].endswith('Invalid value for VR UI: ***')
    assert messages[2] == "Unknown encoding 'ISO_IR' - using default encoding instead"
