"""``api.Addon.Dicom``: one DICOM instance up or down."""

import io
import logging
import tempfile
import threading
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Dict, Optional

from ambra_sdk.addon.dicom_io import PathType, as_path, read_dataset
from ambra_sdk.addon.multipart import (
    DEFAULT_MULTIPART_THRESHOLD,
    DEFAULT_PART_SIZE,
    DEFAULT_PART_WORKERS,
    DEFAULT_WAIT_TIMEOUT,
    MultipartSupport,
    MultipartUnsupported,
    check_multipart_args,
    file_uids,
    remaining_size,
    stored_version,
    upload_in_chunks,
    wait_for_image,
)
from ambra_sdk.addon.params import UploadedImageParams
from ambra_sdk.addon.pool import DEFAULT_RETRIES
from ambra_sdk.addon.progress import FileProgress, Progress, check_progress
from ambra_sdk.addon.upload_type import UploadType, multipart_threshold_for
from ambra_sdk.exceptions.storage import UnexpectedStorageResponse
from ambra_sdk.request_args import sentinel
from ambra_sdk.service.lazy_box import LazyBox
from ambra_sdk.storage.response import json_body

if TYPE_CHECKING:
    from ambra_sdk.api.api import Api

logger = logging.getLogger(__name__)


def _body(dicom_file: Any) -> Any:
    """What a plain upload sends: the bytes of an in-memory file (from its position on), else the file itself.

    requests sends a file object in 16 KiB reads, each a system call and a
    hand-over of the GIL to another worker; the bytes of a ``BytesIO`` go in
    one. The wire is the same; the file is left at its end, as when read.
    """
    if type(dicom_file) is not io.BytesIO:
        return dicom_file
    position = dicom_file.tell()
    content = dicom_file.getvalue()
    dicom_file.seek(0, io.SEEK_END)
    return content[position:] if position else content


class Dicom:
    """Upload and fetch single DICOM instances.

    How :meth:`upload` sends a file is chosen by class attributes a user can
    set (on the class for every Api, or on ``api.Addon.Dicom`` for one), as
    in the later vendor SDK; the keywords of a call win over them:

    * :attr:`UPLOAD_TYPE`: :class:`~ambra_sdk.addon.upload_type.UploadType`
      ``AUTO`` (chunks above :attr:`MULTIPART_THRESHOLD` bytes), ``PLAIN``
      (always one request) or ``MULTIPART`` (always chunks);
    * :attr:`MULTIPART_THRESHOLD`: the size for ``AUTO`` (20 MiB);
    * :attr:`PART_SIZE`: bytes per chunk (2 MiB);
    * :attr:`PART_RETRIES`: extra attempts of a failed chunk (3).

    Folder uploads (``api.Addon.Study.upload_*``) send each file through
    :meth:`upload` and so follow them too.

    :param api: the :class:`~ambra_sdk.api.Api`.
    """

    #: How files are sent when ``upload`` is not told (``upload_type``/``multipart_threshold``).
    UPLOAD_TYPE: UploadType = UploadType.AUTO
    #: With ``UploadType.AUTO``: files strictly larger than this many bytes go in chunks.
    MULTIPART_THRESHOLD: int = DEFAULT_MULTIPART_THRESHOLD
    #: Bytes per chunk when ``part_size`` is not given.
    PART_SIZE: int = DEFAULT_PART_SIZE
    #: Extra attempts of a failed chunk when ``part_retries`` is not given.
    PART_RETRIES: int = DEFAULT_RETRIES

    def __init__(self, api: 'Api') -> None:
        self._api: Any = api  # namespaces are set on Api at run time
        self._fqdn_cache: Dict[str, str] = {}
        self._fqdn_lock = threading.Lock()
        self._multipart = MultipartSupport()

    def _namespace_fqdn(self, namespace_id: str) -> str:
        """Return the storage engine of a namespace (asked once per namespace, then cached).

        :param namespace_id: namespace uuid.
        """
        cached = self._fqdn_cache.get(namespace_id)
        if cached is not None:
            return cached
        with self._fqdn_lock:
            cached = self._fqdn_cache.get(namespace_id)
            if cached is None:
                cached = str(self._api.Namespace.engine_fqdn(namespace_id=namespace_id).get().engine_fqdn)
                self._fqdn_cache[namespace_id] = cached
        return cached

    def engine_fqdn(self, namespace_id: str, engine_fqdn: Optional[str] = None) -> str:
        """Return ``engine_fqdn`` if given, else the namespace's storage engine.

        :param namespace_id: namespace uuid.
        :param engine_fqdn: a known engine host.
        """
        return engine_fqdn if engine_fqdn is not None else self._namespace_fqdn(namespace_id)

    def get(
        self,
        *,
        namespace_id: str,
        study_uid: str,
        image_uid: str,
        image_version: str = '*',
        engine_fqdn: Optional[str] = None,
        pretranscode: Optional[bool] = None,
    ) -> Any:
        """Fetch one DICOM instance as a pydicom dataset.

        The body is streamed to a temporary file, which pydicom then reads:
        the instance is never held in memory as bytes and as a dataset at once.

        :param namespace_id: storage namespace.
        :param study_uid: study UID.
        :param image_uid: image (SOP Instance) UID.
        :param image_version: image version (``'*'``: the latest).
        :param engine_fqdn: storage engine host (looked up when None).
        :param pretranscode: ask for the pretranscoded payload.
        :return: a ``pydicom.dataset.FileDataset``.
        """
        fqdn = self.engine_fqdn(namespace_id, engine_fqdn)
        with tempfile.TemporaryFile(prefix='ambra-dicom-') as spool:
            self._api.Storage.Image.dicom_payload(
                fqdn,
                namespace=namespace_id,
                study_uid=study_uid,
                image_uid=image_uid,
                image_version=image_version,
                pretranscode=pretranscode,
                to_file=spool,
            )
            spool.seek(0)
            return read_dataset(spool)

    def upload(
        self,
        *,
        dicom_file: BinaryIO,
        namespace_id: str,
        engine_fqdn: Optional[str] = None,
        study_uid: Optional[str] = None,
        multipart_threshold: Optional[int] = sentinel,
        part_size: int = sentinel,
        part_retries: int = sentinel,
        part_workers: int = DEFAULT_PART_WORKERS,
        wait: bool = False,
        wait_timeout: float = DEFAULT_WAIT_TIMEOUT,
        upload_type: Optional[UploadType] = None,
        progress: Progress = None,
    ) -> UploadedImageParams:
        """Upload one open DICOM file.

        A (seekable) file larger than the multipart threshold goes in chunks
        of ``part_size`` bytes, as the vendor's client sends it, when the
        storage server has the multipart upload
        (:mod:`ambra_sdk.addon.multipart`): each chunk is retried on its own
        and only the chunks in flight are in memory. The server stores such
        a file after answering: the result then has an empty ``image_uid``
        and ``image_version`` (as the vendor's SDK), unless ``wait`` is True,
        in which case the call waits until the study shows the image and
        returns its uid and version (woken by the ``READY``/``EDIT`` events
        of ``study.<namespace_id>`` with the ``ws`` extra, else by polling;
        see :func:`~ambra_sdk.addon.multipart.wait_for_image`). Smaller files, and every file when the
        server has no multipart upload, go in one request (the raw bytes are
        the body) and are stored when the call returns.

        The threshold: ``multipart_threshold`` when given (as before), else
        the upload type (``upload_type``, else :attr:`UPLOAD_TYPE`) decides,
        ``AUTO`` with :attr:`MULTIPART_THRESHOLD`
        (:func:`~ambra_sdk.addon.upload_type.multipart_threshold_for`).

        :param dicom_file: a binary file object.
        :param namespace_id: storage namespace.
        :param engine_fqdn: storage engine host (looked up when None).
        :param study_uid: study UID the image must belong to. None: the
            file's; a chunked upload reads it from the file's header (its
            first 64 KiB, never the pixel data), a plain one lets the
            storage read it.
        :param multipart_threshold: size above which a file goes in chunks;
            None: always one request; not given: see above.
        :param part_size: bytes per chunk (not given: :attr:`PART_SIZE`, 2 MiB as the vendor's client).
        :param part_retries: extra attempts per chunk after a transient failure
            or a chunk refused as damaged (not given: :attr:`PART_RETRIES`).
        :param part_workers: chunks sent at once (1, as the vendor's client;
            more is not confirmed against the real server); at most this many
            chunks are read and not yet accepted at any time.
        :param wait: after a chunked upload, wait until the image is stored.
        :param wait_timeout: seconds to wait for it.
        :param upload_type: :class:`~ambra_sdk.addon.upload_type.UploadType`
            for this call (None: :attr:`UPLOAD_TYPE`, unless ``multipart_threshold`` is given).
        :param progress: ``True`` (a tqdm bar in bytes) or ``callback(done_bytes, total_bytes)``:
            a chunked upload reports each chunk the server accepted, a plain one the whole file
            when it is stored.
        :return: the storage identifiers of the image.
        :raises ValueError: bad ``multipart_threshold``, ``part_size``, ``part_workers``
            or ``upload_type``, or a threshold given with ``PLAIN``/``MULTIPART``.
        :raises WaitTimeout: ``wait`` and the image did not appear in time.
        """
        threshold = multipart_threshold_for(
            upload_type, multipart_threshold, self.UPLOAD_TYPE, self.MULTIPART_THRESHOLD,
        )
        part_size = self.PART_SIZE if part_size is sentinel else part_size
        part_retries = self.PART_RETRIES if part_retries is sentinel else part_retries
        check_multipart_args(threshold, part_size, part_workers)
        check_progress(progress)
        fqdn = self.engine_fqdn(namespace_id, engine_fqdn)
        size = remaining_size(dicom_file) if progress or threshold is not None else None
        with FileProgress(progress, size or 0, 'Uploading', unit='B') as bar:
            if self._wants_parts(size, fqdn, threshold):
                try:
                    return self._upload_chunked(
                        dicom_file, namespace_id, fqdn, study_uid, part_size, part_retries, part_workers,
                        wait_timeout if wait else None, bar.advance if progress else None,
                    )
                except MultipartUnsupported:
                    logger.info('Storage %s has no multipart upload: sending files in one request', fqdn)
                    self._multipart.mark_unsupported(fqdn)
            uploaded = self._upload_plain(dicom_file, namespace_id, fqdn, study_uid)
            if progress and size:
                bar.advance(size)
            return uploaded

    def _upload_plain(
        self, dicom_file: Any, namespace_id: str, fqdn: str, study_uid: Optional[str],
    ) -> UploadedImageParams:
        """Send a file in one ``/image`` request."""
        # The answer holds every tag of the image (``attr``, ~250 keys): an eager Box
        # of it costs ~1 ms of CPU per file, a LazyBox about one json.loads.
        response = self._api.Storage.Image.upload(
            fqdn, namespace=namespace_id, opened_file=_body(dicom_file), study_uid=study_uid, use_box=False,
        )
        body = json_body(response)  # THE storage decoder: bounded, SDK errors only
        if not isinstance(body, dict):
            raise UnexpectedStorageResponse(response.status_code, 'The upload answer is not a JSON object')
        reply = LazyBox(body)
        return UploadedImageParams(
            study_uid=reply.study_uid,
            image_uid=reply.image_uid,
            image_version=reply.image_version,
            namespace=reply.namespace,
            attr=reply.get('attr'),
        )

    def _upload_chunked(
        self,
        dicom_file: Any,
        namespace_id: str,
        fqdn: str,
        study_uid: Optional[str],
        part_size: int,
        part_retries: int,
        part_workers: int,
        wait_timeout: Optional[float],
        progress: Optional[Callable[[int], None]] = None,
    ) -> UploadedImageParams:
        """Send a file in chunks; wait for the stored image when ``wait_timeout`` is not None."""
        file_study_uid, image_uid = file_uids(dicom_file)
        study_uid = study_uid or file_study_uid
        storage = self._api.Storage
        previous = ''
        if wait_timeout is not None:
            previous = stored_version(storage.Study, fqdn, namespace_id, study_uid, image_uid)
        sent = upload_in_chunks(
            storage.Image, fqdn, namespace_id, dicom_file, study_uid, part_size, part_retries, part_workers,
            hash_content=bool(previous),  # only an image already there needs its new version told apart
            progress=progress,
        )
        if wait_timeout is None:
            return UploadedImageParams(study_uid, '', '', namespace_id, None)
        version = wait_for_image(
            self._api, fqdn, namespace_id, study_uid, image_uid, previous, wait_timeout, content_sha1=sent.sha1,
        )
        return UploadedImageParams(study_uid, image_uid, version, namespace_id, None)

    def _wants_parts(self, size: Optional[int], engine_fqdn: str, multipart_threshold: Optional[int]) -> bool:
        if multipart_threshold is None or self._multipart.known_unsupported(engine_fqdn):
            return False
        return size is not None and size > multipart_threshold

    def upload_from_path(
        self,
        *,
        dicom_path: PathType,
        namespace_id: str,
        engine_fqdn: Optional[str] = None,
        study_uid: Optional[str] = None,
        **upload_options: Any,
    ) -> UploadedImageParams:
        """Upload one DICOM file from a path (see :meth:`upload`).

        :param dicom_path: the file (str or path).
        :param namespace_id: storage namespace.
        :param engine_fqdn: storage engine host (looked up when None).
        :param study_uid: study UID the image must belong to (None: the file's).
        :param upload_options: the other keywords of :meth:`upload`
            (``upload_type``, ``multipart_threshold``, ``part_size``, ``wait``...).
        :return: the storage identifiers of the image.
        """
        with as_path(dicom_path).open('rb') as dicom_file:
            return self.upload(
                dicom_file=dicom_file, namespace_id=namespace_id, engine_fqdn=engine_fqdn, study_uid=study_uid,
                **upload_options,
            )
