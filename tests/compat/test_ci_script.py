"""Issue 25.7: ``.ci/run``'s Python 3.9/3.13 step fails (never skips, never hangs) when a run cannot finish."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

CI_RUN = Path(__file__).resolve().parents[2] / '.ci' / 'run'


@pytest.mark.skipif(shutil.which('bash') is None, reason='bash is not installed')
def test_ci_run_is_valid_bash():
    subprocess.run(['bash', '-n', str(CI_RUN)], check=True, timeout=30)


def test_each_python_run_is_bounded_and_killed_when_it_ignores_sigterm():
    text = CI_RUN.read_text()
    bounded = re.findall(r'timeout\s+(-k\s+\d+\s+)?"\$PYTHON_SECONDS"', text)
    assert bounded == ['-k 60 '], 'the pytest run of step 3 needs timeout -k (a TERM-proof run must not hang CI)'
    assert '"$status" -eq 124 ] || [ "$status" -eq 137 ]' in text  # TERM'd or KILLed: both fail


def test_only_an_absent_interpreter_is_skipped():
    text = CI_RUN.read_text()
    assert text.count('skipping') == 1
    skip = text.index('skipping')
    assert 'if [ -z "$interpreter" ]; then' in text[text.rindex('\n', 0, skip) - 80:skip]
    assert 'return "$failed"' in text
