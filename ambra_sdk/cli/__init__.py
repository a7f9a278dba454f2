"""The ``ambra`` command line (the ``cli`` extra, see ``docs/source/installation.rst``), built on click.

``ambra --help`` lists the commands; ``docs/source/cli.rst`` documents them.
Nothing here is imported by :mod:`ambra_sdk.api`.
"""

from ambra_sdk.cli.app import cli, main

__all__ = ['cli', 'main']
