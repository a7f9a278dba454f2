"""Issue 25.1/25.2: the built wheel, installed in a fresh virtual environment, is this project.

Builds the wheel from the checkout (``pip wheel --no-deps``, its build backend from the index), installs it with
``--no-deps`` into a new venv (so the ``cli`` extra is absent, as on a base install) and checks:
the metadata (epoch version, no address of the published SDK, not "Production/Stable", the
``all`` extra), and the ``ambra`` console script printing the one-line install hint, exit 2.
``.ci/run`` does the same for the wheel ``python -m build`` makes, with the dependencies.
"""

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

METADATA = (
    "import json\n"
    "from importlib import metadata\n"
    "meta = metadata.metadata('ambra-sdk')\n"
    "print(json.dumps({'version': meta['Version'], 'urls': meta.get_all('Project-URL') or [],\n"
    "                  'classifiers': meta.get_all('Classifier') or [], 'author': meta.get('Author-email') or\n"
    "                  meta.get('Author') or '', 'extras': meta.get_all('Provides-Extra') or []}))\n"
)


@pytest.mark.slow
def test_the_wheel_in_a_fresh_venv_is_this_project(tmp_path):
    wheels = tmp_path / 'wheels'
    subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--no-deps', '-q', '-w', str(wheels), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = wheels.glob('ambra_sdk-*.whl')
    assert wheel.name.startswith('ambra_sdk-1!3.21.6.0.post1-'), wheel.name
    env_dir = tmp_path / 'venv'
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / 'bin' / 'python'
    clean_env = {'PATH': '/usr/bin:/bin', 'HOME': str(tmp_path)}  # no PYTHONPATH: the venv's own packages only
    subprocess.run([str(python), '-m', 'pip', 'install', '-q', '--no-deps', '--no-index', str(wheel)],
                   check=True, capture_output=True, timeout=300, env=clean_env, cwd=str(tmp_path))
    found = subprocess.run([str(python), '-c', METADATA], capture_output=True, text=True, cwd=str(tmp_path),
                           env=clean_env, timeout=60)
    assert found.returncode == 0, found.stderr
    meta = json.loads(found.stdout)
    assert meta['version'] == '1!3.21.6.0.post1'
    assert not any('dicomgrid' in url.lower() for url in meta['urls'])
    assert 'Development Status :: 5 - Production/Stable' not in meta['classifiers']
    assert 'Ambra Health' not in meta['author']
    assert {'all', 'cli', 'emulator', 'ws'} <= set(meta['extras'])

    result = subprocess.run([str(env_dir / 'bin' / 'ambra'), '--version'], capture_output=True, text=True,
                            cwd=str(tmp_path), env=clean_env, timeout=60)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and 'Traceback' not in result.stderr, result.stderr
    assert "the command line needs the 'cli' extra: pip install" in lines[0]
    assert "'ambra-sdk[" not in lines[0]  # never the published SDK of the same name
