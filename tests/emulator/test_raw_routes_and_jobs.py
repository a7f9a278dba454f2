"""Raw routes (the storage plug-in point) and jobs of ``X-AmbraHealth-Job-Id`` calls."""

from __future__ import annotations

import requests
from werkzeug.wrappers import Response

from ambra_sdk.emulator import Emulator
from ambra_sdk.emulator.errors import ServiceError
from ambra_sdk.emulator.registry import raw_route


@raw_route('/_test/echo/<namespace>/<name>', methods=['GET', 'POST'])
def _echo(ctx, namespace, name):
    if ctx.user is None:
        return Response('denied', status=403)
    if name == 'boom':
        raise ValueError('handler bug')
    if name == 'bad':
        raise ServiceError('NOT_FOUND')
    return Response(f'{namespace}:{name}', content_type='text/plain')


def test_raw_route_auth_jobs_and_errors():
    with Emulator() as emu:
        sid = emu.login()
        base = f'http://{emu.engine_fqdn}/api/v3/_test/echo/ns1'
        assert requests.get(base + '/x').status_code == 403
        assert requests.get(base + '/x', params={'sid': 'bad'}).status_code == 403
        answer = requests.get(base + '/x', params={'sid': sid}, headers={'X-AmbraHealth-Job-Id': 'job-ok'})
        assert answer.text == 'ns1:x'
        job = emu.state.get_job('job-ok')
        assert job is not None
        assert job['state'] == 'DONE' and job['result'] == 'ns1:x' and job['namespace'] == 'ns1'
        failed = requests.post(base + '/bad', params={'sid': sid}, headers={'X-AmbraHealth-Job-Id': 'job-bad'})
        assert failed.status_code == 412
        assert emu.state.get_job('job-bad')['state'] == 'FAILED'
        crashed = requests.get(base + '/boom', params={'sid': sid}, headers={'X-AmbraHealth-Job-Id': 'job-boom'})
        assert crashed.status_code == 500 and crashed.json()['error_type'] == 'INTERNAL_ERROR'
        assert emu.state.get_job('job-boom')['state'] == 'FAILED'
        assert requests.delete(base + '/x', params={'sid': sid}).status_code == 405
        api_job = requests.post(emu.url + '/job/get', data={'sid': sid, 'id': 'job-ok'}).json()
        assert api_job['state'] == 'DONE'
        assert [e.path for e in emu.requests_log][:1] == ['/_test/echo/ns1/x']
