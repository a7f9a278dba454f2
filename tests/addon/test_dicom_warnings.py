"""pydicom's warnings quote the values of malformed elements: wherever the SDK reads DICOM they show masked."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings

import pydicom
import pytest

from ambra_sdk.redact import redact_dicom_values
from tests.helpers.dicoms import MALFORMED_VALUE, write_malformed_dicoms
from tests.helpers.processes import child_env
from tests.helpers.secret_guard import register_phi

#: What a program using the SDK does: 8 threads probing the file (as the upload workers do),
#: a plain pydicom read, logging on, and a warning of its own that looks like pydicom's.
_PROGRAM = textwrap.dedent('''
    import logging, sys, threading, warnings
    import pydicom
    from pydicom import config
    from ambra_sdk.addon.dicom_io import read_header

    logging.basicConfig(level=logging.WARNING, format='LOG %(name)s: %(message)s')
    mode = config.settings.reading_validation_mode
    warnings.simplefilter('always')  # every warning, not only the first of its text
    filters = list(warnings.filters)

    def probe():
        str(read_header(sys.argv[1]).SeriesInstanceUID)

    threads = [threading.Thread(target=probe) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    plain = pydicom.dcmread(sys.argv[1])
    str(plain.SeriesInstanceUID), str(plain.PatientName)
    warnings.warn('mine: Invalid value for VR UI: kept-as-is')
    assert config.settings.reading_validation_mode == mode, 'pydicom configuration changed'
    assert list(warnings.filters) == filters, 'warnings filters changed'
    print('done')
''')


@pytest.fixture
def malformed(tmp_path):
    register_phi(MALFORMED_VALUE)
    return write_malformed_dicoms(tmp_path / 'malformed', 1)[0]


def test_a_program_sees_pydicom_warnings_without_the_values(malformed):
    done = subprocess.run([sys.executable, '-c', _PROGRAM, str(malformed)], capture_output=True, text=True,
                          env=child_env(), timeout=120)
    assert done.returncode == 0 and done.stdout == 'done\n', done.stderr
    assert MALFORMED_VALUE not in done.stderr
    shown = [line for line in done.stderr.splitlines() if 'UserWarning: Invalid value for VR UI: ***. Please see' in line]
    assert len(shown) == 9, done.stderr  # the warning still shows, masked: 8 threads + the plain read
    # pydicom 3 also logs it (warn_and_log); pydicom 2 (the Python 3.9 run) only warns
    logged = 9 if int(pydicom.__version__.split('.')[0]) >= 3 else 0
    assert done.stderr.count('LOG pydicom: Invalid value for VR UI: ***. Please see') == logged  # its log record
    assert 'UserWarning: The PN component length (100) exceeds' in done.stderr  # other pydicom warnings as they were
    assert 'UserWarning: mine: Invalid value for VR UI: kept-as-is' in done.stderr  # not pydicom's: untouched


def test_upload_and_emulator_read_keep_the_value_out(api, namespace_id, malformed):
    """The addon probe and the emulator's storage both read the file; warnings, logs and errors are clean.

    The secret guard (tests/conftest.py) checks the log records and the SDK's exceptions.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        try:
            api.Addon.Dicom.upload_from_path(dicom_path=malformed, namespace_id=namespace_id)
        except Exception as error:  # noqa: BLE001 - the emulator refuses a UID that is not one
            assert MALFORMED_VALUE not in str(error)
    from_pydicom = [item for item in caught if 'pydicom' in item.filename]
    assert any('Invalid value for VR UI' in str(item.message) for item in from_pydicom)
    for item in from_pydicom:  # how Python, logging.captureWarnings and test runners show them
        shown = warnings.formatwarning(item.message, item.category, item.filename, item.lineno, item.line)
        assert MALFORMED_VALUE not in shown


def test_the_emulator_process_shows_the_warning_without_the_value(malformed):
    """``python -m ambra_sdk.emulator`` reads an upload with pydicom: its stderr has the warning, masked."""
    from ambra_sdk.api import Api
    from ambra_sdk.exceptions.storage import StorageResponseException
    from tests.helpers.emulator_process import banner, start, stop

    proc = start()
    try:
        info = banner(proc)
        api = Api.with_creds(info['url'], info['username'], info['password'], rate_limits=None,
                             storage_base_url=info['storage_base_url'])
        namespace_id = api.Session.user().get().namespace_id
        with pytest.raises(StorageResponseException) as refused:  # a Series UID that is not one: 412
            api.Addon.Dicom.upload_from_path(dicom_path=malformed, namespace_id=namespace_id)
        assert MALFORMED_VALUE not in str(refused.value)
        api.logout()
    finally:
        assert stop(proc) == 0
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    assert 'UserWarning: Invalid value for VR UI: ***. Please see' in stderr, stderr
    assert MALFORMED_VALUE not in stderr


@pytest.mark.parametrize(('message', 'masked'), [
    ("Invalid value for VR UI: '1.2.x'. Please see <https://x> for allowed values for each VR.",
     'Invalid value for VR UI: ***. Please see <https://x> for allowed values for each VR.'),
    ("Invalid value for VR UI: 'a. Please see <b'. Please see <https://x> for allowed values",
     'Invalid value for VR UI: ***. Please see <https://x> for allowed values'),
    ('Invalid value for VR UI: \'no suffix\'', 'Invalid value for VR UI: ***'),
    ('Value "1e5x" is not valid for elements with a VR of DS', 'Value "***" is not valid for elements with a VR of DS'),
    ("Invalid value 'Doe' for AT element - ignoring it", "Invalid value '***' for AT element - ignoring it"),
    ("Unable to convert non-conformant value 'Doe' to 'DT' object", "Unable to convert non-conformant value '***' "
     "to 'DT' object"),
    ('The PN component length (100) exceeds the maximum allowed length of 64.',
     'The PN component length (100) exceeds the maximum allowed length of 64.'),
])
def test_the_quoted_values_are_masked(message, masked):
    assert redact_dicom_values(message) == masked
