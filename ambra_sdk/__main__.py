"""``python -m ambra_sdk`` and the ``ambra`` console script: the command line (the ``cli`` extra).

Nothing optional is imported before :func:`main` runs, so a base install prints how to add the
extra (one line, exit code 2) instead of a traceback.
"""

import sys

from ambra_sdk.extras import missing_extra_message

#: modules of the ``cli`` extra; an ImportError naming another module is a real bug and propagates
CLI_EXTRA_MODULES = frozenset({'click', 'tqdm'})


def main() -> None:
    """Run the ``ambra`` command line, or say how to install it."""
    try:
        from ambra_sdk.cli import main as cli_main
    except ImportError as error:
        if (error.name or '').split('.')[0] not in CLI_EXTRA_MODULES:
            raise
        sys.stderr.write('ambra: error: {0}\n'.format(missing_extra_message('cli', 'the command line', error.name)))
        raise SystemExit(2) from None
    cli_main()


#: the name this function had (tests and scripts may call it)
_main = main

if __name__ == '__main__':  # pragma: no branch
    main()
