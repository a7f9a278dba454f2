"""Figures of issue 14: the time a dripping server can hold a call, the memory a gzip bomb costs.

Run from the repository root::

    PYTHONPATH=$PWD python -m tests.hardening.measure

It prints, against loopback servers written for the purpose:

* the time each kind of call takes against a server dripping its headers one
  byte every 50 ms, with ``timeout=(1, 1)`` and a 1 s retry deadline, next to
  the documented bound ``deadline_seconds + connect + 3 * read``;
* the peak memory (``ru_maxrss`` growth, in a fresh process per case) of a
  service call, a storage JSON call and a download answered with a 2 MiB
  gzip body that expands to 2 GiB, with the default limits.
"""

import os
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from typing import Dict

MIB = 1024 * 1024
BOMB_DECODED = 2048 * MIB


def gzip_bomb(decoded: int = BOMB_DECODED) -> bytes:
    """``decoded`` zero bytes gzipped, built in 1 MiB steps."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b'\0' * MIB
    parts = [compressor.compress(block) for _ in range(decoded // MIB)]
    parts.append(compressor.flush())
    return b''.join(parts)


def measure_deadline() -> Dict[str, float]:
    """Seconds each call lasts against a server dripping its head."""
    from ambra_sdk.exceptions.base import RequestTimeout
    from tests.hardening.conftest import make_api
    from tests.hardening.servers import HeaderDripServer
    from tests.hardening.test_head_deadline import _call

    results = {}
    for call in ('service-read', 'service-write', 'storage-json', 'download'):
        with HeaderDripServer(interval=0.05, limit=100000) as server, tempfile.TemporaryDirectory() as tmp:
            api = make_api(server, timeout=(1.0, 1.0))
            for params in (api.service_retry_params, api.storage_retry_params):
                params.update(deadline_seconds=1.0)
            started = time.monotonic()
            try:
                _call(api, server, call, _Path(tmp))
            except RequestTimeout:
                pass
            else:
                raise SystemExit('{0}: the call did not time out'.format(call))
            results[call] = time.monotonic() - started
    return results


class _Path(str):
    def __truediv__(self, name: str) -> str:
        return os.path.join(self, name)


def child(case: str) -> None:
    """Run one bomb case in this process and print the growth of its peak memory (MiB)."""
    from ambra_sdk.exceptions.base import ResponseTooLarge
    from tests.hardening.conftest import make_api
    from tests.hardening.servers import Reply, ScriptServer, fixed

    body = gzip_bomb()
    content_type = 'application/zip' if case == 'download' else 'application/json'
    reply = Reply(200, body, (('Content-Type', content_type), ('Content-Encoding', 'gzip')))
    with ScriptServer(fixed(reply)) as server, tempfile.TemporaryDirectory() as tmp:
        api = make_api(server, timeout=(5.0, 30.0))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.monotonic()
        outcome = 'no error'
        try:
            if case == 'service':
                api.Session.user().get()
            elif case == 'storage-json':
                api.Storage.Study.schema(server.engine_fqdn, 'ns', '1.2.3')
            else:
                api.Storage.Study.download(server.engine_fqdn, 'ns', '1.2.3', 'dicom',
                                           to_path=os.path.join(tmp, 'study.zip'))
        except ResponseTooLarge as error:
            outcome = 'ResponseTooLarge'
            del error
        except Exception as error:  # noqa: BLE001 - reported, not hidden
            outcome = type(error).__name__
        elapsed = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        left = os.listdir(tmp)
    print('{0:.1f} {1:.2f} {2} {3} {4:.2f}'.format(
        (after - before) / 1024, elapsed, outcome, len(left), len(body) / MIB,
    ))


def measure_bombs() -> Dict[str, str]:
    """Run each bomb case in a fresh process."""
    results = {}
    for case in ('service', 'storage-json', 'download'):
        output = subprocess.run(
            [sys.executable, '-m', 'tests.hardening.measure', 'child', case],
            capture_output=True, text=True, check=True, env=dict(os.environ),
        ).stdout.split()
        growth, elapsed, outcome, left, encoded = output
        results[case] = '{0} in {1} s, peak memory +{2} MiB, files left: {3} (body {4} MiB gzip -> 2048 MiB)'.format(
            outcome, elapsed, growth, left, encoded,
        )
    return results


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == 'child':
        child(sys.argv[2])
        return
    bound = 1.0 + 1.0 + 3 * 1.0
    print('Head dripped one byte per 50 ms, timeout=(1, 1), deadline 1 s; documented bound {0:.1f} s'.format(bound))
    for call, seconds in measure_deadline().items():
        print('  {0:14s} {1:.2f} s'.format(call, seconds))
    print('Gzip bomb, default limits (max_body_bytes 128 MiB, max_download_expansion 100)')
    for case, text in measure_bombs().items():
        print('  {0:14s} {1}'.format(case, text))


if __name__ == '__main__':
    main()
