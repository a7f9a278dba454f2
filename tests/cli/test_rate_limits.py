"""Client-side rate limits: the reference's defaults against a real server, none against the emulator."""

from __future__ import annotations

import time

import pytest
import requests

from ambra_sdk.api import Api
from ambra_sdk.api.base_api import DEFAULT_RATE_LIMITS, RateLimit, RateLimits
from ambra_sdk.emulator import EMULATOR_HEADER


def test_the_sdk_default_stays_the_references():
    api = Api.with_creds('https://access.dicomgrid.com/api/v3', 'someone', 'Xq-7-rate-pw')
    assert api.rate_limits == DEFAULT_RATE_LIMITS
    assert DEFAULT_RATE_LIMITS.call_period('/study/set') == 0.5 and DEFAULT_RATE_LIMITS.call_period('/study/get') == 0.2


def test_emulator_api_and_the_fixture_have_no_limits_unless_asked(emulator, api):
    assert api.rate_limits is None
    assert emulator.api().rate_limits is None
    mine = RateLimits(default=RateLimit(3, 1), get_limit=None, special=None)
    assert emulator.api(rate_limits=mine).rate_limits == mine


def test_every_emulator_answer_says_it_is_the_emulator(emulator):
    assert EMULATOR_HEADER in requests.post(emulator.url + '/session/user', timeout=10).headers  # a 401 too
    assert EMULATOR_HEADER in requests.get(emulator.url.replace('/api/v3', '/nowhere'), timeout=10).headers


def _context(rate_limits):
    from ambra_sdk.cli.context import CliContext

    return CliContext(None, None, None, None, rate_limits, False, False)


@pytest.mark.parametrize('flag, expected', [(None, None), (True, DEFAULT_RATE_LIMITS), (False, None)])
def test_the_cli_drops_the_limits_when_the_server_answers_as_the_emulator(with_password, flag, expected):
    context = _context(flag)
    assert context.api.rate_limits == (None if flag is False else DEFAULT_RATE_LIMITS)
    started = time.monotonic()
    for _ in range(4):
        context.api.Session.user().get()
    assert context.api.rate_limits == expected
    if expected is None:
        assert time.monotonic() - started < 1.5  # 4 calls at 2/s would take 1.5 s at least
    context.close()


def test_the_cli_keeps_the_limits_when_the_server_does_not_say_so(with_password, monkeypatch):
    import ambra_sdk.emulator.app as app

    monkeypatch.setattr(app, '_MARK', ('X-Something-Else', '1'))  # a server that is not the emulator
    context = _context(None)
    started = time.monotonic()
    for _ in range(4):
        context.api.Session.user().get()
    assert context.api.rate_limits == DEFAULT_RATE_LIMITS
    assert time.monotonic() - started >= 1.4  # 2 calls/s after the login: paced
    context.close()


def test_the_cli_run_against_the_emulator_is_not_paced(ambra, with_password):
    started = time.monotonic()
    result = ambra('call', 'Session', 'user', rate_limits=True)  # no flag: the default
    assert result.exit_code == 0, result
    assert time.monotonic() - started < 5
