"""Issue 24, point 1: the websocket channel against hostile servers (real loopback sockets).

* the upgrade never follows a redirect: nothing, the sid included, reaches the target;
* every message decodes with the bounded JSON decoder: no ``RecursionError``;
* reconnects back off (jitter, cap), also after a connection that opened and dropped at once,
  with a bound per minute;
* server texts quoted in exceptions are redacted.
"""

import json
import threading
import time

import pytest

from tests.hardening.servers import SID, Reply

pytest.importorskip('websockets')

from ambra_sdk.service.ws import SubscribeRefused, WSConnectError, WSManager  # noqa: E402
from ambra_sdk.service.ws.message import WSMessage, WSMsgType  # noqa: E402
from tests.ws.test_hostile_and_tls import Server  # noqa: E402

CHANNEL = 'study.hostile'


class Recorder:
    """A websockets handler that records every connection and message, and answers subscribes OK."""

    def __init__(self, before_answer=()):
        self.connections = 0
        self.times = []
        self.messages = []
        self.before_answer = list(before_answer)
        self._lock = threading.Lock()

    def __call__(self, connection):
        with self._lock:
            self.connections += 1
            self.times.append(time.monotonic())
        for raw in connection:
            with self._lock:
                self.messages.append(raw)
            channel = json.loads(raw).get('channel')
            for text in self.before_answer:
                connection.send(text)
            connection.send(json.dumps({'status': 'OK', 'channel': channel}))


@pytest.mark.parametrize('status', [301, 302, 303, 307, 308])
def test_redirect_is_refused_and_nothing_reaches_the_target(script_server, status):
    target = Recorder()
    with Server(target) as other:
        location = other.url('ws')
        redirector = script_server(Reply(status, b'', (('Location', location),)))
        manager = WSManager('http://127.0.0.1:{0}/api/v3/channel/websocket'.format(redirector.port))
        with pytest.raises(WSConnectError) as info, manager.channel(SID, CHANNEL):
            pass  # pragma: no cover - the old client got here, after sending the sid to the target
        time.sleep(0.2)
    message = str(info.value)
    assert str(status) in message and 'redirect' in message
    assert 'localhost' in message  # the target host is named
    assert SID not in message
    assert target.connections == 0 and target.messages == [], 'the redirect was followed'
    assert len(redirector.requests) == 1
    assert not manager.running


def test_deeply_nested_messages_are_a_clear_error_not_a_recursion_error():
    deep = '[' * 200000 + ']' * 200000  # 400 kB: under the 1 MiB message limit
    handler = Recorder(before_answer=[deep, '{"a":' * 5000 + '1' + '}' * 5000])
    with Server(handler) as server:
        manager = WSManager(server.url())
        with manager.channel(SID, CHANNEL):  # the old client raised RecursionError here
            manager._ws.send_json({'action': 'ping', 'channel': CHANNEL})
            received = manager.wait_for(lambda message: message.data.startswith('['), timeout=5)
    with pytest.raises(ValueError, match='nested deeper than 100 levels'):
        received.json()


def test_message_decoding_is_bounded_in_size_and_depth():
    from ambra_sdk.bounded_json import JsonTooDeep, JsonTooLarge, UnreadableJson

    with pytest.raises(JsonTooDeep):
        WSMessage(WSMsgType.TEXT, '[' * 101 + ']' * 101).json()
    assert WSMessage(WSMsgType.TEXT, '[' * 100 + ']' * 100).json() is not None
    with pytest.raises(JsonTooLarge):
        WSMessage(WSMsgType.TEXT, '"' + 'x' * (1024 * 1024) + '"').json()
    with pytest.raises(UnreadableJson, match='not JSON'):
        WSMessage(WSMsgType.TEXT, '{"a":').json()
    assert WSMessage(WSMsgType.TEXT, '{"s": "[[[[[[\\"[["}').json() == {'s': '[[[[[["[['}


def test_a_server_that_drops_every_connection_at_once_is_retried_ever_more_slowly():
    server_handler = Recorder()

    def drop_at_once(connection):
        server_handler.connections += 1
        server_handler.times.append(time.monotonic())  # the handler returns: the server closes at once

    with Server(drop_at_once) as server:
        manager = WSManager(server.url())
        manager.run()
        time.sleep(3.0)
        manager.stop()
    times = server_handler.times
    # back-off 0.05 s doubling (equal jitter) up to 5 s: at most 9 connections in 3 s; the old client reconnected
    # at once each time (hundreds)
    assert 2 <= len(times) <= 9, len(times)
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert all(gap >= 0.02 for gap in gaps), gaps
    assert gaps[-1] > gaps[0], gaps


def test_reconnect_pacing_backoff_jitter_cap_and_bound_per_minute():
    from ambra_sdk.service.ws.reconnect import ReconnectPacer

    now = [0.0]
    pacer = ReconnectPacer(first_delay=0.05, max_delay=5.0, stable_after=10.0, per_minute=20, clock=lambda: now[0])
    assert pacer.delay() == 0  # the first attempt is immediate
    delays = []
    for _ in range(12):
        pacer.failed()
        delays.append(pacer.delay())
    for failures, delay in enumerate(delays, start=1):
        base = min(0.05 * 2 ** (failures - 1), 5.0)
        assert base / 2 <= delay <= base
    assert max(delays) <= 5.0
    assert len({round(pacer.delay(), 9) for _ in range(20)}) > 1  # jittered
    pacer.opened()
    now[0] += 1
    pacer.dropped()  # opened and dropped at once: still backing off
    assert pacer.delay() >= 2.5
    pacer.opened()
    now[0] += 11
    pacer.dropped()  # a connection that lived: start afresh
    assert pacer.delay() == 0
    for _ in range(20):
        pacer.attempt()
        now[0] += 0.1
    assert pacer.delay() == pytest.approx(60 - 2.0)  # 20 attempts in the last 2 s: wait for the oldest to age
    now[0] += 58.0
    assert pacer.delay() == 0


def test_a_refusal_quoting_the_sid_is_redacted():
    def refuse(connection):
        for raw in connection:
            channel = json.loads(raw).get('channel')
            connection.send(json.dumps({'status': 'ERROR', 'channel': channel,
                                        'error_type': 'BAD sid={0} {0}'.format(SID)}))

    with Server(refuse) as server:
        manager = WSManager(server.url())
        with pytest.raises(SubscribeRefused) as info, manager.channel(SID, CHANNEL):
            pass  # pragma: no cover
    assert SID not in str(info.value) and SID not in repr(info.value.args)
    assert 'BAD' in str(info.value)
