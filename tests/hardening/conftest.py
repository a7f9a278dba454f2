"""Fixtures of the adversarial checks of issue 14: hostile loopback servers and an Api aimed at them."""

from typing import Any, Callable, Iterator

import pytest

from ambra_sdk.api import Api
from tests.hardening.servers import SID, Reply, ScriptServer, fixed

PLAIN_STORAGE = 'http://{engine_fqdn}/api/v3/storage'


def make_api(server: Any, **kwargs: Any) -> Api:
    """An Api with a sid, aimed at ``server`` over plain HTTP, short timeouts, fast retries."""
    kwargs.setdefault('storage_base_url', PLAIN_STORAGE)
    kwargs.setdefault('timeout', (2.0, 2.0))
    api = Api.with_sid(server.url, SID, rate_limits=None, **kwargs)
    for params in (api.service_retry_params, api.storage_retry_params):
        params.update(backoff_factor=0.01, deadline_seconds=5.0)
    return api


@pytest.fixture
def script_server() -> Iterator[Callable[..., ScriptServer]]:
    """Start ScriptServers (``script_server(reply_or_script)``); all stop after the test."""
    started = []

    def start(script: Any = None) -> ScriptServer:
        script = Reply() if script is None else script
        server = ScriptServer(fixed(script) if isinstance(script, Reply) else script)
        server.__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__(None, None, None)
