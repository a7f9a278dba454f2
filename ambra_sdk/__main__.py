"""``python -m ambra_sdk``: the ``ambra`` command line (needs the ``cli`` extra of this package)."""

import sys


def _main() -> None:
    try:
        from ambra_sdk.cli import main
    except ImportError as error:  # click is missing
        if error.name != 'click':
            raise
        sys.stderr.write("ambra: error: the command line needs the cli extra: pip install '.[cli]' in the ambra-sdk "
                         'checkout, or the built wheel with [cli] ({0})\n'.format(error))
        raise SystemExit(2) from None
    main()


if __name__ == '__main__':  # pragma: no branch
    _main()
