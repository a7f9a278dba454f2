"""The README tells a newcomer what the demo tells them (issue 25.6).

Its two first commands are the demo and the test suite; its "Next steps" are the demo's
``NEXT_STEPS``, in the same order, naming the same commands and pages. (Its Python example runs
against ``--seed`` in ``tests/emulator/test_seed_end_to_end.py``.)
"""

import re
from pathlib import Path
from typing import List

from ambra_sdk.emulator.demo import NEXT_STEPS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / 'README.rst').read_text(encoding='utf-8')
#: What each step must name, in the demo and in the README alike.
STEP_FACTS = (
    ('ambra --help', 'cli', 'ambra emulator --seed', 'study list'),
    ('emulator', 'api', 'pytest fixtures', 'docs/source/emulator.rst', 'In your own pytest suite'),
    ('docs/source/quickstart.rst', "pip install -e '.[docs]' && sphinx-build docs/source docs/_build/html"),
)


def _flat(text: str) -> str:
    return re.sub(r'\s+', ' ', text.replace('``', ''))


def readme_steps() -> List[str]:
    section = README.split('\nNext steps\n', 1)[1].split('\n----', 1)[0]
    items = re.split(r'^\d\. ', section, flags=re.MULTILINE)[1:]
    return [_flat(item) for item in items]


def demo_steps() -> List[str]:
    text = '\n'.join(NEXT_STEPS[1:])
    return [_flat(item) for item in re.split(r'^\s+\d\. ', text, flags=re.MULTILINE)[1:]]


def test_the_readme_commands_come_first():
    commands = re.findall(r'^    (pip install .*)$', README, re.MULTILINE)
    assert commands[:2] == [
        "pip install -e '.[emulator]' && python -m ambra_sdk.emulator --demo",
        "pip install -e '.[test]' && python -m pytest -n auto",
    ]


def test_the_readme_next_steps_are_the_demos():
    readme, demo = readme_steps(), demo_steps()
    assert len(readme) == len(demo) == len(STEP_FACTS) == 3, (readme, demo)
    for readme_step, demo_step, facts in zip(readme, demo, STEP_FACTS):
        for fact in facts:
            assert fact in readme_step and fact in demo_step, (fact, readme_step, demo_step)
