"""16 concurrent clients uploading and listing lose nothing and see no 5xx (shortened; full run in bench)."""

import os

import pytest

from tests.emulator.soak import run_soak

pytest.importorskip('pydicom')


def test_sixteen_clients_upload_and_list(emulator):
    emulator.reset()
    emulator.faults.clear()
    result = run_soak(emulator, seconds=float(os.environ.get('AMBRA_SOAK_SECONDS', '4')))
    assert result['uploads'] >= 16
    assert result['server_errors'] == 0, result['statuses']
    assert result['missing'] == [] and result['duplicated'] == []
    assert set(result['statuses']) <= {200, 202}, result['statuses']
