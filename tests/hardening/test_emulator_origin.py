"""Issue 24.7: the emulator's origin checks, tried as a web page or a log reader would (real sockets).

* a ``Host`` that does not name the emulator (DNS rebinding) is refused on the
  service, storage and channel APIs, as on the control API;
* stored attachments are downloads (``Content-Disposition: attachment``),
  never sniffed, under a sandboxing CSP: no page runs from the emulator's origin;
* the request log masks every secret parameter named by the SDK's table
  (:func:`ambra_sdk.redact.is_secret_key`), in forms, queries, multipart
  fields and JSON bodies (bundles).
"""

from __future__ import annotations

import io
import json

import pytest
import requests

#: Parameters the vendor document uses for secrets (issue 24.3's table) that the old log showed.
SECRET_NAMES = ('use_pkey', 'client_secret', 'auth', 'charge_token', 'cc_token', 'validate_session',
                'access_code', 'password', 'sid', 'pin', 'new_password')
SECRET = 'S3cret-value-never-logged'


def _hosts(emulator) -> list:
    port = emulator.engine_fqdn.rsplit(':', 1)[1]
    return ['attacker.example', 'attacker.example:{0}'.format(port), 'localhost.attacker.example:{0}'.format(port)]


def test_service_storage_and_channel_refuse_a_foreign_host(emulator):
    api = emulator.api()
    sid = api.get_sid()
    calls = [
        ('POST', emulator.url + '/session/user', {'data': {'sid': sid}}),
        ('POST', emulator.url + '/study/list', {'data': {'sid': sid}}),
        ('GET', '{0}/storage/study/{1}/1.2.3/schema?sid={2}'.format(emulator.url, emulator.namespace_id, sid), {}),
        ('POST', '{0}/storage/namespace/{1}/image?sid={2}'.format(emulator.url, emulator.namespace_id, sid),
         {'data': b'x'}),
        ('GET', emulator.url + '/channel/websocket', {'headers': {
            'Upgrade': 'websocket', 'Connection': 'Upgrade', 'Sec-WebSocket-Version': '13',
            'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ=='}}),
    ]
    for method, url, kwargs in calls:
        for host in _hosts(emulator):
            headers = {**kwargs.get('headers', {}), 'Host': host}
            answer = requests.request(method, url, timeout=10, **{**kwargs, 'headers': headers})
            assert answer.status_code == 403, (url, host)
            assert answer.json()['error_type'] == 'FORBIDDEN_HOST'
    # the emulator's own names still work
    for host in ('127.0.0.1:{0}'.format(emulator.port), 'localhost:{0}'.format(emulator.port)):
        answer = requests.post(emulator.url + '/session/user', data={'sid': sid}, headers={'Host': host}, timeout=10)
        assert answer.status_code == 200


def test_a_foreign_host_is_refused_before_anything_is_logged_or_stored(emulator):
    emulator.requests_log.clear()
    answer = requests.post(emulator.url + '/session/login', data={'login': emulator.username,
                                                                  'password': emulator.password},
                           headers={'Host': 'rebound.example'}, timeout=10)
    assert answer.status_code == 403 and 'sid' not in answer.text
    assert len(emulator.requests_log) == 0


def _attachment(api, emulator, content: bytes, name: str):
    from tests.helpers.dicoms import dicom_bytes

    stored = api.Storage.Image.upload(emulator.engine_fqdn, emulator.namespace_id, io.BytesIO(dicom_bytes()))
    files = {'data': (name, content, 'text/html')}
    url = '{0}/storage/study/{1}/{2}/attachment'.format(emulator.url, emulator.namespace_id, stored.study_uid)
    posted = requests.post(url, params={'sid': api.get_sid()}, files=files, timeout=10)
    assert posted.status_code == 202, posted.text
    return stored.study_uid, posted.json()


def test_stored_html_is_served_as_a_download_never_as_a_page(emulator):
    pytest.importorskip('pydicom')
    api = emulator.api()
    page = b'<html><script>fetch("/api/v3/session/user")</script></html>'
    study_uid, entry = _attachment(api, emulator, page, 'x"; evil.html')
    base = '{0}/storage/study/{1}/{2}/attachment'.format(emulator.url, emulator.namespace_id, study_uid)
    for url in (base + '/{0}/version/{1}'.format(entry['uuid'], entry['version']),
                base + '/{0}/version/{1}/page.html'.format(entry['uuid'], entry['version']),
                base + '/latest', base + '/latest/page.html'):
        answer = requests.get(url, params={'sid': api.get_sid()}, timeout=10)
        assert answer.status_code == 200 and answer.content == page, url
        disposition = answer.headers['Content-Disposition']
        assert disposition.startswith('attachment; filename="x_; evil.html"'), disposition
        assert answer.headers['X-Content-Type-Options'] == 'nosniff'
        policy = answer.headers['Content-Security-Policy']
        assert "default-src 'none'" in policy and 'sandbox' in policy


def test_every_answer_is_unsniffable_and_sandboxed(emulator):
    """``return_html=1`` answers text/html (as the vendor): the CSP keeps it from running."""
    for answer in (requests.post(emulator.url + '/session/user', timeout=10),
                   requests.get(emulator.url.replace('/api/v3', '/_emulator') + '/info', timeout=10),
                   requests.get(emulator.url + '/nowhere', timeout=10)):
        assert answer.headers['X-Content-Type-Options'] == 'nosniff'
        assert 'sandbox' in answer.headers['Content-Security-Policy']


def _logged_values(entry) -> str:
    return json.dumps(entry.to_dict())


def test_the_request_log_masks_secrets_of_every_content_type(emulator):
    emulator.requests_log.clear()
    secrets = dict.fromkeys(SECRET_NAMES, SECRET)
    url = emulator.url + '/user/get'
    requests.post(url, data={**secrets, 'uuid': 'u-form'}, timeout=10)                      # form
    requests.get(url, params={**secrets, 'uuid': 'u-query'}, timeout=10)                    # query
    requests.post(url, files=dict.fromkeys(SECRET_NAMES, (None, SECRET)), timeout=10)   # multipart fields
    requests.post(url, files={'auth': ('auth.txt', SECRET)}, timeout=10)                    # a file part
    requests.post(url, json={**secrets, 'uuid': 'u-json', 'nested': [{'password': SECRET}]}, timeout=10)  # JSON
    bundle = [{'URL': '/session/login', 'login': 'a@b.c', **secrets}, {'URL': '/user/get', 'uuid': 'u-bundle'}]
    requests.post(emulator.url + '/bundle', data=json.dumps(bundle), timeout=10)            # bundle
    entries = emulator.requests_log.entries()
    assert len(entries) == 6
    for entry in entries:
        assert SECRET not in _logged_values(entry), entry
    form, query, multipart, _, as_json, bundled = entries
    assert form.form['uuid'] == 'u-form' and all(form.form[name] == '***' for name in SECRET_NAMES)
    assert query.params['uuid'] == 'u-query' and all(query.params[name] == '***' for name in SECRET_NAMES)
    assert all(multipart.form[name] == '***' for name in SECRET_NAMES)
    assert as_json.json['uuid'] == 'u-json' and as_json.json['nested'] == [{'password': '***'}]
    assert bundled.json[1] == {'URL': '/user/get', 'uuid': 'u-bundle'}
    assert all(bundled.json[0][name] == '***' for name in SECRET_NAMES)
    # the control API shows the same masked entries
    control = requests.get(emulator.url.replace('/api/v3', '/_emulator') + '/requests',
                           headers=emulator.control_headers(), timeout=10)
    assert control.status_code == 200 and SECRET not in control.text
