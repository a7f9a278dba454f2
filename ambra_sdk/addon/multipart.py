"""Uploading one big DICOM file in chunks, as the vendor's client does.

:func:`upload_in_chunks` follows the vendor's multipart wire format
(:mod:`ambra_sdk.storage.image_multipart`): ``initiate``, then the file read
as chunks of ``part_size`` bytes (2 MiB), each one read at once and its
crc32 computed once (:func:`~ambra_sdk.storage.file_part.iter_chunks`), so only the
chunks in flight are in memory, never the whole file; each chunk is retried
on its own after a transient failure or an answer saying it arrived damaged
(a 400/412: the server checks the crc32 and size of every chunk), so a
dropped connection 900 MiB into a 1 GiB file costs one chunk. Chunks go one
after another (the vendor's client); ``part_workers`` > 1 sends them in
parallel (:func:`send_chunks`: at most ``part_workers`` chunks read and in
flight), which is not confirmed against the real server. ``complete`` is
asynchronous: the server joins and stores the image after answering.
:func:`wait_for_image` waits until the study shows it, woken by the
``READY``/``EDIT`` events of the study channel when it can listen to it,
else by polling (:func:`~ambra_sdk.addon.event_wait.wait_event_or_poll`).

A server without the multipart endpoints answers ``/multipart/initiate``
with 404, 405 or 501: :class:`MultipartUnsupported` is raised, and
:class:`MultipartSupport` remembers the engine so that later files go in one
request without asking again.
"""

import functools
import hashlib
import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Iterator, List, NamedTuple, Optional, Set, Tuple

from ambra_sdk.addon.event_wait import wait_event_or_poll
from ambra_sdk.addon.pool import RETRY_BACKOFF, is_transient, with_retries
from ambra_sdk.exceptions.base import AmbraResponseException
from ambra_sdk.storage.file_part import FileChunk, chunk_size_for, iter_chunks
from ambra_sdk.storage.image_multipart import check_upload_uuid

if TYPE_CHECKING:
    from ambra_sdk.api.api import Api
    from ambra_sdk.storage.image import Image
    from ambra_sdk.storage.study import Study as StorageStudy

logger = logging.getLogger(__name__)

#: Files larger than this go in chunks (the vendor's client: 20 MiB, 10 chunks).
DEFAULT_MULTIPART_THRESHOLD = 20 * 1024 * 1024
#: Bytes per chunk (the vendor's client).
DEFAULT_PART_SIZE = 2 * 1024 * 1024
#: Chunks of one file sent at once (the vendor's client sends one after another).
DEFAULT_PART_WORKERS = 1
#: Smallest chunk size accepted.
MIN_PART_SIZE = 64 * 1024
#: Seconds :func:`wait_for_image` waits by default.
DEFAULT_WAIT_TIMEOUT = 600.0
#: Longest pause between two schema reads of :func:`wait_for_image`: the longest
#: wait for a channel event, and the polling cap without the channel (the
#: ``ws_timeout`` default of the other addon waits).
WAIT_MAX_INTERVAL = 5.0
#: Events of ``study.<namespace>`` that may mean "the image is stored" (the
#: study's counts change: ``READY`` for a new study, ``EDIT`` for one that was there).
STORED_EVENTS = ('READY', 'EDIT')
#: Statuses of ``/multipart/initiate`` meaning "this server has no multipart upload".
UNSUPPORTED_STATUSES = frozenset((404, 405, 501))
#: Statuses of a chunk answer meaning "the chunk arrived damaged" (bad crc32 or size): send it again.
DAMAGED_CHUNK_STATUSES = frozenset((400, 412))


class MultipartUnsupported(Exception):  # noqa: N818 (a condition, not an error for users)
    """The storage server has no multipart upload endpoints."""


class ChunkedUpload(NamedTuple):
    """What :func:`upload_in_chunks` sent (``sha1``: hex digest of the bytes, or ``''``)."""

    upload_uuid: str
    size: int
    chunks: int
    sha1: str


def check_multipart_args(multipart_threshold: Optional[int], part_size: int, part_workers: int = 1) -> None:
    """Validate the multipart options of an upload.

    :param multipart_threshold: size above which files go in chunks, or None (never).
    :param part_size: bytes per chunk.
    :param part_workers: chunks sent at once (a positive int).
    :raises ValueError: a threshold that is not None or an int >= 0, a chunk size
        that is not an int >= :data:`MIN_PART_SIZE`, or a bad ``part_workers``.
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


def is_retryable_chunk_error(error: BaseException) -> bool:
    """Tell whether a chunk is worth sending again after ``error``.

    Transient failures (see :func:`~ambra_sdk.addon.pool.is_transient`), and
    a 400 or 412 answer: the server checks each chunk's crc32 and size, and
    a chunk damaged on the way is refused that way. Sending a chunk again
    replaces it, so the retry is safe.

    :param error: the exception of one attempt.
    """
    if is_transient(error):
        return True
    return isinstance(error, AmbraResponseException) and error.code in DAMAGED_CHUNK_STATUSES


def _chunk_retries(attempt: Callable[[], Any], retries: int, what: str) -> Any:
    """Call ``attempt`` until it succeeds, retrying what :func:`is_retryable_chunk_error` accepts.

    :param attempt: one try (a chunk is bytes: every try sends it whole).
    :param retries: extra attempts allowed after the first.
    :param what: names the chunk in log lines.
    :return: what ``attempt`` returns.
    """
    pause = RETRY_BACKOFF
    tries = 0
    while True:
        try:
            return attempt()
        except Exception as error:  # noqa: BLE001 (classified below)
            if tries >= retries or not is_retryable_chunk_error(error):
                raise
            tries += 1
            logger.info(
                '%s: %s, sending it again (attempt %d of %d)', what, type(error).__name__, tries + 1, retries + 1,
            )
            time.sleep(pause)
            pause *= 2


def _answered_uuid(answer: Any) -> str:
    """The ``upload_uuid`` of an initiate answer.

    :raises UnexpectedStorageResponse: the answer has no usable ``upload_uuid``.
    """
    from ambra_sdk.exceptions.storage import UnexpectedStorageResponse

    upload_uuid = answer.get('upload_uuid') if isinstance(answer, dict) else None
    try:
        return check_upload_uuid(upload_uuid)
    except ValueError:
        raise UnexpectedStorageResponse(200, 'multipart initiate answered no usable upload_uuid') from None


def upload_in_chunks(
    image: 'Image',
    engine_fqdn: str,
    namespace: str,
    dicom_file: Any,
    study_uid: Optional[str] = None,
    part_size: int = DEFAULT_PART_SIZE,
    retries: int = 3,
    part_workers: int = DEFAULT_PART_WORKERS,
    hash_content: bool = False,
    progress: Optional[Callable[[int], None]] = None,
) -> ChunkedUpload:
    """Upload the rest of ``dicom_file`` in chunks and ask the server to complete it.

    With ``part_workers`` > 1 the chunks go in parallel (:func:`send_chunks`):
    at most ``part_workers`` chunks are read and not yet accepted at any
    time, so memory stays at ``part_workers x part_size``; the first chunk
    that fails for good stops the upload and its error is raised.

    :param image: ``api.Storage.Image``.
    :param engine_fqdn: storage engine host.
    :param namespace: storage namespace.
    :param dicom_file: a binary file, positioned at the start of the DICOM data.
    :param study_uid: the study the image goes to (sent on complete).
    :param part_size: bytes per chunk (grown when the file would need more than 100000 chunks).
    :param retries: extra attempts per chunk (and for initiate and complete).
    :param part_workers: chunks sent at once.
    :param hash_content: also compute the SHA-1 of the bytes sent (for :func:`wait_for_image`).
    :param progress: called with the byte count of each chunk the server accepted (from any thread).
    :return: the upload id, the bytes and the chunks sent.
    :raises MultipartUnsupported: the server has no multipart upload.
    """
    chunk_size = chunk_size_for(remaining_size(dicom_file) or 0, part_size)
    try:
        started: Any = with_retries(lambda: image.multipart_initiate(engine_fqdn), retries, 'multipart initiate')
    except AmbraResponseException as error:
        if error.code in UNSUPPORTED_STATUSES:
            raise MultipartUnsupported(engine_fqdn) from error
        raise
    upload_uuid = _answered_uuid(started)
    totals = [0, 0]  # bytes, chunks
    digest = hashlib.sha1()  # noqa: S324 (a content id, as the storage's image versions)

    def send(chunk: FileChunk) -> None:
        # the crc32 computed when the chunk was read goes along: the bytes are not hashed again
        send_chunk = functools.partial(
            image._send_chunk, engine_fqdn, upload_uuid, chunk.data, chunk.number, chunk.crc32,
        )
        _chunk_retries(send_chunk, retries, 'chunk {0:05d}'.format(chunk.number))
        if progress is not None:
            progress(len(chunk.data))

    def counted() -> Iterator[FileChunk]:
        for chunk in iter_chunks(dicom_file, chunk_size):
            totals[0] += len(chunk.data)
            totals[1] += 1
            if hash_content:
                digest.update(chunk.data)
            yield chunk
            del chunk  # not held while the next one is read

    send_chunks(send, counted(), part_workers)
    size, chunks = totals
    logger.debug('multipart upload %s: %d chunks sent', upload_uuid, chunks)
    with_retries(
        lambda: image.multipart_complete(engine_fqdn, namespace, upload_uuid, size, study_uid=study_uid),
        retries,
        'multipart complete',
    )
    return ChunkedUpload(upload_uuid, size, chunks, digest.hexdigest() if hash_content else '')


def send_chunks(send: Callable[[FileChunk], None], chunks: Iterator[FileChunk], part_workers: int) -> None:
    """Call ``send`` on every chunk, ``part_workers`` at once, with at most ``part_workers`` chunks read ahead.

    Each of ``part_workers`` threads takes the next chunk from ``chunks``
    (read under a lock, so in order) and sends it, then takes the next
    one: the chunks in memory are the ones being sent, and a chunk goes from
    the file to its request in the thread that sends it (no queue, no
    hand-off between threads per chunk). The first error stops the taking;
    the chunks being sent finish, and that error is raised.

    :param send: sends one chunk (with its own retries).
    :param chunks: the chunks, read lazily.
    :param part_workers: chunks sent at once.
    """
    if part_workers <= 1:
        for chunk in chunks:
            send(chunk)
        return
    taking = threading.Lock()
    failures: List[BaseException] = []

    def run() -> None:
        while True:
            with taking:
                if failures:
                    return
                try:
                    chunk = next(chunks, None)
                except BaseException as error:  # noqa: BLE001 (raised again in the caller's thread)
                    failures.append(error)
                    return
            if chunk is None:
                return
            try:
                send(chunk)
            except BaseException as error:  # noqa: BLE001 (raised again in the caller's thread)
                with taking:
                    failures.append(error)
                return
            finally:
                del chunk  # not held while the next one is read

    workers = [
        threading.Thread(target=run, name='ambra-part-{0}'.format(number), daemon=True)
        for number in range(part_workers)
    ]
    for worker in workers:
        worker.start()
    try:
        for worker in workers:
            worker.join()
    except BaseException as error:  # an interrupt of the caller: no chunk is taken after it
        with taking:
            failures.append(error)
        raise
    if failures:
        raise failures[0]


def file_uids(dicom_file: Any) -> Tuple[str, str]:
    """Read the Study and SOP Instance UIDs of an open DICOM file (header only, never the pixel data).

    The file is left at the position it had. The header is parsed from the
    file's first 64 KiB read at once
    (:func:`~ambra_sdk.addon.dicom_io.read_file_header`).

    :param dicom_file: a seekable binary file at the start of the DICOM data.
    :return: ``(study_uid, sop_instance_uid)``.
    :raises NotDicom: the file is not DICOM or lacks a UID.
    """
    from ambra_sdk.addon.dicom_io import read_file_header

    dataset = read_file_header(dicom_file, ('StudyInstanceUID', 'SOPInstanceUID'))
    return str(dataset.StudyInstanceUID).strip(), str(dataset.SOPInstanceUID).strip()


def stored_version(study: 'StorageStudy', engine_fqdn: str, namespace: str, study_uid: str, image_uid: str) -> str:
    """Return the version the study's schema shows for an image, or ``''`` when it has none.

    :param study: ``api.Storage.Study``.
    :param engine_fqdn: storage engine host.
    :param namespace: storage namespace.
    :param study_uid: the study.
    :param image_uid: the image (SOP Instance UID).
    """
    from ambra_sdk.exceptions.storage import NotFound

    try:
        schema: Any = study.schema(engine_fqdn, namespace, study_uid)
    except NotFound:  # the study has no stored content yet
        return ''
    for series in _list_of_dicts(schema.get('series') if isinstance(schema, dict) else None):
        for image in _list_of_dicts(series.get('images')):
            if str(image.get('id')) == image_uid:
                return str(image.get('version') or '')
    return ''


def _list_of_dicts(value: Any) -> Iterator[Any]:
    """The dicts of a JSON list (a server answer may be anything)."""
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))


def wait_for_image(
    api: 'Api',
    engine_fqdn: str,
    namespace: str,
    study_uid: str,
    image_uid: str,
    previous_version: str = '',
    timeout: float = DEFAULT_WAIT_TIMEOUT,
    max_interval: float = WAIT_MAX_INTERVAL,
    content_sha1: str = '',
) -> str:
    """Wait until the study shows the image stored by this upload; return its version.

    The image counts as stored when the study's schema shows it with a
    version other than ``previous_version`` (the one shown before the
    upload), or with ``content_sha1`` as its version (image versions are
    content hashes: the SHA-1 of the file in the emulator), which also ends
    the wait when a file replaced an identical one. The schema is read once
    first: a server that stores the image within the moments after
    ``complete`` (the emulator, a small file) ends the wait there, without
    opening a channel. Otherwise it is read again, with the ``ws`` extra and
    a server that accepts the channel ``study.<namespace>``, once subscribed
    and after each ``READY`` or ``EDIT`` event (storing
    the image changes the study) and at least every ``max_interval``
    seconds; otherwise it is polled with back-off, pauses capped at
    ``max_interval`` (:func:`~ambra_sdk.addon.event_wait.wait_event_or_poll`,
    which logs the :class:`~ambra_sdk.addon.event_wait.WaitOutcome`).

    :param api: the :class:`~ambra_sdk.api.Api` (its ``Storage.Study`` and channel).
    :param engine_fqdn: storage engine host.
    :param namespace: storage namespace.
    :param study_uid: the study.
    :param image_uid: the image (SOP Instance UID).
    :param previous_version: the version shown before the upload (``''``: none).
    :param timeout: seconds to wait.
    :param max_interval: longest pause between two schema reads.
    :param content_sha1: hex SHA-1 of the bytes sent (``''``: unknown).
    :return: the image version.
    :raises WaitTimeout: the image did not appear in time.
    """
    from ambra_sdk.addon.exceptions import WaitTimeout

    study = api.Storage.Study

    def probe() -> Tuple[bool, str]:
        version = stored_version(study, engine_fqdn, namespace, study_uid, image_uid)
        done = bool(version) and (version != previous_version or (bool(content_sha1) and version == content_sha1))
        return done, version

    done, version = probe()
    if done:  # stored already: no channel to open (the usual case right after complete on loopback)
        logger.debug('Image %s is stored already: no wait', image_uid)
        return version
    outcome = wait_event_or_poll(
        api, probe, channel='study.{0}'.format(namespace), event=STORED_EVENTS,
        timeout=timeout, ws_timeout=max_interval,
    )
    if outcome.done:
        return outcome.value
    raise WaitTimeout(
        'Image {0} did not appear in study {1} within {2} s'.format(image_uid, study_uid, timeout), timeout,
    )
