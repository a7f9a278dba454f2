"""save_response and the to_path/to_file/progress arguments (pure tests)."""

import io
import os
import sys

import pytest

from ambra_sdk.exceptions.storage import IncompleteDownload
from ambra_sdk.storage.download import save_response

from .helpers import FakeApi, make_response

PAYLOAD = bytes(range(256)) * 1000  # 256 000 bytes


def _leftovers(directory):
    return sorted(name for name in os.listdir(directory) if name.endswith('.part'))


def test_save_to_path(tmp_path):
    target = tmp_path / 'out.zip'
    response = make_response(200, PAYLOAD, {'Content-Length': str(len(PAYLOAD))})
    progress = []
    written = save_response(response, to_path=target, progress=lambda done, total: progress.append((done, total)),
                            chunk_size=65536)
    assert written == len(PAYLOAD)
    assert target.read_bytes() == PAYLOAD
    assert progress[-1] == (len(PAYLOAD), len(PAYLOAD))
    assert len(progress) == 4  # constant-size chunks
    assert _leftovers(tmp_path) == []


def test_overwrites_existing_file_only_when_complete(tmp_path):
    target = tmp_path / 'out.bin'
    target.write_bytes(b'old')
    response = make_response(200, PAYLOAD[:100], {'Content-Length': str(len(PAYLOAD))})
    with pytest.raises(IncompleteDownload) as info:
        save_response(response, to_path=target)
    assert (info.value.expected, info.value.received) == (len(PAYLOAD), 100)
    assert target.read_bytes() == b'old'
    assert _leftovers(tmp_path) == []


def test_incomplete_download_leaves_nothing(tmp_path):
    target = tmp_path / 'new.bin'
    response = make_response(200, b'abc', {'Content-Length': '10'})
    with pytest.raises(IncompleteDownload):
        save_response(response, to_path=target)
    assert not target.exists()
    assert os.listdir(tmp_path) == []


def test_failure_in_the_middle_leaves_nothing(tmp_path):
    target = tmp_path / 'new.bin'

    def boom(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        save_response(make_response(200, PAYLOAD), to_path=target, progress=boom)
    assert os.listdir(tmp_path) == []


def test_without_content_length(tmp_path):
    progress = []
    save_response(make_response(200, b'12345'), to_path=tmp_path / 'a', progress=lambda d, t: progress.append(t))
    assert (tmp_path / 'a').read_bytes() == b'12345'
    assert progress == [None]


def test_to_file():
    buffer = io.BytesIO()
    assert save_response(make_response(200, b'xyz', {'Content-Length': '3'}), to_file=buffer) == 3
    assert buffer.getvalue() == b'xyz'
    assert not buffer.closed


def test_progress_true_uses_tqdm(tmp_path, capsys):
    pytest.importorskip('tqdm')
    save_response(make_response(200, PAYLOAD, {'Content-Length': str(len(PAYLOAD))}),
                  to_path=tmp_path / 'a', progress=True)
    assert '250k' in capsys.readouterr().err


def test_progress_true_without_tqdm(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, 'tqdm', None)
    save_response(make_response(200, b'abc'), to_path=tmp_path / 'a', progress=True)
    assert (tmp_path / 'a').read_bytes() == b'abc'


@pytest.mark.parametrize('method, args', [
    ('frame', ('h', 'n', 's', 'i', 'v', '0')),
    ('frame_tiff', ('h', 'n', 's', 'i', 'v', '0')),
    ('pdf', ('h', 'n', 's', 'i', 'v')),
    ('attachment', ('h', 'n', 's', 'a', 'v')),
    ('latest', ('h', 'n', 's')),
    ('download', ('h', 'n', 's', 'dicom')),
    ('video', ('h', 'n', 's', 'i', 'v')),
])
def test_streaming_study_methods_save(method, args, tmp_path):
    from ambra_sdk.storage.storage import Storage

    api = FakeApi([lambda call: make_response(200, PAYLOAD, {'Content-Length': str(len(PAYLOAD))})])
    storage = Storage(api)
    seen = []
    response = getattr(storage.Study, method)(*args, to_path=tmp_path / 'out', progress=lambda d, t: seen.append(d))
    assert (tmp_path / 'out').read_bytes() == PAYLOAD
    assert response.status_code == 200
    assert api.calls[0]['kwargs']['stream'] is True
    assert seen[-1] == len(PAYLOAD)


def test_dicom_payload_to_file():
    from ambra_sdk.storage.storage import Storage

    api = FakeApi([lambda call: make_response(200, b'DICM')])
    buffer = io.BytesIO()
    Storage(api).Image.dicom_payload('h', 'n', 's', 'i', 'v', to_file=buffer)
    assert buffer.getvalue() == b'DICM'
