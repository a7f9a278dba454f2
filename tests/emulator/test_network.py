"""The emulator's network profile: the parser, and its latency and rate caps measured coarsely over loopback."""

from __future__ import annotations

import threading
import time

import pytest

from ambra_sdk.emulator.network import NetworkProfile, TokenBucket, parse_network

pytest.importorskip('werkzeug')
pytest.importorskip('pydicom')


def test_the_issue_profile_parses_to_seconds_and_bytes_per_second():
    profile = parse_network('rtt=40ms,conn=50Mbit,total=1Gbit')
    assert profile == NetworkProfile(rtt=0.04, conn=50e6 / 8, total=1e9 / 8)
    assert profile.limit(1) == 50e6 / 8 and profile.limit(8) == 8 * 50e6 / 8 and profile.limit(40) == 1e9 / 8
    assert parse_network(str(profile)) == profile


@pytest.mark.parametrize('text, expected', [
    ('rtt=0', NetworkProfile()),
    ('', NetworkProfile()),
    (None, NetworkProfile()),
    ('RTT=0.5s, conn=10MiB', NetworkProfile(rtt=0.5, conn=10 * 1024 * 1024)),
    ('rtt=500us,total=800kbit', NetworkProfile(rtt=0.0005, total=1e5)),
    ('conn=2MB/s,total=none', NetworkProfile(conn=2e6)),
])
def test_units(text, expected):
    assert parse_network(text) == expected


@pytest.mark.parametrize('text, message', [
    ('rtt=40', 'rtt'),                  # a duration needs its unit
    ('conn=50', 'conn'),                # so does a rate
    ('conn=50Mbps', 'conn'),
    ('speed=1Gbit', 'speed'),
    ('rtt=1ms,rtt=2ms', 'twice'),
    ('conn=-1Mbit', 'conn'),
])
def test_bad_profiles_name_the_key(text, message):
    with pytest.raises(ValueError, match=message):
        parse_network(text)


def test_the_command_line_refuses_a_bad_profile(capsys):
    from ambra_sdk.emulator.cli import main

    with pytest.raises(SystemExit):
        main(['--network', 'conn=fast'])
    assert 'conn' in capsys.readouterr().err


def test_a_token_bucket_shared_by_threads_keeps_its_rate():
    bucket = TokenBucket(1e6, burst=0.0)
    start = time.monotonic()

    def take():
        for _ in range(10):
            until = bucket.reserve(10_000, time.monotonic())
            time.sleep(max(0.0, until - time.monotonic()))

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 0.4 <= time.monotonic() - start < 1.2  # 400 kB at 1 MB/s, whatever the threads


def _upload_and_download(emulator, api, source, out):
    with open(source, 'rb') as dicom_file:
        started = time.monotonic()
        image = api.Storage.Image.upload(emulator.engine_fqdn, emulator.namespace_id, dicom_file)
        up = time.monotonic() - started
    started = time.monotonic()
    api.Storage.Image.dicom_payload(emulator.engine_fqdn, emulator.namespace_id, image.study_uid, image.image_uid,
                                    image.image_version, to_path=str(out))
    return up, time.monotonic() - started


def test_one_connection_is_capped_in_both_directions_and_pays_its_round_trips(tmp_path):
    from ambra_sdk.emulator import Emulator
    from tests.helpers.dicoms import write_big_dicom

    source = write_big_dicom(tmp_path / 'big.dcm', 1024 * 1024)
    size = source.stat().st_size
    with Emulator(network='rtt=50ms,conn=16Mbit') as emulator:  # 2 MB/s
        api = emulator.api()
        started = time.monotonic()
        api.Session.user().get()  # login + the call, on new connections: 2 + 1 + 1 round trips at least
        assert time.monotonic() - started >= 0.15
        started = time.monotonic()
        api.Session.user().get()
        assert 0.05 <= time.monotonic() - started < 1.0
        up, down = _upload_and_download(emulator, api, source, tmp_path / 'out.dcm')
    assert (tmp_path / 'out.dcm').read_bytes() == source.read_bytes()
    for seconds in (up, down):  # ~0.52 s of bytes + a round trip; generous bounds for a loaded machine
        assert size / 2e6 <= seconds < 4 * size / 2e6


def test_the_total_cap_is_shared_by_connections(tmp_path):
    from ambra_sdk.emulator import Emulator
    from tests.helpers.dicoms import write_big_dicom

    source = write_big_dicom(tmp_path / 'big.dcm', 512 * 1024)
    size = source.stat().st_size
    with Emulator(network='total=16Mbit') as emulator:
        apis = [emulator.api(rate_limits=None) for _ in range(3)]
        for api in apis:
            api.get_sid()
        started = time.monotonic()
        threads = [threading.Thread(target=_upload_and_download, args=(emulator, api, source,
                                                                       tmp_path / 'out{0}.dcm'.format(n)))
                   for n, api in enumerate(apis)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.monotonic() - started
    assert 3 * size / 2e6 <= seconds < 4 * 3 * size / 2e6  # 3 uploads then 3 downloads share 2 MB/s each way


def test_the_traffic_counts_every_byte_each_way(tmp_path):
    import requests

    from ambra_sdk.emulator import Emulator
    from tests.helpers.dicoms import write_big_dicom

    source = write_big_dicom(tmp_path / 'big.dcm', 256 * 1024)
    size = source.stat().st_size
    with Emulator() as plain:
        assert plain.traffic == (0, 0)  # no profile, nothing wrapped, nothing counted
    with Emulator(network='rtt=1ms') as emulator:
        api = emulator.api()
        api.Session.user().get()
        before = emulator.traffic
        up, down = _upload_and_download(emulator, api, source, tmp_path / 'out.dcm')
        received, sent = emulator.traffic
        root = emulator.url.split('/api/v3')[0]
        answer = requests.get(root + '/_emulator/network', headers=emulator.control_headers(), timeout=30).json()
    # the file went up once and down once, with request lines, headers and answers on top
    assert size < received - before[0] < size + 16 * 1024
    assert size < sent - before[1] < size + 16 * 1024
    assert answer['profile'] == 'rtt=1ms'
    assert answer['received'] >= received and answer['sent'] >= sent
