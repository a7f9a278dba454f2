"""Target 5: big transfers in constant memory, at raw-requests speed.

Creates a DICOM file of ``--size-mib`` MiB (default 1024, the target's
figure; ``--size-mib 256`` is quicker), uploads it to an
emulator running in another process, then in fresh child processes:

* downloads it with ``api.Storage.Image.dicom_payload(..., to_path=...)`` and
  with raw ``requests`` ``iter_content`` to a file (the baseline), interleaved;
* uploads it with ``api.Storage.Image.upload`` (peak memory only).

Targets: download speed >= 0.9x raw (time ratio <= 1/0.9), peak memory of
the downloading/uploading process < 64 MiB above the interpreter.
"""

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = r'''
import json, resource, sys, time
sys.path.insert(0, {root!r})
import requests
from ambra_sdk.api import Api
cfg = json.loads(sys.argv[1])
api = Api.with_creds(cfg['url'], cfg['username'], cfg['password'], rate_limits=None,
                     storage_base_url=cfg['storage_base_url'])
api.Session.user().get()
# warm up what the baseline already has (requests is imported): the storage
# modules and the storage session are lazy, and their one-off cost is not transfer speed
api.Storage.Image
api.storage_session
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
if cfg['mode'] == 'sdk-download':
    api.Storage.Image.dicom_payload(cfg['engine_fqdn'], cfg['namespace'], cfg['study_uid'], cfg['image_uid'],
                                    cfg['image_version'], to_path=cfg['out'])
elif cfg['mode'] == 'sdk-download-file':
    with open(cfg['out'], 'wb') as out:
        api.Storage.Image.dicom_payload(cfg['engine_fqdn'], cfg['namespace'], cfg['study_uid'], cfg['image_uid'],
                                        cfg['image_version'], to_file=out)
elif cfg['mode'] == 'raw-download':
    url = cfg['storage_base_url'].format(engine_fqdn=cfg['engine_fqdn']) + (
        '/study/{{namespace}}/{{study_uid}}/image/{{image_uid}}/version/{{image_version}}'.format(**cfg))
    with requests.get(url, params={{'sid': api.sid}}, stream=True, timeout=120) as response:
        response.raise_for_status()
        with open(cfg['out'], 'wb') as out:
            for chunk in response.iter_content(1024 * 1024):
                out.write(chunk)
elif cfg['mode'] == 'sdk-upload':
    with open(cfg['source'], 'rb') as dicom_file:
        api.Storage.Image.upload(cfg['engine_fqdn'], cfg['namespace'], dicom_file)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{'seconds': seconds, 'extra_mib': (peak - base) / 1024.0, 'peak_mib': peak / 1024.0}}))
'''


def write_big_dicom(path: Path, size_mib: int) -> None:
    """A valid DICOM file whose PixelData (OB) is ``size_mib`` MiB, written in chunks."""
    from tests.helpers.dicoms import write_big_dicom as write

    write(path, size_mib * 1024 * 1024)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def child(cfg: dict, template: str = CHILD) -> dict:
    """Run ``template`` (a measured client, formatted with ``root``) in a fresh interpreter; return its JSON line."""
    code = template.format(root=str(ROOT))
    out = subprocess.run([sys.executable, '-c', code, json.dumps(cfg)], capture_output=True, text=True,
                         check=True, timeout=1800).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> bool:
    parser = argparse.ArgumentParser()
    parser.add_argument('--size-mib', type=int, default=1024)
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--show-runs', action='store_true', help='print every round (raw s, sdk s)')
    parser.add_argument('--out-dir', default='/dev/shm' if os.path.isdir('/dev/shm') else None,
                        help='where the downloads are written (default: a tmpfs, so that disk write-back '
                             'stalls do not decide the ratio)')
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        out_dir = args.out_dir or str(tmp_path)
        server = subprocess.Popen([sys.executable, '-m', 'ambra_sdk.emulator', '--port', str(port),
                                   '--data', str(tmp_path / 'data')], cwd=str(ROOT),
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            from ambra_sdk.api import Api
            from ambra_sdk.emulator.server import DEFAULT_PASSWORD, DEFAULT_USERNAME

            url = 'http://127.0.0.1:{0}/api/v3'.format(port)
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(('127.0.0.1', port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            storage_base_url = 'http://{engine_fqdn}/api/v3/storage'
            api = Api.with_creds(url, DEFAULT_USERNAME, DEFAULT_PASSWORD, rate_limits=None,
                                 storage_base_url=storage_base_url)
            namespace = api.Session.user().get().namespace_id
            engine_fqdn = '127.0.0.1:{0}'.format(port)
            source = tmp_path / 'big.dcm'
            write_big_dicom(source, args.size_mib)
            cfg = {'url': url, 'username': DEFAULT_USERNAME, 'password': DEFAULT_PASSWORD,
                   'storage_base_url': storage_base_url, 'engine_fqdn': engine_fqdn, 'namespace': namespace,
                   'source': str(source), 'out': os.path.join(out_dir, 'ambra-bench-out.dcm')}
            upload = child(dict(cfg, mode='sdk-upload'))
            image = api.Storage.Study.schema(engine_fqdn, namespace, _study_uid(source)).series[0].images[0]
            cfg.update(study_uid=_study_uid(source), image_uid=image.id, image_version=image.version)
            sdk_runs, raw_runs = [], []
            for number in range(args.rounds):
                order = ('raw-download', 'sdk-download') if number % 2 == 0 else ('sdk-download', 'raw-download')
                for mode in order:
                    (raw_runs if mode == 'raw-download' else sdk_runs).append(child(dict(cfg, mode=mode)))
                    assert os.path.getsize(cfg['out']) == os.path.getsize(source)
                    os.unlink(cfg['out'])
        finally:
            server.terminate()
            server.wait(10)
    sdk_time = sorted(run['seconds'] for run in sdk_runs)[len(sdk_runs) // 2]
    raw_time = sorted(run['seconds'] for run in raw_runs)[len(raw_runs) // 2]
    # each round's pair ran back to back: the median of the paired ratios is
    # less sensitive to the load of a shared machine drifting between rounds
    if args.show_runs:
        for number, (raw, sdk) in enumerate(zip(raw_runs, sdk_runs)):
            print('round {0}: raw {1:.2f}s sdk {2:.2f}s'.format(number, raw['seconds'], sdk['seconds']))
    pairs = sorted(raw['seconds'] / sdk['seconds'] for raw, sdk in zip(raw_runs, sdk_runs))
    speed = pairs[len(pairs) // 2]
    sdk_mem = max(run['extra_mib'] for run in sdk_runs)
    ok_speed = speed >= 0.9
    ok_mem = sdk_mem < 64 and upload['extra_mib'] < 64
    print('{0:<44} sdk {1:6.2f}s raw {2:6.2f}s speed ratio {3:5.2f} target >= 0.90 {4}'.format(
        'download {0} MiB to a file'.format(args.size_mib), sdk_time, raw_time, speed, 'OK' if ok_speed else 'MISSED'))
    print('{0:<48} download +{1:.1f} MiB, upload +{2:.1f} MiB (target < 64 MiB) {3}'.format(
        'peak memory above the interpreter', sdk_mem, upload['extra_mib'], 'OK' if ok_mem else 'MISSED'))
    return ok_speed and ok_mem


def _study_uid(path: Path) -> str:
    from pydicom import dcmread

    return str(dcmread(str(path), stop_before_pixels=True).StudyInstanceUID)


if __name__ == '__main__':
    resource.setrlimit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE))
    sys.exit(0 if main() else 1)
