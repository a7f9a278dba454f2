"""Tiny image encoders (numpy + stdlib only): PNG, baseline TIFF, baseline JPEG.

Input arrays are ``(rows, cols)`` grey or ``(rows, cols, 3)`` RGB, ``uint8`` or
``uint16`` (JPEG takes ``uint8`` only).
"""

from __future__ import annotations

import struct
import zlib
from typing import Dict, List, Tuple

import numpy as np

from ambra_sdk.checksum import crc32

__all__ = ['encode_png', 'encode_tiff', 'encode_jpeg', 'placeholder_png', 'PNG_SIGNATURE']

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', crc32(kind + data))


def encode_png(pixels: np.ndarray) -> bytes:
    """Encode a grey/RGB ``uint8``/``uint16`` array as PNG."""
    arr = np.ascontiguousarray(pixels)
    height, width = arr.shape[:2]
    color_type = 2 if arr.ndim == 3 else 0
    bit_depth = 16 if arr.dtype == np.uint16 else 8
    arr = arr.astype('>u2') if bit_depth == 16 else arr.astype(np.uint8)
    rows = arr.reshape(height, -1).view(np.uint8).reshape(height, -1)
    raw = np.concatenate([np.zeros((height, 1), dtype=np.uint8), rows], axis=1).tobytes()
    header = struct.pack('>IIBBBBB', width, height, bit_depth, color_type, 0, 0, 0)
    return (
        PNG_SIGNATURE + _png_chunk(b'IHDR', header)
        + _png_chunk(b'IDAT', zlib.compress(raw, 6)) + _png_chunk(b'IEND', b'')
    )


def placeholder_png() -> bytes:
    """A valid 8x8 mid-grey PNG for frames whose pixels cannot be decoded."""
    return encode_png(np.full((8, 8), 128, dtype=np.uint8))


def encode_tiff(pixels: np.ndarray) -> bytes:
    """Encode a grey/RGB ``uint8``/``uint16`` array as an uncompressed little-endian TIFF."""
    arr = np.ascontiguousarray(pixels)
    height, width = arr.shape[:2]
    samples = 3 if arr.ndim == 3 else 1
    bits = 16 if arr.dtype == np.uint16 else 8
    data = arr.astype('<u2' if bits == 16 else np.uint8).tobytes()
    entries: List[Tuple[int, int, int, int]] = []  # tag, type, count, value/offset
    header_size = 8
    n_entries = 10
    ifd_size = 2 + n_entries * 12 + 4
    bits_offset = header_size + ifd_size
    extra = b''
    if samples == 3:
        extra = struct.pack('<HHH', bits, bits, bits)
        bits_value = bits_offset
    else:
        bits_value = bits
    data_offset = bits_offset + len(extra)
    entries = [
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, samples, bits_value),
        (259, 3, 1, 1),  # no compression
        (262, 3, 1, 2 if samples == 3 else 1),  # RGB / BlackIsZero
        (273, 4, 1, data_offset),
        (277, 3, 1, samples),
        (278, 4, 1, height),
        (279, 4, 1, len(data)),
        (284, 3, 1, 1),  # chunky
    ]
    out = bytearray(b'II*\x00' + struct.pack('<I', header_size))
    out += struct.pack('<H', len(entries))
    for tag, typ, count, value in entries:
        if typ == 3 and count == 1:
            out += struct.pack('<HHIHH', tag, typ, count, value, 0)
        else:
            out += struct.pack('<HHII', tag, typ, count, value)
    out += struct.pack('<I', 0)
    out += extra
    out += data
    return bytes(out)


# --------------------------------------------------------------------- JPEG
_ZIGZAG = np.array([
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34,
    27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37,
    44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
])
_LUMA_Q = np.array([
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57,
    69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55,
    64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
]).reshape(8, 8)
_DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
_DC_VALS = list(range(12))
_AC_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D]
_AC_VALS = [
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61,
    0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xA1, 0x08, 0x23, 0x42, 0xB1, 0xC1, 0x15, 0x52,
    0xD1, 0xF0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0A, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x25,
    0x26, 0x27, 0x28, 0x29, 0x2A, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x43, 0x44, 0x45,
    0x46, 0x47, 0x48, 0x49, 0x4A, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x63, 0x64,
    0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x83,
    0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
    0x9A, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7, 0xA8, 0xA9, 0xAA, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6,
    0xB7, 0xB8, 0xB9, 0xBA, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6, 0xC7, 0xC8, 0xC9, 0xCA, 0xD2, 0xD3,
    0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8,
    0xE9, 0xEA, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9, 0xFA,
]


def _huffman_codes(bits: List[int], values: List[int]) -> Dict[int, Tuple[int, int]]:
    codes: Dict[int, Tuple[int, int]] = {}
    code = 0
    k = 0
    for length in range(1, 17):
        for _ in range(bits[length - 1]):
            codes[values[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


_DC_CODES = _huffman_codes(_DC_BITS, _DC_VALS)
_AC_CODES = _huffman_codes(_AC_BITS, _AC_VALS)


def _dct_matrix() -> np.ndarray:
    mat = np.zeros((8, 8))
    for k in range(8):
        for n in range(8):
            scale = np.sqrt(1 / 8) if k == 0 else np.sqrt(2 / 8)
            mat[k, n] = scale * np.cos(np.pi * (2 * n + 1) * k / 16)
    return mat


_DCT = _dct_matrix()


class _BitWriter:
    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def write(self, code: int, length: int) -> None:
        self.acc = (self.acc << length) | (code & ((1 << length) - 1))
        self.n += length
        while self.n >= 8:
            self.n -= 8
            byte = (self.acc >> self.n) & 0xFF
            self.out.append(byte)
            if byte == 0xFF:
                self.out.append(0)
        self.acc &= (1 << self.n) - 1

    def flush(self) -> bytes:
        if self.n:
            self.write((1 << (8 - self.n)) - 1, 8 - self.n)
        return bytes(self.out)


def _magnitude(value: int) -> Tuple[int, int]:
    size = int(abs(value)).bit_length()
    bits = value if value >= 0 else value + (1 << size) - 1
    return size, bits


def encode_jpeg(pixels: np.ndarray, quality: float = 0.9) -> bytes:
    """Encode a grey ``uint8`` array as a baseline JPEG (RGB input is converted to grey).

    :param quality: 0 < q <= 1 (the storage ``quality`` parameter).
    """
    arr = np.asarray(pixels, dtype=np.float64)
    if arr.ndim == 3:
        arr = arr[..., 0] * 0.299 + arr[..., 1] * 0.587 + arr[..., 2] * 0.114
    height, width = arr.shape
    q = min(max(float(quality), 0.01), 1.0) * 100
    scale = 5000 / q if q < 50 else 200 - 2 * q
    qtable = np.clip(np.floor((_LUMA_Q * scale + 50) / 100), 1, 255)
    pad_h, pad_w = (-height) % 8, (-width) % 8
    padded = np.pad(arr, ((0, pad_h), (0, pad_w)), mode='edge') - 128
    blocks = padded.reshape(padded.shape[0] // 8, 8, padded.shape[1] // 8, 8).swapaxes(1, 2)
    coeffs = np.einsum('ij,abjk,lk->abil', _DCT, blocks, _DCT)
    quant = np.round(coeffs / qtable).astype(np.int64).reshape(-1, 64)[:, _ZIGZAG]
    writer = _BitWriter()
    previous_dc = 0
    for block in quant.tolist():
        diff = block[0] - previous_dc
        previous_dc = block[0]
        size, bits = _magnitude(diff)
        writer.write(*_DC_CODES[size])
        if size:
            writer.write(bits, size)
        run = 0
        for value in block[1:]:
            if value == 0:
                run += 1
                continue
            while run > 15:
                writer.write(*_AC_CODES[0xF0])
                run -= 16
            size, bits = _magnitude(value)
            writer.write(*_AC_CODES[(run << 4) | size])
            writer.write(bits, size)
            run = 0
        if run:
            writer.write(*_AC_CODES[0x00])
    scan = writer.flush()
    out = bytearray(b'\xFF\xD8')
    out += b'\xFF\xE0' + struct.pack('>H', 16) + b'JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00'
    out += b'\xFF\xDB' + struct.pack('>HB', 67, 0) + bytes(int(v) for v in qtable.flatten()[_ZIGZAG])
    out += b'\xFF\xC0' + struct.pack('>HBHHB', 11, 8, height, width, 1) + bytes([1, 0x11, 0])
    out += b'\xFF\xC4' + struct.pack('>HB', 3 + 16 + len(_DC_VALS), 0x00)
    out += bytes(_DC_BITS) + bytes(_DC_VALS)
    out += b'\xFF\xC4' + struct.pack('>HB', 3 + 16 + len(_AC_VALS), 0x10)
    out += bytes(_AC_BITS) + bytes(_AC_VALS)
    out += b'\xFF\xDA' + struct.pack('>HB', 8, 1) + bytes([1, 0x00, 0, 63, 0])
    out += scan + b'\xFF\xD9'
    return bytes(out)
