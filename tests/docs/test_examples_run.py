"""Every Python example of the user guide pages runs: none hides in a plain literal block.

The quickstart, service, storage and addon pages promise that their examples
run as written against the emulator (``sphinx-build -b doctest``, see
``test_sphinx.py``). Their Python examples must therefore be ``testcode`` /
``doctest`` blocks. This test reads the pages and fails when one of them holds
a Python example in a ``::`` literal block or a ``code-block:: python``
directive, which Sphinx shows but never runs. Shell commands, output and other
non-Python text may stay literal.

Two explicit ways out, both reST comments (invisible in the built page):

* ``.. example-not-run: <reason>`` on the line(s) right before the block (or
  before the paragraph that ends in ``::``): a fragment that cannot run, with
  the reason;
* ``.. examples-run-by: <test file>`` anywhere in the page: that test file
  reads the page and runs its ``::`` examples itself (it must name the page and
  check that it runs every one; ``tests/storage/test_seed_examples.py`` does
  for ``storage_api.rst``). It does not cover ``code-block`` directives.
"""

import ast
import re
import textwrap
from pathlib import Path
from typing import Iterator, List, NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / 'docs' / 'source'
PAGES = (
    'quickstart.rst', 'service_api.rst', 'storage_api.rst', 'addon.rst', 'installation.rst', 'websocket.rst',
    'emulator.rst',
)

NOT_RUN = re.compile(r'^\s*\.\. example-not-run:\s*\S')
RUN_BY = re.compile(r'^\.\. examples-run-by:\s*(\S+)\s*$', re.MULTILINE)
DIRECTIVE = re.compile(r'^(\s*)\.\.\s+([\w:-]+)::(.*)$')
#: Directives whose content Sphinx runs (sphinx.ext.doctest).
EXECUTED = frozenset({'testcode', 'testoutput', 'testsetup', 'testcleanup', 'doctest'})
CODE_DIRECTIVES = frozenset({'code-block', 'code', 'sourcecode'})
PYTHON_LANGUAGES = frozenset({'', 'python', 'python3', 'py', 'py3', 'pycon', 'default'})
#: Statements that make a parsable block an example rather than data (a dict, a number...).
PYTHON_STATEMENTS = (
    ast.Import, ast.ImportFrom, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.While, ast.With,
    ast.Try, ast.If, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assert, ast.Raise, ast.Delete,
)
#: For blocks that do not parse (fragments): lines that read as Python.
PYTHON_LINE = re.compile(
    r'^(from\s+[\w.]+\s+import\s|import\s+\w|[a-z_][\w.]*(\[[^\]]*\])?\s*=\s*\S'
    r'|[A-Za-z_][\w.]*\(|(for|while|with|if|def|class)\s.*:$|try:$|>>>\s)',
)


class Block(NamedTuple):
    page: str
    line: int  # 1-based line of the ``::`` paragraph line or of the directive
    kind: str  # 'literal' or 'code-block'
    text: str
    opted_out: bool


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip())


def body_after(lines: List[str], start: int, indent: int) -> List[str]:
    """The lines after ``start`` that are blank or indented deeper than ``indent``."""
    body = []
    index = start + 1
    while index < len(lines) and (not lines[index].strip() or indent_of(lines[index]) > indent):
        body.append(lines[index])
        index += 1
    return body


def preceded_by_opt_out(lines: List[str], first: int) -> bool:
    """Whether the text right above line ``first`` (blank lines skipped) is an opt-out comment."""
    index = first - 1
    while index >= 0 and not lines[index].strip():
        index -= 1
    while index >= 0 and lines[index].strip() and not NOT_RUN.match(lines[index]):
        if not lines[index].startswith(' ') or lines[index].lstrip().startswith('..'):
            return False
        index -= 1  # the comment's continuation lines
    return index >= 0 and bool(NOT_RUN.match(lines[index]))


def paragraph_start(lines: List[str], index: int) -> int:
    while index > 0 and lines[index - 1].strip() and indent_of(lines[index - 1]) >= indent_of(lines[index]):
        index -= 1
    return index


def blocks_of(page: str, text: str) -> Iterator[Block]:
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        directive = DIRECTIVE.match(line)
        if directive:
            indent, name, argument = len(directive.group(1)), directive.group(2), directive.group(3).strip()
            body = body_after(lines, index, indent)
            if name in EXECUTED:
                index += 1 + len(body)
                continue
            if name in CODE_DIRECTIVES:
                content = [row for row in body if not row.strip().startswith(':')]
                if argument.lower() in PYTHON_LANGUAGES:
                    yield Block(page, index + 1, 'code-block', textwrap.dedent('\n'.join(content)).strip('\n'),
                                preceded_by_opt_out(lines, index))
                index += 1 + len(body)
                continue
            index += 1  # other directives (note, autoclass...): their content is read as text
            continue
        if line.lstrip().startswith('..'):  # a comment (or target): skip it and its indented lines
            index += 1 + len(body_after(lines, index, indent_of(line)))
            continue
        if line.rstrip().endswith('::'):
            body = body_after(lines, index, indent_of(line))
            yield Block(page, index + 1, 'literal', textwrap.dedent('\n'.join(body)).strip('\n'),
                        preceded_by_opt_out(lines, paragraph_start(lines, index)))
            index += 1 + len(body)
            continue
        index += 1


def looks_like_python(code: str) -> bool:
    """Imports, calls, assignments, loops...: not a shell command, output or data."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return any(PYTHON_LINE.match(row.strip()) for row in code.splitlines())
    for node in tree.body:
        if isinstance(node, PYTHON_STATEMENTS):
            return True
        if isinstance(node, ast.Expr) and isinstance(node.value, (ast.Call, ast.Attribute, ast.Subscript)):
            return True
    return False


def run_by(text: str) -> List[str]:
    return RUN_BY.findall(text)


def unexecuted(page: str, text: str) -> List[Block]:
    """The Python examples of ``text`` that nothing runs."""
    covered = bool(run_by(text))
    found = []
    for block in blocks_of(page, text):
        if block.opted_out or not looks_like_python(block.text):
            continue
        if block.kind == 'literal' and covered:
            continue
        found.append(block)
    return found


@pytest.mark.parametrize('page', PAGES)
def test_every_python_example_of_the_page_runs(page):
    text = (DOCS / page).read_text(encoding='utf-8')
    missed = unexecuted(page, text)
    assert not missed, 'Python examples that never run (make them testcode/doctest):\n' + '\n\n'.join(
        '{0}:{1} ({2}):\n{3}'.format(block.page, block.line, block.kind, block.text) for block in missed
    )


@pytest.mark.parametrize('page', PAGES)
def test_the_test_that_runs_a_pages_examples_reads_that_page(page):
    text = (DOCS / page).read_text(encoding='utf-8')
    for test_file in run_by(text):
        source = (ROOT / test_file).read_text(encoding='utf-8')
        assert page in source, '{0} does not read {1}'.format(test_file, page)


def test_the_pages_run_examples_at_all():
    for page in PAGES:
        text = (DOCS / page).read_text(encoding='utf-8')
        assert '.. testcode::' in text or '.. doctest::' in text, page


# --------------------------------------------------------------------- the checker itself

CHECKED = '''
Intro::

    from ambra_sdk.api import Api
    api = Api.with_sid(url, sid)

Shell::

    pip install '.[ws]'
    REQUESTS_CA_BUNDLE=/tmp/ca.pem python -m ambra_sdk.emulator --tls

Output::

    {"status": "OK"}

* a bullet whose example is a fragment::

    api.Study.add(..., customfield_param={uuid1: 'value 1'})

.. code-block:: python

    instance['00100010'].Value[0].Alphabetic

.. code-block:: bash

    ambra call /study/list

.. testcode::

    api.Study.list().first()

.. note::

   Inside a note::

       for row in api.Account.list().all():
           print(row.name)

.. example-not-run: needs a real PACS

This one is opted out::

    pacs.send(study)

.. example-not-run: a fragment

.. code-block:: python

    api.Study.set(...)
'''


def test_checker_finds_the_python_blocks_and_only_them():
    missed = unexecuted('page.rst', CHECKED)
    assert [(block.kind, block.text.splitlines()[0]) for block in missed] == [
        ('literal', 'from ambra_sdk.api import Api'),
        ('literal', "api.Study.add(..., customfield_param={uuid1: 'value 1'})"),
        ('code-block', "instance['00100010'].Value[0].Alphabetic"),
        ('literal', 'for row in api.Account.list().all():'),
    ]


def test_a_run_by_comment_covers_literal_blocks_only():
    text = '.. examples-run-by: tests/storage/test_seed_examples.py\n' + CHECKED
    assert [block.kind for block in unexecuted('page.rst', text)] == ['code-block']
