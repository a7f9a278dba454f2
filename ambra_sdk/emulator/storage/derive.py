"""Storing datasets and copying studies (clone, split, merge, anonymize, crop).

Copies read each source file fully (pixel data included), change UIDs and
pixels as asked, and store the result as a new image version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, BinaryIO, Callable, Dict, List, Optional

import numpy as np
from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from ambra_sdk.emulator.private_files import open_private
from ambra_sdk.emulator.storage.errors import StorageError
from ambra_sdk.emulator.storage.index import ImageRecord, StorageIndex
from ambra_sdk.emulator.storage.upload import Stored, file_dicom, hash_file

Transform = Callable[[Dataset, ImageRecord], None]


def write_dataset(ds: Dataset, out: BinaryIO) -> None:
    """Write ``ds`` into an open binary file as a proper DICOM file (preamble + meta) on pydicom 2 and 3."""
    try:
        ds.save_as(out, enforce_file_format=True)  # type: ignore[call-arg,unused-ignore]  # pydicom 2
    except TypeError:  # pydicom < 3
        ds.save_as(out, write_like_original=False)


def save_dataset(ds: Dataset, target: Any) -> None:
    """:func:`write_dataset` into a new private file ``target`` (a path)."""
    with open_private(target) as out:
        write_dataset(ds, out)  # type: ignore[arg-type,unused-ignore]


def store_dataset(index: StorageIndex, namespace: str, ds: Dataset) -> Stored:
    """Write ``ds`` as a DICOM file into the blob store and index it."""
    if not getattr(ds, 'file_meta', None):
        ds.file_meta = FileMetaDataset()
    meta = ds.file_meta
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    if 'TransferSyntaxUID' not in meta:
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
    tmp = index.new_tmp_path()
    save_dataset(ds, str(tmp))
    size = tmp.stat().st_size
    return file_dicom(index, namespace, tmp, size, hash_file(tmp))


# ------------------------------------------------------------------- copies
@dataclass
class CopyPlan:
    """What a copy does to each image.

    :ivar new_study_uid: StudyInstanceUID of the copies.
    :ivar new_series_uids: give each copied series a new SeriesInstanceUID.
    :ivar new_image_uids: give each copy a new SOPInstanceUID.
    :ivar transform: extra change applied to every dataset (pixels, tags).
    """

    new_study_uid: str
    new_series_uids: bool = False
    new_image_uids: bool = False
    transform: Optional[Transform] = None
    series_map: Dict[str, str] = field(default_factory=dict)


def copy_images(
    index: StorageIndex, images: List[ImageRecord], to_namespace: str, plan: CopyPlan,
) -> List[Stored]:
    """Copy ``images`` into ``plan.new_study_uid`` in ``to_namespace``."""
    stored = []
    for rec in images:
        ds = dcmread(rec.path)
        ds.StudyInstanceUID = plan.new_study_uid
        if plan.new_series_uids:
            ds.SeriesInstanceUID = plan.series_map.setdefault(rec.series_uid, generate_uid())
        if plan.new_image_uids:
            ds.SOPInstanceUID = generate_uid()
        if plan.transform is not None:
            plan.transform(ds, rec)
        stored.append(store_dataset(index, to_namespace, ds))
    return stored


def _pixels(ds: Dataset) -> Optional[np.ndarray]:
    """Decoded pixel array (decompressing the dataset in place), or None."""
    if 'PixelData' not in ds:
        return None
    try:
        if ds.file_meta.TransferSyntaxUID.is_compressed:
            ds.decompress()
        return np.array(ds.pixel_array)
    except Exception:  # noqa: BLE001 - no codec for this syntax
        return None


def _set_pixels(ds: Dataset, arr: np.ndarray) -> None:
    ds.PixelData = np.ascontiguousarray(arr).tobytes()
    frames = int(getattr(ds, 'NumberOfFrames', 1) or 1)
    rows_axis = 1 if frames > 1 else 0
    ds.Rows, ds.Columns = int(arr.shape[rows_axis]), int(arr.shape[rows_axis + 1])


def regions_for(spec: Dict[str, Any], series_uid: str, image_uid: str, key: str) -> Any:
    """Pick the most specific region entry (instance > series > study) for an image.

    :param key: ``'regions'`` (anonymize) or ``'region'`` (crop).
    """
    series = (spec.get('series') or {}).get(series_uid) or {}
    for holder in (
        (series.get('instances') or {}).get(image_uid),
        (spec.get('instances') or {}).get(image_uid),
        series,
        spec,
    ):
        if isinstance(holder, dict) and key in holder:
            return holder[key]
    return None


def _box(region: Any) -> Optional[tuple[int, int, int, int]]:
    try:
        x, y = int(region['x']), int(region['y'])
        width, height = int(region['width']), int(region['height'])
    except (KeyError, TypeError, ValueError):
        raise StorageError('VALIDATION_ERROR', f'Bad region: {region!r}') from None
    if width <= 0 or height <= 0:
        return None
    return max(x, 0), max(y, 0), width, height


def _color_value(color: Optional[str], arr: np.ndarray) -> Any:
    if not color:
        return None
    text = color.lstrip('#')
    try:
        rgb = [int(text[i:i + 2], 16) for i in (0, 2, 4)]
    except ValueError:
        raise StorageError('VALIDATION_ERROR', f'Bad color: {color}', {'color': color}) from None
    if arr.ndim >= 3 and arr.shape[-1] == 3:
        return np.array(rgb, dtype=arr.dtype)
    top = np.iinfo(arr.dtype).max if np.issubdtype(arr.dtype, np.integer) else 1.0
    return np.asarray(sum(rgb) / 765 * top).astype(arr.dtype)


def obscure_transform(spec: Dict[str, Any], color: Optional[str]) -> Transform:
    """Transform for ``anonymize``: paint the regions (colour or checkerboard)."""

    def apply(ds: Dataset, rec: ImageRecord) -> None:
        regions = regions_for(spec, rec.series_uid, rec.image_uid, 'regions') or []
        if not regions:
            return
        arr = _pixels(ds)
        if arr is None:
            return
        arr = arr.copy()
        multi = int(getattr(ds, 'NumberOfFrames', 1) or 1) > 1
        view = arr if multi else arr[np.newaxis]
        fill = _color_value(color, arr)
        for region in regions:
            box = _box(region)
            if box is None:
                continue
            x, y, width, height = box
            patch = view[:, y:y + height, x:x + width]
            if fill is not None:
                patch[...] = fill
            else:
                yy, xx = np.indices(patch.shape[1:3])
                checker = ((yy // 8 + xx // 8) % 2).astype(bool)
                top = np.iinfo(arr.dtype).max if np.issubdtype(arr.dtype, np.integer) else 1
                patch[:, checker] = top
                patch[:, ~checker] = 0
        _set_pixels(ds, arr)
        ds.BurnedInAnnotation = 'NO'

    return apply


def crop_transform(spec: Dict[str, Any]) -> Transform:
    """Transform for ``crop``: keep only the region of each image."""

    def apply(ds: Dataset, rec: ImageRecord) -> None:
        region = regions_for(spec, rec.series_uid, rec.image_uid, 'region')
        if not region:
            return
        box = _box(region)
        arr = _pixels(ds)
        if box is None or arr is None:
            return
        x, y, width, height = box
        multi = int(getattr(ds, 'NumberOfFrames', 1) or 1) > 1
        cropped = arr[:, y:y + height, x:x + width] if multi else arr[y:y + height, x:x + width]
        if cropped.size == 0:
            raise StorageError('VALIDATION_ERROR', 'Crop region is outside the image', {'region': region})
        _set_pixels(ds, cropped)

    return apply
