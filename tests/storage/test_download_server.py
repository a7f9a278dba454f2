"""Downloads from a real local server: a short body, and a big body in constant memory."""

import socket
import threading
import tracemalloc

import pytest

from ambra_sdk.exceptions.storage import IncompleteDownload


class BodyServer:
    """Answers every request with ``Content-Length: announced`` and ``sent`` bytes, then closes."""

    def __init__(self, announced: int = 100000, sent: int = 1000) -> None:
        self.announced = announced
        self.sent = sent
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(('127.0.0.1', 0))
        self._sock.listen(8)
        self._sock.settimeout(0.2)
        self.engine_fqdn = '127.0.0.1:{}'.format(self._sock.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except OSError:
                continue
            with client:
                client.settimeout(2)
                data = b''
                while b'\r\n\r\n' not in data:
                    chunk = client.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                client.sendall(
                    'HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\nContent-Length: {0}\r\n'
                    'Connection: close\r\n\r\n'.format(self.announced).encode('ascii'),
                )
                block = b'P' * 65536
                left = self.sent
                try:
                    while left > 0:
                        client.sendall(block[:left])
                        left -= len(block)
                except OSError:
                    pass

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()


@pytest.fixture
def short_server():
    with BodyServer(100000, 1000) as server:
        yield server


def _api():
    from ambra_sdk.api import Api

    return Api.with_sid('http://127.0.0.1:9/api/v3', 'SID', storage_base_url='http://{engine_fqdn}/api/v3/storage')


def test_truncated_download_raises_and_leaves_nothing(short_server, tmp_path):
    api = _api()
    target = tmp_path / 'study.zip'
    target.write_bytes(b'previous complete download')
    with pytest.raises(IncompleteDownload) as info:
        api.Storage.Study.download(short_server.engine_fqdn, 'ns', 'st', 'dicom', to_path=target)
    assert info.value.expected == 100000
    assert info.value.received == 1000
    assert target.read_bytes() == b'previous complete download'
    assert [p.name for p in tmp_path.iterdir()] == ['study.zip']


@pytest.mark.slow
def test_big_download_in_constant_memory(tmp_path):
    size = 48 * 1024 * 1024
    target = tmp_path / 'big.zip'
    seen = []
    with BodyServer(size, size) as server:
        api = _api()
        tracemalloc.start()
        try:
            api.Storage.Study.download(
                server.engine_fqdn, 'ns', 'st', 'dicom', to_path=target, chunk_size=256 * 1024,
                progress=lambda done, total: seen.append((done, total)),
            )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert target.stat().st_size == size
    assert peak < 8 * 1024 * 1024  # a few chunks, never the whole body
    assert seen[-1] == (size, size)
    assert len(seen) >= size // (256 * 1024)
