"""Smoke test of an installed ambra-sdk (run from outside the source tree by .ci/run)."""

import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import ambra_sdk
from ambra_sdk.api import Api
from ambra_sdk.emulator import Emulator

TREE = Path(sys.argv[1]).resolve()
location = Path(ambra_sdk.__file__).resolve()
assert TREE not in location.parents, 'imported from the source tree: {}'.format(location)
assert (location.parent / 'py.typed').exists(), 'py.typed is missing'
assert (location.parent / 'service' / 'endpoints.json').exists(), 'endpoints.json is missing'

# issue 25.1: the metadata describe this project, and the version outranks the published SDK's
meta = metadata.metadata('ambra-sdk')
assert meta['Version'].startswith('1!'), meta['Version']
urls = (meta.get_all('Project-URL') or []) + (meta.get_all('Home-page') or [])
assert not any('dicomgrid' in url.lower() for url in urls), 'metadata names the published project: {0}'.format(urls)
assert 'Ambra Health' not in str(meta.get('Author', '')) + str(meta.get('Author-email', ''))
assert 'Development Status :: 5 - Production/Stable' not in (meta.get_all('Classifier') or [])
assert 'all' in (meta.get_all('Provides-Extra') or [])

# issue 25.2: the console script without the cli extra prints how to install it, exit code 2
script = Path(sys.executable).parent / 'ambra'
assert script.exists(), 'no ambra console script'
result = subprocess.run([str(script), '--version'], capture_output=True, text=True, timeout=60)
assert result.returncode == 2, (result.returncode, result.stderr)
assert 'Traceback' not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
assert "'cli' extra" in result.stderr and 'pip install' in result.stderr, result.stderr
assert "'ambra-sdk[" not in result.stderr, 'the hint would install the published SDK'

with Emulator() as emulator:
    api = emulator.api()
    assert api.Session.user().get().email == emulator.username
    assert isinstance(api, Api)

readme = (TREE / 'README.rst').read_text(encoding='utf-8')
block = readme.split('.. code-block:: python', 1)[1].split('\n\n', 1)[1]
lines = []
for line in block.splitlines():
    if line and not line.startswith('    '):
        break
    lines.append(line[4:])
with tempfile.TemporaryDirectory() as tmp:
    script = Path(tmp) / 'readme_example.py'
    script.write_text("username = 'u'\npassword = 'p'\n" + '\n'.join(lines), encoding='utf-8')
    result = subprocess.run(
        [sys.executable, '-m', 'mypy', '--strict', '--cache-dir', str(Path(tmp) / 'cache'), str(script)],
        cwd=tmp, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
print('smoke test passed: ambra-sdk {} from {}'.format(ambra_sdk.__version__, location.parent))
