"""Chunked (multipart) upload of one big file: flat client memory, throughput vs one plain ``/image`` upload.

Creates a DICOM file of ``--size-mib`` MiB (default 64, quick enough for
``bench/run.py``; ``--size-mib 300`` is the issue's figure), starts an
emulator in another process, then in fresh child processes, interleaved:

* ``api.Addon.Dicom.upload(dicom_file=...)``: 2 MiB chunks, one after
  another, each with its crc32, then complete (the call returns when the
  server accepted the completion; it stores the file after that);
* the same with ``wait=True``: the call returns when the study shows the
  image (so it ends, as the baseline does, with the image stored);
* the baseline: one ``api.Storage.Image.upload`` of the same file (one
  streamed ``POST /namespace/{ns}/image``, stored when it returns).

Between runs the bench waits until the emulator has stored every completed
upload. The emulator's request log is checked after every run: a chunked run
must have sent ``ceil(size / 2 MiB)`` chunks and no ``/image``; the plain run
one ``/image`` and no chunk. Targets: the chunked upload's peak memory stays
< 64 MiB above the interpreter (flat: it does not grow with the file); its
throughput until complete answers is >= 0.5x the plain upload's (the same
bytes in many requests, each checked); until the image is stored >= 0.3x:
the server then also joins the chunks into one file (the bytes are written
twice, one pass after the other) before storing it.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_transfer import child as run_child  # noqa: E402
from bench_transfer import free_port  # noqa: E402

CHUNK_MIB = 2
MEMORY_TARGET_MIB = 64
TRANSFER_TARGET = 0.5
SPEED_TARGET = 0.3

CHILD = r'''
import json, resource, sys, time
sys.path.insert(0, {root!r})
from ambra_sdk.api import Api
cfg = json.loads(sys.argv[1])
api = Api.with_creds(cfg['url'], cfg['username'], cfg['password'], rate_limits=None,
                     storage_base_url=cfg['storage_base_url'])
api.Session.user().get()
api.Storage.Image
api.Addon.Dicom
api.storage_session
import pydicom  # the chunked path reads the header with pydicom: not part of the transfer
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
with open(cfg['source'], 'rb') as dicom_file:
    if cfg['mode'] in ('chunked', 'chunked-nowait'):
        result = api.Addon.Dicom.upload(dicom_file=dicom_file, namespace_id=cfg['namespace'],
                                        engine_fqdn=cfg['engine_fqdn'], wait=cfg['mode'] == 'chunked',
                                        wait_timeout=600)
        uid = result.image_uid or result.study_uid
    else:
        uid = api.Storage.Image.upload(cfg['engine_fqdn'], cfg['namespace'], dicom_file).image_uid
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{'seconds': seconds, 'extra_mib': (peak - base) / 1024.0, 'image_uid': uid}}))
'''


def child(cfg: dict) -> dict:
    """One measured upload in a fresh interpreter (see :data:`CHILD`)."""
    return run_child(cfg, CHILD)


#: The emulator's control token (read from its banner at start).
CONTROL: dict = {}


def control(port: int, method: str, path: str) -> object:
    import requests

    response = requests.request(method, 'http://127.0.0.1:{0}/_emulator/{1}'.format(port, path), timeout=60,
                                headers={'X-Ambra-Emulator-Token': CONTROL['token']})
    response.raise_for_status()
    return response.json()


def check_path(port: int, mode: str, namespace: str, size: int) -> None:
    """Fail loudly when the run did not take the path it means to time."""
    log = control(port, 'GET', 'requests')
    chunks = [e for e in log if e['method'] == 'POST' and e['path'].startswith('/storage/multipart/')
              and not e['path'].endswith('/complete')]
    plain = [e for e in log if e['method'] == 'POST' and e['path'] == '/storage/namespace/{0}/image'.format(namespace)]
    expected = -(-size // (CHUNK_MIB * 1024 * 1024))
    if mode.startswith('chunked') and (len(chunks) != expected or plain):
        raise SystemExit('chunked run sent {0} chunks (expected {1}) and {2} /image'.format(
            len(chunks), expected, len(plain)))
    if mode == 'plain' and (chunks or len(plain) != 1):
        raise SystemExit('plain run sent {0} chunks and {1} /image'.format(len(chunks), len(plain)))
    control(port, 'DELETE', 'requests')


def settle(data: Path, timeout: float = 600) -> None:
    """Wait until the emulator has stored every completed upload (so no run pays for the one before)."""
    folder = data / 'files' / 'storage-tmp' / 'multipart'
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(list(folder.glob('*/result.json'))) >= len(list(folder.glob('*/complete.json'))):
            return
        time.sleep(0.05)
    raise SystemExit('the emulator did not store a completed upload in time')


def wait_port(port: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def main() -> bool:
    parser = argparse.ArgumentParser()
    parser.add_argument('--size-mib', type=int, default=64)
    parser.add_argument('--rounds', type=int, default=3)
    args = parser.parse_args()
    port = free_port()
    runs: dict = {'chunked': [], 'chunked-nowait': [], 'plain': []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        server = subprocess.Popen([sys.executable, '-m', 'ambra_sdk.emulator', '--port', str(port),
                                   '--data', str(tmp_path / 'data')], cwd=str(ROOT),
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            assert server.stdout is not None
            for line in iter(server.stdout.readline, ''):  # the banner: url, user, control_token...
                if line.startswith('Press Ctrl-C'):
                    break
                key, sep, value = line.strip().partition(': ')
                if key == 'control_token' and sep:
                    CONTROL['token'] = value.split()[0]
            from ambra_sdk.api import Api
            from ambra_sdk.emulator.server import DEFAULT_PASSWORD, DEFAULT_USERNAME
            from tests.helpers.dicoms import write_big_dicom

            url = 'http://127.0.0.1:{0}/api/v3'.format(port)
            wait_port(port)
            storage_base_url = 'http://{engine_fqdn}/api/v3/storage'
            api = Api.with_creds(url, DEFAULT_USERNAME, DEFAULT_PASSWORD, rate_limits=None,
                                 storage_base_url=storage_base_url)
            namespace = api.Session.user().get().namespace_id
            source = write_big_dicom(tmp_path / 'big.dcm', args.size_mib * 1024 * 1024)
            size = os.path.getsize(source)
            cfg = {'url': url, 'username': DEFAULT_USERNAME, 'password': DEFAULT_PASSWORD,
                   'storage_base_url': storage_base_url, 'engine_fqdn': '127.0.0.1:{0}'.format(port),
                   'namespace': namespace, 'source': str(source)}
            control(port, 'DELETE', 'requests')
            for number in range(args.rounds):
                order = ['plain', 'chunked-nowait', 'chunked']
                for mode in order if number % 2 == 0 else reversed(order):
                    run = child(dict(cfg, mode=mode))
                    if not run['image_uid']:
                        raise SystemExit('{0} run returned no uid'.format(mode))
                    check_path(port, mode, namespace, size)
                    runs[mode].append(run)
                    settle(tmp_path / 'data')
        finally:
            server.terminate()
            server.wait(10)
    def median(mode: str) -> float:
        return sorted(run['seconds'] for run in runs[mode])[len(runs[mode]) // 2]

    mib = size / 2 ** 20
    plain = median('plain')
    memory = max(run['extra_mib'] for mode in ('chunked', 'chunked-nowait') for run in runs[mode])
    plain_mem = max(run['extra_mib'] for run in runs['plain'])
    ok = memory < MEMORY_TARGET_MIB
    print('{0:<44} {1:6.2f}s ({2:6.1f} MiB/s)'.format('plain /image upload of {0:.0f} MiB'.format(mib), plain,
                                                     mib / plain))
    for mode, label, target in (('chunked-nowait', 'chunks until complete answers', TRANSFER_TARGET),
                                ('chunked', 'chunks until the study shows the image', SPEED_TARGET)):
        seconds = median(mode)
        ratio = plain / seconds
        ok = ok and ratio >= target
        print('{0:<44} {1:6.2f}s ({2:6.1f} MiB/s) ratio {3:4.2f} target >= {4:.2f} {5}'.format(
            label, seconds, mib / seconds, ratio, target, 'OK' if ratio >= target else 'MISSED'))
    print('{0:<44} chunked +{1:.1f} MiB, plain +{2:.1f} MiB (target < {3} MiB) {4}'.format(
        'peak client memory above the interpreter', memory, plain_mem, MEMORY_TARGET_MIB,
        'OK' if memory < MEMORY_TARGET_MIB else 'MISSED'))
    return ok


if __name__ == '__main__':
    sys.exit(0 if main() else 1)
