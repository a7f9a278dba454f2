"""Receiving DICOM: stream the body to disk, read the header, file it in the index.

The body is copied in :data:`CHUNK` sized pieces and hashed on the way, so a
1 GiB upload never sits in memory; pydicom reads only the header
(``stop_before_pixels=True``) and leaves values over :data:`DEFER_SIZE` on disk,
so neither a big ``EncapsulatedDocument`` nor garbage with absurd lengths is
ever loaded.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Dict, List, NamedTuple, Optional, Tuple

from pydicom import dcmread
from pydicom.datadict import tag_for_keyword
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from ambra_sdk.emulator.private_files import open_private
from ambra_sdk.emulator.storage.deflate import check_inflated_size
from ambra_sdk.emulator.storage.dicom_check import MAX_UID_LENGTH, dataset_truncation, is_valid_uid
from ambra_sdk.emulator.storage.errors import StorageError
from ambra_sdk.emulator.storage.index import ImageRecord, StorageIndex
from ambra_sdk.emulator.storage.tags import attribute_map, converted, has, raw_item
from ambra_sdk.emulator.storage.upload_header import ParsedHeader, header_attr, header_attr_json, parse_header_bytes

CHUNK = 1 << 20
#: Files up to this size are parsed from memory (see :func:`load_header`).
IN_MEMORY_HEADER = 1 << 20
#: Header values larger than this stay on disk until accessed.
DEFER_SIZE = 64 * 1024
#: Encapsulated PDF Storage.
PDF_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.104.1'
_REQUIRED = ('StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID')


def spool(stream: IO[bytes], dest: Path, limit: Optional[int] = None) -> Tuple[int, str]:
    """Copy ``stream`` to ``dest`` in chunks.

    :param stream: a readable binary stream (the WSGI input).
    :param dest: file to create.
    :param limit: read at most this many bytes (the Content-Length), None = to EOF.
    :returns: ``(size, sha1 hex digest)``.
    :raises StorageError: ERROR_DURING_UPLOAD_PROCESS when the client hangs up early.
    """
    spooled = spool_body(stream, dest, limit)
    return spooled.size, spooled.sha1


class Spooled(NamedTuple):
    """A body written to disk by :func:`spool_body`."""

    size: int
    sha1: str
    #: The whole body when it has at most :data:`IN_MEMORY_HEADER` bytes (else None).
    content: Optional[bytes]


def spool_body(stream: IO[bytes], dest: Path, limit: Optional[int] = None) -> Spooled:
    """:func:`spool`, keeping a small body in memory (so the header is parsed without reading the file back)."""
    digest = hashlib.sha1()
    size = 0
    pieces: Optional[List[bytes]] = []
    try:
        with open_private(dest) as out:
            while limit is None or size < limit:
                want = CHUNK if limit is None else min(CHUNK, limit - size)
                try:
                    chunk = stream.read(want)
                except OSError as exc:
                    raise StorageError(
                        'ERROR_DURING_UPLOAD_PROCESS', f'Upload interrupted: {exc}',
                    ) from None
                if not chunk:
                    break
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                if pieces is not None:
                    if size > IN_MEMORY_HEADER:
                        pieces = None
                    else:
                        pieces.append(chunk)
        if limit is not None and size < limit:
            raise StorageError(
                'ERROR_DURING_UPLOAD_PROCESS', 'Upload body ended before Content-Length bytes',
                {'expected': limit, 'received': size},
            )
    except BaseException:
        try:
            os.unlink(dest)
        except OSError:
            pass
        raise
    return Spooled(size, digest.hexdigest(), None if pieces is None else b''.join(pieces))


def _move(source: Path, target: Path) -> None:
    """``shutil.move`` to a new path: a single ``rename`` on one file system (no ``isdir`` probe first)."""
    try:
        os.replace(source, target)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        shutil.move(str(source), str(target))


def hash_file(path: Path) -> str:
    """SHA-1 hex digest of a file, read in chunks."""
    digest = hashlib.sha1()
    with open(path, 'rb') as src:
        for chunk in iter(lambda: src.read(CHUNK), b''):
            digest.update(chunk)
    return digest.hexdigest()


def load_header(path: str | Path, force: bool = False) -> Dataset:
    """Read a stored file's header: no pixel data, values over :data:`DEFER_SIZE` left on disk.

    Deferred values (a big ``EncapsulatedDocument``, a private blob) are read
    from ``path`` only when accessed, so the file must stay where it is.

    A file of at most :data:`IN_MEMORY_HEADER` bytes is read in one call and
    parsed from memory (its deferred values then come from that buffer):
    parsing a real file calls ``tell()``, a system call that releases the GIL,
    for every element, which costs little alone but makes the threads of a
    busy emulator hand the GIL over hundreds of times per upload.
    """
    return _parse_header(str(path), _small_content(path), force)


def _small_content(path: str | Path) -> Optional[bytes]:
    """The whole file when it has at most :data:`IN_MEMORY_HEADER` bytes, else None."""
    name = str(path)
    if os.path.getsize(name) > IN_MEMORY_HEADER:
        return None
    with open(name, 'rb') as src:
        return src.read()


def _parse_header(name: str, content: Optional[bytes], force: bool = False) -> Dataset:
    """:func:`load_header` of ``name``, from ``content`` when given (its whole content)."""
    if content is not None:
        return dcmread(io.BytesIO(content), stop_before_pixels=True, defer_size=DEFER_SIZE, force=force)
    return dcmread(name, stop_before_pixels=True, defer_size=DEFER_SIZE, force=force)


def _uid_length(ds: Dataset, keyword: str) -> Optional[int]:
    """Stored length of a UID element (None when absent), without reading a huge value."""
    tag = tag_for_keyword(keyword)
    if tag is None:
        return None
    raw = raw_item(ds, tag)
    if raw is None:
        return None
    length = getattr(raw, 'length', None)
    if isinstance(length, int):
        return length
    return len(str(ds[tag].value or ''))


def read_header(path: Path) -> Dataset:
    """Read and check a DICOM file's header (no pixel data, big values deferred).

    Files without the ``DICM`` preamble are retried with ``force=True``. The
    three identifying UIDs must be present and be DICOM UIDs
    (:func:`~ambra_sdk.emulator.storage.dicom_check.is_valid_uid`), and no
    element may end after the end of the file.

    :raises StorageError: ERROR_ON_READING_DICOM_TAGS when it is not DICOM or
        is truncated, MISSING_REQUIRED_DICOM_TAG when a UID is missing,
        VALIDATION_ERROR (``invalid_uids``) when a UID is not a DICOM UID,
        PAYLOAD_TOO_LARGE when a deflated data set inflates past its bound
        (:mod:`~ambra_sdk.emulator.storage.deflate`).
    """
    return read_upload_header(path, whole=True).dataset


def read_upload_header(path: Path, content: Optional[bytes] = None, whole: bool = False) -> ParsedHeader:
    """:func:`read_header`, with what the upload's answer needs (:mod:`~ambra_sdk.emulator.storage.upload_header`).

    :param content: the file's whole content when the caller holds it
        (:func:`spool_body`): the file is then not read again.
    :param whole: parse every element (else those known from earlier uploads are left out of the data set).
    """
    name = str(path)
    if content is None:
        try:
            content = _small_content(name)  # read once: the checks, the parse and the truncation walk share it
        except OSError:
            content = None  # the parse below meets the error again, inside its refusal
    check_inflated_size(path, content=content)
    try:
        header = None if whole else _quick_parse(content)
        if header is None:
            try:
                ds = _parse_header(name, content)
            except InvalidDicomError:
                ds = _parse_header(name, content, force=True)
            header = ParsedHeader(ds)
        ds = header.dataset
        missing, invalid = _check_uids(ds)
        truncated = None if missing or invalid else dataset_truncation(name, ds, content, header.resume)
    except Exception as exc:
        raise StorageError(
            'ERROR_ON_READING_DICOM_TAGS', f'Not a readable DICOM file: {type(exc).__name__}',
        ) from None
    if missing:
        raise StorageError('MISSING_REQUIRED_DICOM_TAG', exception_data={'missing': missing})
    if invalid:
        raise StorageError(
            'VALIDATION_ERROR', 'Not a DICOM UID (digits and dots, no leading zeros, at most 64 characters)',
            {'invalid_uids': invalid},
        )
    if truncated:
        raise StorageError('ERROR_ON_READING_DICOM_TAGS', f'Truncated DICOM file: {truncated}')
    return header


def _quick_parse(content: Optional[bytes]) -> Optional[ParsedHeader]:
    """:func:`~ambra_sdk.emulator.storage.upload_header.parse_header_bytes` of ``content``; None: parse it as before."""
    if content is None:
        return None
    try:
        return parse_header_bytes(content, DEFER_SIZE)
    except Exception:  # noqa: BLE001 - the whole parse decides (and words the refusal) as before
        return None


def _check_uids(ds: Dataset) -> Tuple[List[str], Dict[str, str]]:
    """The identifying UIDs that are missing, and those that are not DICOM UIDs (keyword -> value)."""
    missing: List[str] = []
    invalid: Dict[str, str] = {}
    for keyword in _REQUIRED:
        length = _uid_length(ds, keyword)
        if length and length > MAX_UID_LENGTH + 2:  # never read a huge value: 64 + padding
            invalid[keyword] = f'<{length} bytes>'
            continue
        value = converted(ds, keyword, _uid_text, '') if length else ''
        if not value:
            missing.append(keyword)
        elif not is_valid_uid(value):
            invalid[keyword] = value
    return missing, invalid


def check_study_uid(study_uid: str) -> None:
    """412 VALIDATION_ERROR unless ``study_uid`` (a ``study_uid`` parameter) is a DICOM UID."""
    if not is_valid_uid(study_uid):
        raise StorageError(
            'VALIDATION_ERROR', 'Not a DICOM UID (digits and dots, no leading zeros, at most 64 characters)',
            {'invalid_uids': {'study_uid': study_uid[:MAX_UID_LENGTH + 2]}},
        )


def _uid_text(value: Any) -> str:
    return str(value or '').strip(' \x00')


def _int_or_none(value: Any) -> Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _text_or_empty(value: Any) -> str:
    return str(value or '')


def _required_text(ds: Dataset, keyword: str) -> str:
    """``str(ds.<keyword>)`` (AttributeError when missing), converted once per distinct value."""
    if not has(ds, keyword):
        return str(getattr(ds, keyword))
    return str(converted(ds, keyword, str))


def encapsulated_mime(ds: Dataset) -> str:
    """MIME type of an encapsulated document or video in ``ds`` ('' for plain images)."""
    mime = converted(ds, 'MIMETypeOfEncapsulatedDocument', _text_or_empty, '')
    if mime:
        return str(mime)
    if converted(ds, 'SOPClassUID', str, '') == PDF_SOP_CLASS:
        return 'application/pdf'
    meta = getattr(ds, 'file_meta', None)
    syntax = str(meta.get('TransferSyntaxUID', '')) if meta is not None else ''
    if syntax.startswith('1.2.840.10008.1.2.4.10'):  # MPEG-2 / MPEG-4 / HEVC
        return 'video/mp4' if not syntax.startswith('1.2.840.10008.1.2.4.100') else 'video/mpeg'
    return ''


def image_record(
    ds: Dataset, namespace: str, study_uid: str, path: Path, size: int, version: str,
) -> ImageRecord:
    """Build the index row for a stored file from its header."""
    meta = getattr(ds, 'file_meta', None)
    syntax = str(meta.get('TransferSyntaxUID', '')) if meta is not None else ''
    frames = 0
    if has(ds, 'Rows') and has(ds, 'Columns'):
        frames = converted(ds, 'NumberOfFrames', _int_or_none) or 1
    return ImageRecord(
        namespace=namespace,
        study_uid=study_uid,
        series_uid=_required_text(ds, 'SeriesInstanceUID'),
        image_uid=_required_text(ds, 'SOPInstanceUID'),
        version=version,
        path=str(path),
        size=size,
        sop_class_uid=converted(ds, 'SOPClassUID', _text_or_empty, ''),
        transfer_syntax=syntax,
        frames=frames,
        instance_number=converted(ds, 'InstanceNumber', _int_or_none),
        series_number=converted(ds, 'SeriesNumber', _int_or_none),
        modality=converted(ds, 'Modality', _text_or_empty, ''),
        series_description=converted(ds, 'SeriesDescription', _text_or_empty, ''),
        mime=encapsulated_mime(ds),
    )


@dataclass
class Stored:
    """Result of filing one DICOM file.

    ``dataset`` holds every element the emulator reads from an upload
    (:data:`~ambra_sdk.emulator.storage.upload_header.KEPT_KEYWORDS`); its
    ``attr`` answer is :meth:`attr` (the elements left out of the parse
    included), never ``attribute_map(dataset)``.
    """

    record: ImageRecord
    dataset: Dataset
    header: Optional[ParsedHeader] = None

    def attr(self) -> Dict[str, Any]:
        """The ``attr`` answer of the stored file (every top-level element)."""
        if self.header is None:
            return attribute_map(self.dataset)
        return header_attr(self.header)

    def answer_json(self) -> str:
        """``json.dumps(upload_response(self, self.attr()))``, the ``attr`` part written from its entries' texts."""
        if self.header is None:
            return json.dumps(upload_response(self, self.attr()))
        head = json.dumps(upload_response(self, {}))
        return head[:-len('{}}')] + header_attr_json(self.header) + '}'


def file_dicom(
    index: StorageIndex,
    namespace: str,
    tmp_path: Path,
    size: int,
    version: str,
    study_uid: Optional[str] = None,
    content: Optional[bytes] = None,
) -> Stored:
    """Parse ``tmp_path`` and move it into the blob store as a new image version.

    The file is renamed into the blob store inside the transaction that adds
    its row, just before the commit: a stop at any moment leaves either a
    temporary file or a blob no row references, both removed at the next
    start (:func:`sweep_leftovers`), never a row without its file.

    :param study_uid: file the image under this study instead of its own
        StudyInstanceUID (the ``study_uid`` query parameter of upload).
    :param content: the file's whole content, when the caller holds it (:func:`spool_body`).
    :raises StorageError: when the file is not DICOM (the temp file is removed).
    """
    target = index.new_blob_path('.dcm')
    try:
        if size == 0:
            raise StorageError('VALIDATION_ERROR', 'Empty request body')
        if study_uid:
            check_study_uid(study_uid)
        header = read_upload_header(tmp_path, content)
        ds = header.dataset
        record = image_record(
            ds, namespace, study_uid or _required_text(ds, 'StudyInstanceUID'), target, size, version,
        )
        with index.state.transaction():
            index.add_image(record)
            _move(tmp_path, target)
    except BaseException:
        for leftover in (tmp_path, target):
            try:
                os.unlink(leftover)
            except OSError:
                pass
        raise
    if getattr(ds, 'filename', None):  # deferred values are read from the file, now at ``target``
        ds.filename = str(target)
    return Stored(record, ds, header)


def sweep_leftovers(index: StorageIndex) -> int:
    """Remove what a stop in the middle of an upload left: temporary files and blobs no row references.

    Called when the emulator starts on an existing data folder. Folders inside
    the temporary folder (multipart uploads in progress) are kept.

    :return: the number of files removed.
    """
    removed = 0
    tmp_dir = index.tmp_dir
    for entry in tmp_dir.iterdir():
        if entry.is_file():
            removed += _remove(entry)
    referenced = index.referenced_paths()
    for entry in index.blob_dir.iterdir():
        if entry.is_file() and str(entry) not in referenced:
            removed += _remove(entry)
    return removed


def _remove(path: Path) -> int:
    try:
        path.unlink()
    except OSError:
        return 0
    return 1


def upload_response(stored: Stored, attr: Dict[str, Any]) -> Dict[str, Any]:
    """The JSON body of ``POST /namespace/{ns}/image`` (and wrap / create_rt)."""
    rec = stored.record
    return {
        'namespace': rec.namespace,
        'study_uid': rec.study_uid,
        'series_uid': rec.series_uid,
        'image_uid': rec.image_uid,
        'image_version': rec.version,
        'attr': attr,
    }
