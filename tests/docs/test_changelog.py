"""Issue 25.6: the CHANGELOG covers every feature a user meets (one line per area at least)."""

from pathlib import Path

import pytest

CHANGELOG = (Path(__file__).resolve().parents[2] / 'CHANGELOG.rst').read_text(encoding='utf-8')


@pytest.mark.parametrize('mention', [
    'The ``ambra`` command line',      # the CLI
    'WSManager',                       # the websocket channel
    'api.bundle()',                    # bundled calls
    'multipart',                       # chunked uploads
    'ambra_sdk.emulator',              # the emulator
    'epoch',                           # the version scheme (installation)
])
def test_changelog_mentions(mention):
    assert mention in CHANGELOG
