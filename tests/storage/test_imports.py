"""Importing the storage side stays light."""

import subprocess
import sys


def test_storage_import_does_not_load_heavy_modules():
    code = (
        'import sys\n'
        'import ambra_sdk.storage, ambra_sdk.storage.storage, ambra_sdk.storage.download\n'
        'import ambra_sdk.exceptions.storage\n'
        'heavy = [m for m in ("pydicom", "tqdm", "werkzeug", "aiohttp") if m in sys.modules]\n'
        'print(",".join(heavy))\n'
    )
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ''
