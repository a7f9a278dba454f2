"""Rendering a stored frame: decode pixels, window, resize, encode.

``thumbnail`` and ``frame`` answer JPEG, ``diagnostic`` PNG and ``frame_tiff``
TIFF, as the vendor doc says. When pydicom cannot decode the pixel data (e.g.
JPEG 2000 without a codec installed) a small grey image of the requested
format is returned instead, so clients always get valid image bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np
from pydicom import dcmread

from ambra_sdk.emulator.storage.encoders import encode_jpeg, encode_png, encode_tiff
from ambra_sdk.emulator.storage.errors import StorageError
from ambra_sdk.emulator.storage.upload import load_header

#: Longest edge of a thumbnail.
THUMBNAIL_EDGE = 128

CONTENT_TYPES = {'jpeg': 'image/jpeg', 'png': 'image/png', 'tiff': 'image/tiff'}
_SUFFIX_FORMATS = {
    'jpg': 'jpeg', 'jpeg': 'jpeg', 'png': 'png', 'tif': 'tiff', 'tiff': 'tiff',
}


@dataclass(frozen=True)
class RenderOptions:
    """How to render a frame.

    :ivar fmt: ``'jpeg'``, ``'png'`` or ``'tiff'``.
    :ivar depth: 8 or 16 bits per sample (JPEG is always 8).
    :ivar max_size: ``(max_width, max_height)``; None = keep the size.
    :ivar quality: JPEG quality 0 < q <= 1.
    """

    fmt: str = 'png'
    depth: int = 8
    max_size: Optional[Tuple[int, int]] = None
    quality: float = 0.9


def parse_frame_number(text: str) -> Tuple[int, Optional[str]]:
    """Parse the ``{frameNumber}`` path segment: ``N`` or ``N.<suffix>``.

    :returns: ``(frame index, format from the suffix or None)``.
    :raises StorageError: VALIDATION_ERROR when it is not a number.
    """
    number, _, suffix = text.partition('.')
    if not number.isdigit():
        raise StorageError('VALIDATION_ERROR', f'Bad frame number: {text}', {'frame': text})
    return int(number), _SUFFIX_FORMATS.get(suffix.lower()) if suffix else None


def parse_depth(text: Optional[str]) -> int:
    """Parse ``depth`` (8 or 16, default 8)."""
    if text in (None, ''):
        return 8
    if text not in ('8', '16'):
        raise StorageError('VALIDATION_ERROR', 'Depth must be 8 or 16', {'depth': text})
    return int(text)


def parse_size(text: Optional[str]) -> Optional[Tuple[int, int]]:
    """Parse ``size``: omitted/0 = unchanged, ``N`` = max edge, ``WxH`` = max box."""
    if text in (None, '', '0'):
        return None
    assert text is not None
    try:
        if 'x' in text:
            width, height = (int(v) for v in text.split('x', 1))
        else:
            width = height = int(text)
    except ValueError:
        raise StorageError('VALIDATION_ERROR', f'Wrong size format: {text}', {'size': text}) from None
    if width < 0 or height < 0:
        raise StorageError('VALIDATION_ERROR', f'Wrong size format: {text}', {'size': text})
    if width == 0 and height == 0:
        return None
    return (width or height, height or width)


def parse_quality(text: Optional[str]) -> float:
    """Parse ``quality`` (0 < q <= 1, default 0.9)."""
    if text in (None, ''):
        return 0.9
    assert text is not None
    try:
        value = float(text)
    except ValueError:
        raise StorageError('VALIDATION_ERROR', f'Bad quality: {text}', {'quality': text}) from None
    if not 0 < value <= 1:
        raise StorageError('VALIDATION_ERROR', f'Bad quality: {text}', {'quality': text})
    return value


def _window(frame: np.ndarray, ds: object) -> np.ndarray:
    """Apply rescale + window (or min/max) and return floats in 0..1."""
    data = frame.astype(np.float64)
    slope = float(getattr(ds, 'RescaleSlope', 1) or 1)
    intercept = float(getattr(ds, 'RescaleIntercept', 0) or 0)
    data = data * slope + intercept
    center = getattr(ds, 'WindowCenter', None)
    width = getattr(ds, 'WindowWidth', None)
    try:
        if center is not None and width is not None:
            c = float(center[0] if hasattr(center, '__len__') and not isinstance(center, str) else center)
            w = float(width[0] if hasattr(width, '__len__') and not isinstance(width, str) else width)
            if w <= 1:
                raise ValueError
            low, high = c - w / 2, c + w / 2
        else:
            raise ValueError
    except (TypeError, ValueError):
        low, high = float(np.min(data)), float(np.max(data))  # (numpy 2.5 stubs: ndarray.min() fails mypy at 3.10)
    if high <= low:
        high = low + 1
    scaled = np.clip((data - low) / (high - low), 0, 1)
    if str(getattr(ds, 'PhotometricInterpretation', '')) == 'MONOCHROME1':
        scaled = 1 - scaled
    return scaled


def _resize(pixels: np.ndarray, max_size: Optional[Tuple[int, int]]) -> np.ndarray:
    if max_size is None:
        return pixels
    height, width = pixels.shape[:2]
    factor = min(max_size[0] / width, max_size[1] / height, 1.0)
    if factor >= 1.0:
        return pixels
    new_w, new_h = max(1, int(round(width * factor))), max(1, int(round(height * factor)))
    rows = (np.arange(new_h) * height / new_h).astype(int)
    cols = (np.arange(new_w) * width / new_w).astype(int)
    return pixels[rows][:, cols]


def _read_frame(path: str, frame_index: int, frames: int) -> np.ndarray:
    """Decode only the requested frame (pydicom 3 reads just its bytes from the file)."""
    try:
        from pydicom.pixels import pixel_array
    except ImportError:  # pydicom < 3: decode everything
        full = dcmread(path)
        if 'PixelData' not in full:
            raise ValueError('no pixel data') from None
        arr = full.pixel_array
        return arr[frame_index] if frames > 1 else arr
    return pixel_array(path, index=frame_index)


def decode_frame(path: str, frame_index: int) -> np.ndarray:
    """Decode one frame of a stored DICOM file to floats in 0..1.

    :raises StorageError: IMAGE_NOT_FOUND when the frame does not exist;
        any other failure propagates (the caller falls back to a placeholder).
    """
    ds = load_header(path)
    frames = int(getattr(ds, 'NumberOfFrames', 1) or 1)
    if frame_index >= frames:
        raise StorageError(
            'IMAGE_NOT_FOUND', f'Frame {frame_index} not found', {'frame': frame_index},
            http_status=404,
        )
    arr = _read_frame(path, frame_index, frames)
    samples = int(getattr(ds, 'SamplesPerPixel', 1) or 1)
    if samples == 3:  # pydicom 3 already converts YBR to RGB
        bits = int(getattr(ds, 'BitsStored', 8) or 8)
        return np.clip(arr.astype(np.float64) / float((1 << bits) - 1), 0, 1)
    return _window(arr, ds)


def encode(pixels01: np.ndarray, options: RenderOptions) -> bytes:
    """Scale 0..1 floats to the requested depth, resize and encode."""
    pixels01 = _resize(pixels01, options.max_size)
    if options.fmt == 'jpeg':
        return encode_jpeg(np.round(pixels01 * 255).astype(np.uint8), options.quality)
    if options.depth == 16:
        ints = np.round(pixels01 * 65535).astype(np.uint16)
    else:
        ints = np.round(pixels01 * 255).astype(np.uint8)
    if options.fmt == 'tiff':
        return encode_tiff(ints)
    return encode_png(ints)


def render_frame(path: str, frame_index: int, options: RenderOptions) -> bytes:
    """Render a frame of a stored file, or a grey placeholder when decoding fails.

    :raises StorageError: IMAGE_NOT_FOUND for a frame past the end.
    """
    try:
        pixels = decode_frame(path, frame_index)
    except StorageError:
        raise
    except Exception:  # noqa: BLE001 - undecodable pixel data
        pixels = np.full((8, 8), 0.5)
    return encode(pixels, options)
