"""The emulator's /api/v3/channel/websocket: the wire protocol, events, faults, hostile clients."""

from __future__ import annotations

import hashlib
import json
import logging
import uuid

import pytest
from websockets.sync import client

from ambra_sdk.api import Api
from ambra_sdk.emulator import Emulator
from ambra_sdk.emulator.channel import open_connections
from ambra_sdk.service.ws.ws import _takes_legacy

#: websockets logs frames (a subscribe's sid) at DEBUG: this test client's logger stays at INFO.
_QUIET = logging.getLogger('tests.ws.raw_client')
_QUIET.setLevel(logging.INFO)


def connect(url, **kwargs):
    """A raw websockets client (no SDK), without a frame log (``legacy`` only where websockets has it)."""
    if not _takes_legacy(client):
        kwargs.pop('legacy', None)
    return client.connect(url, logger=_QUIET, **kwargs)


def ws_url(emulator):
    return 'ws://{0}/api/v3/channel/websocket'.format(emulator.engine_fqdn)


def answer(ws):
    return json.loads(ws.recv(timeout=5))


def subscribe(ws, channel, sid):
    ws.send(json.dumps({'action': 'subscribe', 'channel': channel, 'sid': sid}))
    return answer(ws)


def test_wire_protocol(emulator, api, namespace_id, sid):
    channel = 'study.{0}'.format(namespace_id)
    with connect(ws_url(emulator), proxy=None) as ws:
        assert subscribe(ws, channel, sid) == {'status': 'OK', 'channel': channel}
        ws.send(json.dumps({'action': 'ping'}))  # accepted, no answer
        ws.send(json.dumps({'action': 'unsubscribe', 'channel': channel, 'sid': 'NOT NEEDED!'}))
        assert answer(ws) == {'status': 'OK', 'channel': channel}
        assert subscribe(ws, 'job.x', 'bad-sid') == {
            'status': 'ERROR', 'error_type': 'AUTHORIZATION_REQUIRED', 'channel': 'job.x',
        }
        ws.send('not json')
        assert answer(ws) == {'status': 'ERROR', 'error_type': 'BAD_REQUEST'}
        ws.send(json.dumps({'action': 'subscribe', 'sid': sid}))
        assert answer(ws) == {'status': 'ERROR', 'error_type': 'MISSING_FIELDS'}
    entries = [e for e in emulator.requests_log if e.path == '/channel/websocket']
    assert entries and entries[-1].status == 101 and entries[-1].method == 'GET'


def test_binary_and_oversized_messages_close_the_connection(emulator):
    with connect(ws_url(emulator), proxy=None) as ws:
        ws.send(b'\x00\x01')
        with pytest.raises(Exception, match='1003|text only'):
            ws.recv(timeout=5)
    with connect(ws_url(emulator), proxy=None, max_size=None) as ws:
        ws.send('x' * (128 * 1024))
        with pytest.raises(Exception, match='1009'):
            ws.recv(timeout=5)


def test_plain_get_is_not_an_upgrade(emulator):
    import requests

    assert requests.get(ws_url(emulator).replace('ws://', 'http://'), timeout=5).status_code == 400


def test_events_ready_edit_done(emulator, api, namespace_id, sid, make_dicoms):
    digest = hashlib.md5(sid.encode()).hexdigest()
    study_uid = '1.2.826.0.1.3680043.99.7'
    with connect(ws_url(emulator), proxy=None) as ws:
        subscribe(ws, 'study.{0}'.format(namespace_id), sid)
        subscribe(ws, 'job.{0}'.format(namespace_id), sid)
        added = api.Study.add(study_uid=study_uid, storage_namespace=namespace_id, phi_namespace=namespace_id).get()
        edit = answer(ws)
        assert (edit['event'], edit['uuid'], edit['sid_md5']) == ('EDIT', added.uuid, digest)
        path = make_dicoms(1, study_uid=study_uid)[0]
        api.Addon.Dicom.upload_from_path(dicom_path=path, namespace_id=namespace_id)
        ready = answer(ws)
        assert ready['event'] == 'READY' and ready['study_uid'] == study_uid
        assert ready['channel'] == 'study.{0}'.format(namespace_id)
        api.Study.set(uuid=added.uuid, study_description='changed').get()
        assert answer(ws)['event'] == 'EDIT'
        job_id = str(uuid.uuid4())
        engine = api.Addon.Dicom.engine_fqdn(namespace_id)
        region = {'regions': [{'x': 0, 'y': 0, 'width': 4, 'height': 4}]}
        api.Storage.Study.anonymize(
            engine, namespace_id, study_uid, region, to_namespace=emulator.namespace_id,
            x_ambrahealth_job_id=job_id,
        )
        done = answer(ws)  # the new study is in another namespace: its READY is not for this subscriber
        assert done['event'] == 'DONE' and done['job_id'] == job_id and done['channel'] == 'job.{0}'.format(namespace_id)
        assert done['state'] == 'DONE' and done['sid_md5'] == digest


def test_only_members_may_listen_to_a_namespace(emulator, api, namespace_id):
    emulator.add_user('member-ws@example.com', 'Member-Passw0rd!')  # a member of the seeded account
    member = Api.with_creds(
        emulator.url, 'member-ws@example.com', 'Member-Passw0rd!', storage_base_url=emulator.storage_base_url,
    )
    member_sid = member.sid
    with connect(ws_url(emulator), proxy=None) as ws:
        assert subscribe(ws, 'study.{0}'.format(emulator.namespace_id), member_sid)['status'] == 'OK'
        assert subscribe(ws, 'job.{0}'.format(namespace_id), member_sid) == {  # the admin's own namespace
            'status': 'ERROR', 'error_type': 'NOT_PERMITTED', 'channel': 'job.{0}'.format(namespace_id),
        }
        assert subscribe(ws, 'study.unknown-namespace', member_sid)['error_type'] == 'NOT_PERMITTED'


def test_subscribe_fault_refuses(emulator, sid, namespace_id):
    emulator.faults.add('/channel/websocket/subscribe', method='WS', status=403, error_type='NOT_PERMITTED')
    with connect(ws_url(emulator), proxy=None) as ws:
        refused = subscribe(ws, 'study.{0}'.format(namespace_id), sid)
        assert refused == {'status': 'ERROR', 'error_type': 'NOT_PERMITTED', 'channel': 'study.{0}'.format(namespace_id)}
        assert subscribe(ws, 'study.{0}'.format(namespace_id), sid)['status'] == 'OK'


def test_stopping_the_emulator_closes_its_channels():
    with Emulator() as emu:
        sid = emu.login()
        ws = connect(ws_url(emu), proxy=None, legacy=True)
        subscribe(ws, 'study.{0}'.format(emu.namespace_id), sid)
        assert open_connections(emu.state) == 1
        state = emu.state
    with pytest.raises(Exception):  # noqa: B017, PT011 - closed by the server: any ConnectionClosed
        ws.recv(timeout=5)
    ws.close()
    assert open_connections(state) == 0
