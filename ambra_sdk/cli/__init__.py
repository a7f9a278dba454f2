"""The ``ambra`` command line (``pip install 'ambra-sdk[cli]'``), built on click.

``ambra --help`` lists the commands; ``docs/source/cli.rst`` documents them.
Nothing here is imported by :mod:`ambra_sdk.api`.
"""

from ambra_sdk.cli.app import cli, main

__all__ = ['cli', 'main']
