"""``python -m ambra_sdk.emulator``: see :mod:`ambra_sdk.emulator.cli`."""

from .cli import main

if __name__ == '__main__':  # pragma: no branch
    raise SystemExit(main())
