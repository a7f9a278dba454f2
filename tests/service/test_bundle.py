"""Bundled service calls (``api.bundle()``) against the emulator's ``POST /bundle``."""

import pytest

from ambra_sdk.exceptions.service import NotFound
from ambra_sdk.exceptions.service_base import AuthorizationRequired, ServiceResponseError
from ambra_sdk.service.bundle import Bundle, BundleItem

MISSING = '00000000-0000-4000-8000-000000000000'


@pytest.fixture(autouse=True)
def no_rate_limits(api):
    api.rate_limits = None


def add_studies(api, emulator, count):
    emulator.seed_studies(count)
    return [study.uuid for study in api.Study.list().set_rows_in_page(1000).all()][:count]


def bundle_requests(emulator):
    return [path for path in emulator.requests_log.paths() if path == '/bundle']


def test_results_and_errors_are_those_of_single_calls(api, emulator):
    uuids = add_studies(api, emulator, 3)
    emulator.requests_log.clear()
    items = api.bundle().run(
        [api.Study.set(uuid=uuid, study_description='bundled {0}'.format(n)) for n, uuid in enumerate(uuids)]
        + [api.Study.get(uuid=MISSING), api.Study.get(uuid=uuids[0]).only('study_description')],
    )
    assert emulator.requests_log.paths() == ['/bundle']
    assert [item.ok for item in items] == [True, True, True, False, True]
    assert items[0].result() == api.Study.set(uuid=uuids[0], study_description='bundled 0').get()
    with pytest.raises(NotFound) as single:
        api.Study.get(uuid=MISSING).get()
    error = items[3].error
    assert type(error) is NotFound and error is not single.value
    assert (error.error_type, error.description) == (single.value.error_type, single.value.description)
    with pytest.raises(NotFound):
        items[3].result()
    assert items[4].result() == {'study_description': 'bundled 0'}
    assert type(items[4].result()) is type(api.Study.get(uuid=uuids[0]).get())  # the query's return_constructor
    assert api.Study.get(uuid=uuids[2]).get().study_description == 'bundled 2'


def test_with_block_sends_on_exit_and_nothing_on_error(api, emulator):
    uuid = add_studies(api, emulator, 1)[0]
    emulator.requests_log.clear()
    with api.bundle() as bundle:
        item = bundle.add(api.Study.get(uuid=uuid))
        assert not item.done and not item.ok and item.error is None
        with pytest.raises(RuntimeError, match='run the bundle first'):
            item.result()
    assert item.ok and item.result().uuid == uuid
    assert bundle_requests(emulator) == ['/bundle']
    with pytest.raises(KeyError), api.bundle() as bundle:
        dropped = bundle.add(api.Study.set(uuid=uuid, study_description='never'))
        raise KeyError('user code failed')
    assert not dropped.done and bundle_requests(emulator) == ['/bundle']


@pytest.mark.parametrize('workers', [1, 3])
def test_chunks_and_parallel_chunks(api, emulator, workers):
    uuids = add_studies(api, emulator, 7)
    emulator.requests_log.clear()
    items = api.bundle(chunk_size=3, workers=workers).run([api.Study.get(uuid=uuid) for uuid in uuids])
    assert [item.result().uuid for item in items] == uuids
    assert len(bundle_requests(emulator)) == 3


def test_rate_limits_count_one_request_per_chunk(api, emulator, monkeypatch):
    uuids = add_studies(api, emulator, 5)
    waited = []
    monkeypatch.setattr(api, '_wait_for_service_request', waited.append)
    api.bundle(chunk_size=2).run([api.Study.get(uuid=uuid) for uuid in uuids])
    assert waited == ['/bundle'] * 3


def test_expired_sid_relogin_resends_refused_calls_once(api, emulator):
    uuids = add_studies(api, emulator, 2)
    first_sid = api.sid
    emulator.state.delete_session(first_sid)
    emulator.requests_log.clear()
    items = api.bundle().run([api.Study.set(uuid=uuid, study_description='after relogin') for uuid in uuids])
    assert all(item.ok for item in items)
    assert api.sid != first_sid
    assert emulator.requests_log.paths() == ['/bundle', '/session/login', '/bundle']


def test_no_credentials_gives_authorization_required(api, emulator):
    from ambra_sdk.api import Api

    uuid = add_studies(api, emulator, 1)[0]
    sid_api = Api.with_sid(emulator.url, api.sid, rate_limits=None)
    emulator.state.delete_session(api.sid)
    (item,) = sid_api.bundle().run([sid_api.Study.get(uuid=uuid)])
    assert isinstance(item.error, AuthorizationRequired)


def test_chunk_of_reads_is_resent_after_503(api, emulator):
    uuid = add_studies(api, emulator, 1)[0]
    emulator.faults.add('/bundle', status=503, times=1)
    emulator.requests_log.clear()
    (item,) = api.bundle().run([api.Study.get(uuid=uuid)])
    assert item.ok
    assert bundle_requests(emulator) == ['/bundle', '/bundle']


def test_chunk_with_a_write_is_not_resent_after_503(api, emulator):
    uuid = add_studies(api, emulator, 1)[0]
    emulator.faults.add('/bundle', status=503, times=1)
    emulator.requests_log.clear()
    items = api.bundle().run([api.Study.get(uuid=uuid), api.Study.set(uuid=uuid, study_description='x')])
    assert bundle_requests(emulator) == ['/bundle']
    assert all(isinstance(item.error, ServiceResponseError) and item.error.code == 503 for item in items)
    assert api.Study.get(uuid=uuid).get().get('study_description') != 'x'


def test_dropped_connection_of_a_write_chunk_is_an_error_per_item(api, emulator):
    import requests

    uuid = add_studies(api, emulator, 1)[0]
    emulator.faults.add('/bundle', drop_connection=True, times=1)
    (item,) = api.bundle().run([api.Study.set(uuid=uuid, study_description='x')])
    assert isinstance(item.error, requests.ConnectionError)
    assert 'ConnectionError' in repr(item) or 'error' in repr(item)


def test_bad_arguments_are_named(api):
    with pytest.raises(ValueError, match='chunk_size'):
        api.bundle(chunk_size=0)
    with pytest.raises(ValueError, match='workers'):
        Bundle(api, workers=True)
    with pytest.raises(TypeError, match='query'):
        api.bundle().add('/study/get')  # type: ignore[arg-type]


def test_repr_and_logs_have_no_secrets(api, emulator, caplog):
    uuid = add_studies(api, emulator, 1)[0]
    caplog.set_level('DEBUG')
    (item,) = api.bundle().run([api.Study.set(uuid=uuid, study_description='PATIENT SECRET')])
    assert isinstance(item, BundleItem) and repr(item) == '<BundleItem /study/set ok>'
    assert api.sid not in caplog.text and 'PATIENT SECRET' not in caplog.text


@pytest.fixture
def hostile_server():
    """A loopback server answering ``/bundle`` with the bytes in ``server.answer``."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server name)
            self.rfile.read(int(self.headers.get('Content-Length') or 0))
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(server.answer)))
            self.end_headers()
            self.wfile.write(server.answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    server.answer = b'[]'
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def hostile_api(server):
    from ambra_sdk.api import Api

    return Api.with_sid('http://127.0.0.1:{0}/api/v3'.format(server.server_address[1]), 'sid-hostile',
                        rate_limits=None)


@pytest.mark.parametrize('answer', [b'not json', b'{"a": 1}', b'[{"HTTP_STATUS_CODE": 200}]', b'[' * 100000])
def test_unreadable_chunk_answers_are_errors_of_every_item(hostile_server, answer):
    from ambra_sdk.service.bundle import BundleAnswerError

    hostile_server.answer = answer
    api = hostile_api(hostile_server)
    items = api.bundle().run([api.Study.set(uuid='a', study_description='x'), api.Study.delete(uuid='b')])
    assert all(type(item.error) is BundleAnswerError for item in items)
    assert 'sid-hostile' not in str(items[0].error)


def test_hostile_answers_of_single_calls(hostile_server):
    hostile_server.answer = (b'[{"HTTP_STATUS_CODE": 200, "uuid": "a"}, "not a hash", {"no": "status"},'
                             b' {"HTTP_STATUS_CODE": true}, {"HTTP_STATUS_CODE": 412, "status": "ERROR",'
                             b' "error_type": "NOT_FOUND"}]')
    api = hostile_api(hostile_server)
    items = api.bundle().run([api.Study.get(uuid=str(n)) for n in range(5)])
    assert items[0].result() == {'uuid': 'a'}
    assert [type(item.error).__name__ for item in items[1:]] == [
        'ServiceResponseError', 'ServiceResponseError', 'ServiceResponseError', 'NotFound']


def test_queries_that_are_not_form_posts_are_refused(api):
    query = api.Study.get(uuid=MISSING)
    query.request_args.data = 'raw body'
    with pytest.raises(ValueError, match='/study/get'):
        api.bundle().add(query)
    upload = api.Study.get(uuid=MISSING)
    upload.request_args.files = {'file': b'x'}
    with pytest.raises(ValueError, match='cannot be bundled'):
        api.bundle().add(upload)
