"""Uploading one big DICOM file in parts, when the storage server supports it.

:func:`upload_in_parts` cuts the file into parts of ``part_size`` bytes
(:func:`~ambra_sdk.storage.file_part.split_file`, streamed from the file,
never held in memory), sends them with ``Storage.Image.multipart_chunk_upload``
and retries each part on its own after a transient failure, so a dropped
connection 900 MiB into a 1 GiB file costs one part, not the whole file. A
part sent twice replaces itself on the server and completing twice answers
the same image, so retries never store the image twice.

A server without the multipart endpoints answers ``/multipart/initiate``
with 404, 405 or 501: :class:`MultipartUnsupported` is raised, and
:class:`MultipartSupport` remembers the engine so that later files go in one
request without asking again.
"""

import functools
import logging
from typing import TYPE_CHECKING, Any, Optional, Set, Tuple

from ambra_sdk.addon.pool import bounded_map, with_retries
from ambra_sdk.exceptions.base import AmbraResponseException
from ambra_sdk.storage.file_part import FilePart, split_file
from ambra_sdk.storage.image_multipart import MAX_PART_NUMBER

if TYPE_CHECKING:
    from ambra_sdk.storage.image import Image

logger = logging.getLogger(__name__)

#: Files from this size up go in parts (when the server supports it).
DEFAULT_MULTIPART_THRESHOLD = 64 * 1024 * 1024
#: Bytes per part.
DEFAULT_PART_SIZE = 16 * 1024 * 1024
#: Parts of one file sent at once.
DEFAULT_PART_WORKERS = 4
#: Smallest part size accepted.
MIN_PART_SIZE = 64 * 1024
#: Statuses of ``/multipart/initiate`` meaning "this server has no multipart upload".
UNSUPPORTED_STATUSES = frozenset((404, 405, 501))


class MultipartUnsupported(Exception):  # noqa: N818 (a condition, not an error for users)
    """The storage server has no multipart upload endpoints."""


def check_multipart_args(multipart_threshold: Optional[int], part_size: int, part_workers: int = 1) -> None:
    """Validate the multipart options of an upload.

    :param multipart_threshold: size from which files go in parts, or None (never).
    :param part_size: bytes per part.
    :param part_workers: parts sent at once (a positive int).
    :raises ValueError: a threshold that is not None or an int >= 0, or a part size
        that is not an int >= :data:`MIN_PART_SIZE`.
    """
    if multipart_threshold is not None and (
        isinstance(multipart_threshold, bool) or not isinstance(multipart_threshold, int) or multipart_threshold < 0
    ):
        raise ValueError('multipart_threshold must be None or an int >= 0, got {0!r}'.format(multipart_threshold))
    if isinstance(part_size, bool) or not isinstance(part_size, int) or part_size < MIN_PART_SIZE:
        raise ValueError('part_size must be an int >= {0}, got {1!r}'.format(MIN_PART_SIZE, part_size))
    if isinstance(part_workers, bool) or not isinstance(part_workers, int) or part_workers < 1:
        raise ValueError('part_workers must be a positive int, got {0!r}'.format(part_workers))


class MultipartSupport:
    """Which storage engines answered that they have no multipart upload (thread safe)."""

    def __init__(self) -> None:
        self._unsupported: Set[str] = set()  # set add and membership are atomic

    def known_unsupported(self, engine_fqdn: str) -> bool:
        """Tell whether ``engine_fqdn`` already said it has no multipart upload.

        :param engine_fqdn: storage engine host.
        """
        return engine_fqdn in self._unsupported

    def mark_unsupported(self, engine_fqdn: str) -> None:
        """Remember that ``engine_fqdn`` has no multipart upload.

        :param engine_fqdn: storage engine host.
        """
        self._unsupported.add(engine_fqdn)


def remaining_size(dicom_file: Any) -> Optional[int]:
    """Return the bytes from the current position to the end, or None when unknown.

    :param dicom_file: a binary file object (a pipe gives None).
    """
    try:
        if hasattr(dicom_file, 'seekable') and not dicom_file.seekable():
            return None
        position = dicom_file.tell()
        end = dicom_file.seek(0, 2)
        dicom_file.seek(position)
    except (AttributeError, OSError, ValueError):
        return None
    return max(0, int(end) - int(position))


def upload_in_parts(
    image: 'Image',
    engine_fqdn: str,
    namespace: str,
    dicom_file: Any,
    part_size: int = DEFAULT_PART_SIZE,
    retries: int = 3,
    part_workers: int = 1,
) -> Any:
    """Upload the rest of ``dicom_file`` in parts.

    With ``part_workers`` > 1 the parts go in parallel (each reads its own
    byte range of the file); the first part that fails for good stops the
    upload and its error is raised.

    :param image: ``api.Storage.Image``.
    :param engine_fqdn: storage engine host.
    :param namespace: storage namespace.
    :param dicom_file: a seekable binary file, positioned at the start of the DICOM data.
    :param part_size: bytes per part (grown when the file would need more than 10000 parts).
    :param retries: extra attempts per part (and for initiate and complete) after a transient failure.
    :param part_workers: parts sent at once.
    :return: the answer of ``multipart_complete`` (the same Box as ``Image.upload``).
    :raises MultipartUnsupported: the server has no multipart upload.
    """
    size = remaining_size(dicom_file) or 0
    part_size = max(part_size, -(-size // MAX_PART_NUMBER))
    try:
        started: Any = with_retries(
            lambda: image.multipart_initiate(engine_fqdn, namespace), retries, 'multipart initiate',
        )
    except AmbraResponseException as error:
        if error.code in UNSUPPORTED_STATUSES:
            raise MultipartUnsupported(engine_fqdn) from error
        raise
    upload_uuid = str(started['upload_uuid'])
    parts = split_file(dicom_file, part_size)

    def send(numbered: Tuple[int, FilePart]) -> None:
        number, part = numbered
        # the request rewinds the part before every attempt
        send_part = functools.partial(image.multipart_chunk_upload, engine_fqdn, upload_uuid, number, part)
        with_retries(send_part, retries, 'part {0}/{1}'.format(number, len(parts)))

    if part_workers <= 1 or len(parts) == 1:
        for numbered in enumerate(parts, start=1):
            send(numbered)
    else:
        for _, future in bounded_map(send, enumerate(parts, start=1), part_workers):
            future.result()  # the first error leaves the loop; bounded_map drops the queued parts
    logger.debug('multipart upload %s: %d parts sent', upload_uuid, len(parts))
    return with_retries(
        lambda: image.multipart_complete(engine_fqdn, upload_uuid, parts=len(parts)),
        retries,
        'multipart complete',
    )
