"""The README's demo command runs and tells the story."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_demo_command():
    result = subprocess.run(
        [sys.executable, '-m', 'ambra_sdk.emulator', '--demo'],
        capture_output=True, text=True, timeout=300, cwd=str(ROOT),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for expected in ('Logged in as admin@example.com', 'Uploaded CT_small.dcm', 'Processed: the study is in the service API',
                     'Service sees the study',
                     'Manufacturer: GE MEDICAL SYSTEMS', '7 file meta tags', 'Logged out. Done.'):
        assert expected in out, out
    assert 'emulator-Passw0rd' not in out
