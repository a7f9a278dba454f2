"""Minimal readers used to prove that rendered bytes are real images."""

from __future__ import annotations

import struct
import zlib
from typing import Dict, Tuple


def png_info(data: bytes) -> Dict[str, int]:
    """Parse a PNG: check the CRCs, inflate IDAT, check the row count; return IHDR facts."""
    assert data[:8] == b'\x89PNG\r\n\x1a\n', data[:8]
    pos = 8
    chunks = []
    while pos < len(data):
        (length,) = struct.unpack('>I', data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack('>I', data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(kind + body) == crc
        chunks.append((kind, body))
        pos += 12 + length
    assert chunks[0][0] == b'IHDR' and chunks[-1][0] == b'IEND'
    width, height, depth, color, _, _, _ = struct.unpack('>IIBBBBB', chunks[0][1])
    raw = zlib.decompress(b''.join(b for k, b in chunks if k == b'IDAT'))
    channels = 3 if color == 2 else 1
    assert len(raw) == height * (1 + width * channels * depth // 8)
    return {'width': width, 'height': height, 'depth': depth, 'color': color}


def jpeg_size(data: bytes) -> Tuple[int, int]:
    """Check SOI/EOI and return (width, height) from the SOF0 marker."""
    assert data[:2] == b'\xff\xd8' and data[-2:] == b'\xff\xd9'
    pos = 2
    while pos < len(data):
        assert data[pos] == 0xFF
        marker = data[pos + 1]
        (length,) = struct.unpack('>H', data[pos + 2:pos + 4])
        if marker == 0xC0:
            height, width = struct.unpack('>HH', data[pos + 5:pos + 9])
            return width, height
        pos += 2 + length
    raise AssertionError('no SOF0 marker')


def tiff_size(data: bytes) -> Tuple[int, int]:
    """Return (width, height) of a little-endian TIFF."""
    assert data[:4] == b'II*\x00'
    (ifd,) = struct.unpack('<I', data[4:8])
    (count,) = struct.unpack('<H', data[ifd:ifd + 2])
    tags = {}
    for i in range(count):
        tag, typ, _n, value = struct.unpack('<HHII', data[ifd + 2 + 12 * i:ifd + 14 + 12 * i])
        tags[tag] = value & 0xFFFF if typ == 3 else value
    return tags[256], tags[257]


def tiny_pdf(text: str = 'Hello') -> bytes:
    """A minimal, valid one-page PDF (with a correct xref table)."""
    objects = [
        b'<< /Type /Catalog /Pages 2 0 R >>',
        b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R >>',
    ]
    stream = f'BT /F1 12 Tf 20 50 Td ({text}) Tj ET'.encode('ascii')
    objects.append(b'<< /Length %d >>\nstream\n' % len(stream) + stream + b'\nendstream')
    out = bytearray(b'%PDF-1.4\n')
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b'%d 0 obj\n' % number + body + b'\nendobj\n'
    xref = len(out)
    out += b'xref\n0 %d\n0000000000 65535 f \n' % (len(objects) + 1)
    for offset in offsets:
        out += b'%010d 00000 n \n' % offset
    out += b'trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' % (len(objects) + 1, xref)
    return bytes(out)
