"""A real server that announces more bytes than it sends: nothing is left on disk."""

import socket
import threading

import pytest

from ambra_sdk.exceptions.storage import IncompleteDownload


class ShortBodyServer:
    """Answers every request with ``Content-Length: 100000`` and 1000 bytes, then closes."""

    def __init__(self) -> None:
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
                    b'HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\nContent-Length: 100000\r\n'
                    b'Connection: close\r\n\r\n' + b'P' * 1000,
                )

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()


@pytest.fixture
def short_server():
    with ShortBodyServer() as server:
        yield server


def test_truncated_download_raises_and_leaves_nothing(short_server, tmp_path):
    from ambra_sdk.api import Api

    api = Api.with_sid('http://127.0.0.1:9/api/v3', 'SID', storage_base_url='http://{engine_fqdn}/api/v3/storage')
    target = tmp_path / 'study.zip'
    target.write_bytes(b'previous complete download')
    with pytest.raises(IncompleteDownload) as info:
        api.Storage.Study.download(short_server.engine_fqdn, 'ns', 'st', 'dicom', to_path=target)
    assert info.value.expected == 100000
    assert info.value.received == 1000
    assert target.read_bytes() == b'previous complete download'
    assert [p.name for p in tmp_path.iterdir()] == ['study.zip']
