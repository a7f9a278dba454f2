"""The ``ambra`` command line (the ``cli`` extra: ``pip install '.[cli]'`` in the checkout), built on click.

``ambra --help`` lists the commands; ``docs/source/cli.rst`` documents them.
Nothing here is imported by :mod:`ambra_sdk.api`.
"""

from ambra_sdk.cli.app import cli, main

__all__ = ['cli', 'main']
