"""Command line: ``python -m tools.codegen [--check] [--api-html P ...] [--dictionary-html P ...]``.

The documents are given oldest first; the first service document is the 3.21.6 surface.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools.codegen.outputs import generate, stale_files, write_files

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_APIDOCS = ROOT.parent / 'shared' / 'apidocs'
#: The service documents, oldest first: LBL0022 v47.0 (3.21.6) and v55.0.
DEFAULT_API_HTMLS = [DEFAULT_APIDOCS / 'api.html', DEFAULT_APIDOCS / 'api_v55.html']
DEFAULT_DICTIONARY_HTMLS = [DEFAULT_APIDOCS / 'dictionary.html', DEFAULT_APIDOCS / 'dictionary_v55.html']


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='python -m tools.codegen', description=__doc__)
    parser.add_argument('--api-html', type=Path, nargs='+', default=DEFAULT_API_HTMLS)
    parser.add_argument('--dictionary-html', type=Path, nargs='+', default=DEFAULT_DICTIONARY_HTMLS)
    parser.add_argument('--root', type=Path, default=ROOT, help='repository root to write into')
    parser.add_argument('--check', action='store_true', help='exit 1 if the committed output is stale')
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the generator; return the exit status."""
    args = _parser().parse_args(argv)
    if len(args.api_html) != len(args.dictionary_html):
        print('give one --dictionary-html per --api-html, in the same order')
        return 2
    files = generate(
        [path.read_text(encoding='utf-8') for path in args.api_html],
        [path.read_text(encoding='utf-8') for path in args.dictionary_html],
    )
    if args.check:
        stale = stale_files(args.root, files)
        for path in stale:
            print(f'stale: {path}')
        if stale:
            print('Run `python -m tools.codegen` to regenerate.')
            return 1
        print(f'{len(files)} generated files are up to date.')
        return 0
    changed = write_files(args.root, files)
    print(f'{len(files)} files generated, {len(changed)} written.')
    return 0


if __name__ == '__main__':  # pragma: no cover
    sys.exit(main())
