"""Big uploads are streamed: server memory does not grow with the file size.

The default size is 50 MiB; set ``AMBRA_STORAGE_BIG_MIB=1024`` to try 1 GiB.
"""

from __future__ import annotations

import os
import struct
import threading
import time
from pathlib import Path

import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

SIZE_MIB = int(os.environ.get('AMBRA_STORAGE_BIG_MIB', '50'))
#: Allowed RSS growth: well under the 50 MiB a buffered body would cost.
LIMIT = 24 * 1024 * 1024

pytestmark = pytest.mark.skipif(not Path('/proc/self/status').exists(), reason='needs /proc (Linux)')


def _rss_bytes() -> int:
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024
    raise AssertionError('no VmRSS')


class PeakRss:
    """Samples this process's RSS in a thread; ``growth`` is peak minus start."""

    def __init__(self) -> None:
        self.start = _rss_bytes()
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss_bytes())
            time.sleep(0.002)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_bytes())

    @property
    def growth(self) -> int:
        return self.peak - self.start


def big_dicom(path: Path, size_mib: int) -> int:
    """Write a valid DICOM whose 16-bit pixel data is ``size_mib`` MiB, in chunks."""
    rows = columns = 1024  # 2 MiB per 16-bit frame
    frames = max(size_mib // 2, 1)
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = '1.2.840.10008.5.1.4.1.1.7'
    ds.SOPInstanceUID = generate_uid()
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientName = 'Big^File'
    ds.PatientID = 'BIG'
    ds.Modality = 'OT'
    ds.Rows, ds.Columns = rows, columns
    ds.NumberOfFrames = frames
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    try:
        ds.save_as(str(path), enforce_file_format=True)
    except TypeError:  # pydicom < 3
        ds.save_as(str(path), write_like_original=False)
    length = rows * columns * 2 * frames
    block = bytes(range(256)) * 4096  # 1 MiB
    with open(path, 'ab') as out:
        out.write(struct.pack('<HH2sHI', 0x7FE0, 0x0010, b'OW', 0, length))
        left = length
        while left:
            piece = block[:min(left, len(block))]
            out.write(piece)
            left -= len(piece)
    return path.stat().st_size


def schema_frames(storage, up) -> int:
    schema = storage.get(storage.study(up) + '/schema').json()
    return int(schema['series'][0]['images'][0]['frames'])


def test_big_upload_is_streamed(storage, tmp_path):
    path = tmp_path / 'big.dcm'
    size = big_dicom(path, SIZE_MIB)
    limit = LIMIT
    with PeakRss() as rss, open(path, 'rb') as body:
        response = storage.post(f'/namespace/{storage.namespace}/image', data=body)
    assert response.status_code == 200, response.text
    assert rss.growth < limit, f'RSS grew by {rss.growth / 2**20:.1f} MiB for a {size / 2**20:.0f} MiB upload'
    up = response.json()
    assert up['attr']['Rows'] * up['attr']['Columns'] * 2 * int(up['attr']['NumberOfFrames']) == SIZE_MIB * 2**20
    assert schema_frames(storage, up) == SIZE_MIB // 2
    schema = storage.get(storage.study(up) + '/schema').json()
    assert schema['series'][0]['images'][0]['size'] == size
    study = storage.state.get_study(storage_namespace=storage.namespace, study_uid=up['study_uid'])
    assert study['patient_name'] == 'Big^File'

    # ... and downloaded back as a stream with Content-Length
    with PeakRss() as rss:
        response = storage.get(storage.image(up), stream=True)
        assert int(response.headers['Content-Length']) == size
        received = 0
        with open(path, 'rb') as original:
            for chunk in response.iter_content(1 << 20):
                assert chunk == original.read(len(chunk))
                received += len(chunk)
    assert received == size
    assert rss.growth < limit, f'RSS grew by {rss.growth / 2**20:.1f} MiB while downloading'

    # one frame of the big file renders without decoding the others
    last = schema_frames(storage, up) - 1
    thumb = storage.get(storage.image(up) + f'/frame/{last}/thumbnail')
    assert thumb.status_code == 200 and thumb.content[:2] == b'\xff\xd8'


def test_big_upload_then_zip_download_streams(storage, tmp_path):
    path = tmp_path / 'big.dcm'
    size = big_dicom(path, min(SIZE_MIB, 50))
    with open(path, 'rb') as body:
        up = storage.post(f'/namespace/{storage.namespace}/image', data=body).json()
    with PeakRss() as rss:
        response = storage.get(storage.study(up) + '/download', params={'bundle': 'dicom'}, stream=True)
        total = sum(len(c) for c in response.iter_content(1 << 20))
    assert total > size
    assert rss.growth < LIMIT


def test_client_hanging_up_mid_upload_leaves_nothing(storage, tmp_path):
    import socket

    host, port = storage.emulator.engine_fqdn.split(':')
    request = (
        f'POST /api/v3/storage/namespace/{storage.namespace}/image?sid={storage.sid} HTTP/1.1\r\n'
        f'Host: {host}\r\nContent-Length: 10000000\r\n\r\n'
    ).encode('ascii') + b'\x00' * 1000
    with socket.create_connection((host, int(port))) as conn:
        conn.sendall(request)
    time.sleep(0.3)
    assert storage.state.list_studies() == []
    assert storage.get(f'/study/{storage.namespace}/1.2/schema').status_code == 404
    tmp = storage.state.files_dir / 'storage-tmp'
    deadline = time.time() + 5
    while tmp.exists() and list(tmp.iterdir()) and time.time() < deadline:
        time.sleep(0.05)
    assert not tmp.exists() or not list(tmp.iterdir())


def _garbage(path: Path, mib: int) -> None:
    with open(path, 'wb') as out:
        out.write(struct.pack('<HHI', 0x0008, 0x0018, 0x7FFFFFF0))  # a "UID" of 2 GiB
        for _ in range(mib):
            out.write(b'1' * (1 << 20))


def test_big_garbage_is_rejected_without_reading_it(storage, tmp_path):
    path = tmp_path / 'garbage.bin'
    _garbage(path, SIZE_MIB)
    with PeakRss() as rss, open(path, 'rb') as body:
        response = storage.post(f'/namespace/{storage.namespace}/image', data=body)
    assert 400 <= response.status_code < 600
    assert response.json()['kind']['readable_status'] in ('MISSING_REQUIRED_DICOM_TAG', 'ERROR_ON_READING_DICOM_TAGS')
    assert rss.growth < LIMIT, f'RSS grew by {rss.growth / 2**20:.1f} MiB'
    assert not list(storage.index_files())


def test_big_header_blob_stays_on_disk(storage, tmp_path):
    """A DICOM whose payload is a big EncapsulatedDocument (before pixel data)."""
    path = tmp_path / 'doc.dcm'
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = '1.2.840.10008.5.1.4.1.1.104.1'
    ds.SOPInstanceUID, ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid(), generate_uid()
    ds.MIMETypeOfEncapsulatedDocument = 'application/pdf'
    try:
        ds.save_as(str(path), enforce_file_format=True)
    except TypeError:  # pydicom < 3
        ds.save_as(str(path), write_like_original=False)
    length = SIZE_MIB * 2**20
    with open(path, 'ab') as out:
        out.write(struct.pack('<HH2sHI', 0x0042, 0x0011, b'OB', 0, length))
        for _ in range(SIZE_MIB):
            out.write(b'%' * (1 << 20))
    with PeakRss() as rss, open(path, 'rb') as body:
        response = storage.post(f'/namespace/{storage.namespace}/image', data=body)
    assert response.status_code == 200, response.text
    assert rss.growth < LIMIT, f'RSS grew by {rss.growth / 2**20:.1f} MiB'
    up = response.json()
    with PeakRss() as rss:
        tags = storage.get(storage.image(up) + '/json').json()['tags']
    assert rss.growth < LIMIT
    blob = next(t for t in tags if t['name'] == 'EncapsulatedDocument')
    assert blob['vl'] == length and blob['value'] is None
