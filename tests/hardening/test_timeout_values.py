"""Issue 14, point 8: timeouts are finite and at most ``MAX_TIMEOUT``."""

import math

import pytest

from ambra_sdk.api import Api
from ambra_sdk.api.transport import MAX_TIMEOUT, validate_timeout
from tests.hardening.conftest import make_api
from tests.hardening.servers import SID, Reply

BAD = [float('inf'), float('nan'), 1e300, -1, 0, MAX_TIMEOUT + 1, True, '5', (1, float('inf')), (float('nan'), 1),
       (1e300, 1), (1, 2, 3), [1, 2], (True, 1)]
GOOD = [0.1, 1, 120, MAX_TIMEOUT, (10, 120), (None, 5), (5, None), None]


@pytest.mark.parametrize('value', BAD, ids=repr)
def test_bad_timeouts_are_refused(value):
    with pytest.raises(ValueError, match='timeout'):
        Api.with_sid('http://127.0.0.1:9/api/v3', SID, timeout=value)
    api = Api.with_sid('http://127.0.0.1:9/api/v3', SID)
    with pytest.raises(ValueError, match='timeout'):
        api.timeout = value


@pytest.mark.parametrize('value', GOOD, ids=repr)
def test_good_timeouts(value):
    assert validate_timeout(value) == (float(value) if isinstance(value, (int, float)) else value)


def test_max_timeout_is_documented_and_finite():
    assert math.isfinite(MAX_TIMEOUT) and MAX_TIMEOUT == 3600


def test_per_call_infinite_timeout_is_refused_before_sending(script_server):
    server = script_server(Reply(200, b'{}'))
    api = make_api(server)
    with pytest.raises(ValueError, match='timeout'):
        api.storage_get(server.url + '/storage/x', True, params={}, timeout=float('inf'))
    assert server.requests == []
