"""WSManager against the emulator's channel: the spec's surface, pings, reconnects, threads."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time

import pytest

from ambra_sdk.emulator.channel import drop_connections, open_connections
from ambra_sdk.service.ws import (
    INACTIVITY_TIMEOUT,
    WS,
    SubscribeRefused,
    WSConnectError,
    WSError,
    WSExtraMissing,
    WSManager,
    WSMessage,
    WSMsgType,
)

from .conftest import client_threads, leftover_threads


def ready_study(emulator, namespace_id, study_uid):
    """Make a study appear ready (what storing its first image does)."""
    return emulator.state.add_study(namespace_id, study_uid, phantom=0)


def test_public_names_from_both_modules():
    from ambra_sdk.service.ws import ws

    assert ws.WSManager is WSManager and ws.WS is WS and ws.INACTIVITY_TIMEOUT == INACTIVITY_TIMEOUT == 10


def test_import_api_does_not_import_the_extra():
    code = 'import sys, ambra_sdk.api; print(any(m.split(".")[0] == "websockets" for m in sys.modules))'
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == 'False'


def test_without_the_extra_the_error_names_it(no_ws_extra, api):
    from ambra_sdk.extras import install_command

    with pytest.raises(WSExtraMissing) as caught:
        WSManager(api.ws_url)
    assert install_command('ws') in str(caught.value)
    assert isinstance(caught.value, ImportError)


def test_spec_example_subscribe_event_unsubscribe(emulator, api, namespace_id, sid):
    channel = 'study.{0}'.format(namespace_id)
    manager = WSManager(api.ws_url)
    with manager.channel(sid, channel) as ws:
        assert ws is manager and manager.running
        ready_study(emulator, namespace_id, '1.2.840.1')
        message = manager.wait_for_event(channel, sid, 'READY', timeout=5)
    assert not manager.running
    assert isinstance(message, WSMessage) and message.type is WSMsgType.TEXT
    body = message.json()
    assert body['event'] == 'READY' and body['channel'] == channel
    assert body['sid_md5'] == hashlib.md5(sid.encode()).hexdigest()
    assert body['study_uid'] == '1.2.840.1'
    assert json.loads(message.data) == body


def test_subscribe_answer_and_unsubscribe(api, namespace_id, sid, emulator):
    channel = 'study.{0}'.format(namespace_id)
    manager = WSManager(api.ws_url)
    manager.run()
    try:
        manager.subscribe(sid, channel)
        manager.unsubscribe(channel)
        ready_study(emulator, namespace_id, '1.2.840.2')
        with pytest.raises(TimeoutError):
            manager.wait_for_event(channel, sid, 'READY', timeout=0.3)
        assert manager.running  # a timeout does not stop the manager
    finally:
        manager.stop()


def test_subscribe_with_an_invalid_sid_is_refused(api, namespace_id):
    manager = WSManager(api.ws_url)
    channel = manager.channel('not-a-valid-sid', 'study.{0}'.format(namespace_id))
    with pytest.raises(SubscribeRefused) as caught, channel:
        pass  # pragma: no cover
    assert caught.value.error_type == 'AUTHORIZATION_REQUIRED'
    assert not manager.running  # stopped and joined even though the subscribe failed


def test_events_carry_each_subscribers_sid_md5(emulator, api, namespace_id, sid):
    other_sid = emulator.login()
    channel = 'study.{0}'.format(namespace_id)
    first, second = WSManager(api.ws_url), WSManager(api.ws_url)
    with first.channel(sid, channel), second.channel(other_sid, channel):
        ready_study(emulator, namespace_id, '1.2.840.3')
        one = first.wait_for_event(channel, sid, 'READY', timeout=5).json()
        two = second.wait_for_event(channel, other_sid, 'READY', timeout=5).json()
    assert one['sid_md5'] != two['sid_md5']
    assert two['sid_md5'] == hashlib.md5(other_sid.encode()).hexdigest()


def test_inactivity_pings_are_accepted(emulator, api, namespace_id, sid):
    pings = emulator.faults.add('/channel/websocket/ping', method='WS', times=None)  # counts, changes nothing
    channel = 'study.{0}'.format(namespace_id)
    manager = WSManager(api.ws_url)
    # a pong must come back within one inactivity period: 0.3 s leaves room on a loaded 2-core machine
    manager.worker.inactivity_timeout = 0.3
    with manager.channel(sid, channel):
        deadline = time.monotonic() + 10
        while pings.fired < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        ready_study(emulator, namespace_id, '1.2.840.4')
        manager.wait_for_event(channel, sid, 'READY', timeout=5)
        assert manager.worker.reconnects == 0  # the server answered the protocol pings
    assert pings.fired >= 3


def test_reconnects_and_subscribes_again_after_a_dropped_connection(emulator, api, namespace_id, sid):
    channel = 'study.{0}'.format(namespace_id)
    manager = WSManager(api.ws_url)
    with manager.channel(sid, channel):
        assert drop_connections(emulator.state) == 1
        manager.wait_for_subscribe(channel, timeout=5)  # the worker subscribed again
        assert manager.worker.reconnects == 1
        ready_study(emulator, namespace_id, '1.2.840.5')
        assert manager.wait_for_event(channel, sid, 'READY', timeout=5).json()['study_uid'] == '1.2.840.5'


def test_fault_rule_drops_the_connection_on_a_ping(emulator, api, namespace_id, sid):
    emulator.faults.add('/channel/websocket/ping', method='WS', drop_connection=True, times=1)
    channel = 'study.{0}'.format(namespace_id)
    manager = WSManager(api.ws_url)
    manager.worker.inactivity_timeout = 0.05
    with manager.channel(sid, channel):
        manager.wait_for_subscribe(channel, timeout=5)
        assert manager.worker.reconnects == 1
        manager.worker.inactivity_timeout = 60
        ready_study(emulator, namespace_id, '1.2.840.6')
        manager.wait_for_event(channel, sid, 'READY', timeout=5)


def test_fifty_managers_leave_no_thread_behind(emulator, api, namespace_id, sid):
    before = set(client_threads())
    channel = 'study.{0}'.format(namespace_id)
    for _ in range(50):
        with WSManager(api.ws_url).channel(sid, channel):
            pass
    managers = [WSManager(api.ws_url) for _ in range(5)]
    for manager in managers:
        manager.run()
    for manager in managers:
        manager.stop()
    WSManager(api.ws_url).stop()  # stop before run: nothing to join
    assert leftover_threads(before) == set()
    deadline = time.monotonic() + 5
    while open_connections(emulator.state) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert open_connections(emulator.state) == 0


def test_a_refused_endpoint_raises_on_run_and_leaves_no_thread(emulator, api):
    emulator.faults.add('/channel/websocket', status=503, times=None)
    before = set(client_threads())
    manager = WSManager(api.ws_url)
    with pytest.raises(WSConnectError, match='HTTP 503'):
        manager.run()
    assert not manager.running and set(client_threads()) - before == set()


def test_not_a_websocket_server(emulator):
    manager = WSManager('http://{0}/api/v3/study/list'.format(emulator.engine_fqdn))
    with pytest.raises(WSConnectError):
        manager.run()


def test_wait_for_before_run_and_bad_arguments(api):
    manager = WSManager(api.ws_url)
    with pytest.raises(WSError, match='not running'):
        manager.wait_for(lambda message: True)
    with pytest.raises(ValueError, match='url'):
        WSManager('ftp://example.com/channel')
    with manager:
        with pytest.raises(ValueError, match='channel'):
            manager.subscribe('sid', '')
        with pytest.raises(TimeoutError):
            manager.wait_for(lambda message: True, timeout=0.05)


def test_stop_joins_while_reconnecting_to_a_server_that_is_gone():
    from ambra_sdk.emulator import Emulator

    before = set(client_threads())
    with Emulator() as emu:
        api = emu.api()
        manager = WSManager(api.ws_url)
        manager.run()
        manager.subscribe(api.sid, 'study.{0}'.format(emu.namespace_id))
    deadline = time.monotonic() + 5
    while manager.worker.connected and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)  # a few refused reconnects
    assert manager.running and not manager.worker.connected
    manager.stop()
    assert not manager.running and set(client_threads()) - before == set()
