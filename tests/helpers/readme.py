"""The README's first Python example, as a reader copies it."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: The server URL the README's example names (a reader puts theirs there).
README_URL = 'https://ambrahealth_host/api/v3'


def readme_example(username: str = 'user@example.com', password: str = 'not-a-secret') -> str:
    """The README's first Python example, with the two names it leaves to the reader set first."""
    text = (ROOT / 'README.rst').read_text(encoding='utf-8')
    block = text.split('.. code-block:: python', 1)[1].split('\n\n', 1)[1]
    lines = []
    for line in block.splitlines():
        if line and not line.startswith('    '):
            break
        lines.append(line[4:])
    return 'username = {0!r}\npassword = {1!r}\n'.format(username, password) + '\n'.join(lines).strip() + '\n'
