"""What goes into a ``download`` zip, per bundle type and folder options.

* ``dicom``: the DICOM files (``SER0001/IMG0001.dcm``) and the attachments
  (``REPORTS/<name>``);
* ``iso``: the same plus rendered JPEGs (``IMAGES/...``) and a viewer stub;
* ``osx`` / ``win``: rendered JPEGs plus a viewer stub (``exclude_viewer=1``
  leaves the stub out).

``flat_directory=1`` names files ``IMG0001.dcm`` at the top; ``roche_directory=1``
uses ``StudyDate-TimePoint/Modality/SeriesTime-SeriesDescription/``.
``anonymize_tags=<tagint>=<value>,...`` rewrites tags in the zipped copies
(``__DELETE__`` removes the tag); rendering errors go to ``ERROR.txt``.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Set

from pydicom import dcmread

from ambra_sdk.emulator.storage.errors import StorageError
from ambra_sdk.emulator.storage.index import AttachmentRecord, ImageRecord
from ambra_sdk.emulator.storage.render import RenderOptions, render_frame
from ambra_sdk.emulator.storage.upload import load_header
from ambra_sdk.emulator.storage.zipstream import ZipEntry, bytes_chunks, file_chunks

BUNDLES = ('dicom', 'iso', 'osx', 'win')
DELETE = '__DELETE__'
VIEWER_STUB = {
    'osx': ('VIEWER/Viewer.app/README.txt', b'Ambra emulator: the macOS viewer is not bundled.\n'),
    'win': ('VIEWER/viewer.exe.txt', b'Ambra emulator: the Windows viewer is not bundled.\n'),
}


@dataclass(frozen=True)
class DownloadOptions:
    """Parsed ``download`` query options."""

    bundle: str
    series_uids: Optional[Set[str]] = None
    image_uids: Optional[Set[str]] = None
    exclude_viewer: bool = False
    flat_directory: bool = False
    roche_directory: bool = False
    anonymize_tags: Optional[Dict[int, str]] = None


def parse_uid_list(text: Optional[str]) -> Optional[Set[str]]:
    """Comma-separated UIDs -> set (None when absent/empty)."""
    if not text:
        return None
    items = {t.strip() for t in text.split(',') if t.strip()}
    return items or None


def parse_anonymize_tags(text: Optional[str]) -> Optional[Dict[int, str]]:
    """Parse ``tagint=value,tagint=value``.

    :raises StorageError: 412 ANONYMIZE_TAGS_FORMAT_ERROR on a malformed item.
    """
    if not text:
        return None
    result: Dict[int, str] = {}
    for item in text.split(','):
        key, sep, value = item.partition('=')
        if not sep or not key.strip().isdigit():
            raise StorageError('ANONYMIZE_TAGS_FORMAT_ERROR', exception_data={'anonymize_tags': text})
        result[int(key.strip())] = value
    return result


def _clean(text: str) -> str:
    return re.sub(r'[^A-Za-z0-9._-]+', '_', text).strip('_') or 'UNKNOWN'


def _anonymized(path: str, overrides: Dict[int, str]) -> bytes:
    ds = dcmread(path)
    for tag, value in overrides.items():
        if tag in ds:
            if value == DELETE:
                del ds[tag]
            else:
                ds[tag].value = value
        elif value != DELETE:
            from pydicom.datadict import dictionary_VR

            try:
                vr = dictionary_VR(tag)
            except KeyError:
                vr = 'LO'
            ds.add_new(tag, vr, value)
    buffer = io.BytesIO()
    ds.save_as(buffer)
    return buffer.getvalue()


def _folders(images: List[ImageRecord], opts: DownloadOptions) -> Dict[str, str]:
    """image key -> folder prefix inside the zip."""
    result: Dict[str, str] = {}
    series_index: Dict[str, int] = {}
    for rec in images:
        key = rec.image_uid + '/' + rec.version
        if opts.flat_directory:
            result[key] = ''
        elif opts.roche_directory:
            ds = load_header(rec.path)
            top = f"{ds.get('StudyDate', '') or 'NODATE'}-{ds.get('ClinicalTrialTimePointID', '') or 'NA'}"
            leaf = f"{ds.get('SeriesTime', '') or 'NOTIME'}-{ds.get('SeriesDescription', '') or 'NODESC'}"
            result[key] = f'{_clean(top)}/{_clean(rec.modality or "OT")}/{_clean(leaf)}/'
        else:
            number = series_index.setdefault(rec.series_uid, len(series_index) + 1)
            result[key] = f'SER{number:04d}/'
    return result


def select_images(images: List[ImageRecord], opts: DownloadOptions) -> List[ImageRecord]:
    """Apply the ``series_uid`` / ``image_uid`` filters."""
    return [
        r for r in images
        if (opts.series_uids is None or r.series_uid in opts.series_uids)
        and (opts.image_uids is None or r.image_uid in opts.image_uids)
    ]


def zip_entries(
    images: List[ImageRecord], attachments: List[AttachmentRecord], opts: DownloadOptions,
) -> Iterator[ZipEntry]:
    """Yield the members of the download zip (lazily, so rendering streams too)."""
    folders = _folders(images, opts)
    errors: List[str] = []
    with_dicom = opts.bundle in ('dicom', 'iso')
    with_images = opts.bundle in ('iso', 'osx', 'win')
    counters: Dict[str, int] = {}
    for rec in images:
        folder = folders[rec.image_uid + '/' + rec.version]
        counters[folder] = counters.get(folder, 0) + 1
        stem = f'IMG{counters[folder]:04d}'
        if with_dicom:
            if opts.anonymize_tags:
                data = _anonymized(rec.path, opts.anonymize_tags)
                yield ZipEntry(f'{folder}{stem}.dcm', bytes_chunks(data), len(data))
            else:
                yield ZipEntry(f'{folder}{stem}.dcm', file_chunks(rec.path), rec.size)
        if with_images and rec.frames:
            try:
                jpeg = render_frame(rec.path, 0, RenderOptions(fmt='jpeg'))
                yield ZipEntry(f'IMAGES/{folder}{stem}.jpg', bytes_chunks(jpeg), len(jpeg))
            except Exception as exc:  # noqa: BLE001 - reported in ERROR.txt
                errors.append(f'{rec.image_uid}: {exc}')
    if with_dicom:
        seen: Set[str] = set()
        for att in attachments:
            name = _clean(att.name)
            if name in seen:
                name = f'{att.version[:8]}_{name}'
            seen.add(name)
            yield ZipEntry(f'REPORTS/{name}', file_chunks(att.path), att.size)
    if not opts.exclude_viewer:
        for key in (('osx', 'win') if opts.bundle == 'iso' else (opts.bundle,)):
            if key in VIEWER_STUB:
                name, data = VIEWER_STUB[key]
                yield ZipEntry(name, bytes_chunks(data), len(data))
    if errors:
        text = ('\n'.join(errors) + '\n').encode('utf-8')
        yield ZipEntry('ERROR.txt', bytes_chunks(text), len(text))
