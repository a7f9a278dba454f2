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
    # issue 25.6: the demo ends with the next three things to try
    tail = out.strip().splitlines()[-7:]
    assert tail[0] == 'Next, try:' and 'ambra --help' in tail[1] and 'pytest fixtures' in tail[3], tail
    assert 'docs' in tail[5]
    assert 'emulator-Passw0rd' not in out
