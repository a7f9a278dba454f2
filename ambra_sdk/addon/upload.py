"""Uploading many DICOM files into one study, in parallel and with retries.

:class:`StudyUploader` does what the reference's ``upload_paths`` did, file
by file in a bounded thread pool:

1. the first readable DICOM file gives the study (``/study/add``; an
   existing study with that UID in the namespace is reused, so a second
   run resumes an interrupted upload);
2. every file is read (header only), skipped with a reason when it is not
   DICOM, missing, unreadable or a second copy of a SOP Instance UID, and
   otherwise uploaded; transient failures (connection errors, timeouts,
   502/503/504) are retried with the file rewound. The storage files an
   upload under its SOP Instance UID, so a retry of a request that did reach
   the server replaces the same image instead of adding one. Files above
   ``multipart_threshold`` go in chunks (:meth:`~ambra_sdk.addon.dicom.Dicom.upload`),
   stored by the server after it answers (their result has empty
   ``image_uid``/``image_version`` unless ``wait_stored``). With
   ``skip_existing`` the files whose instance an existing study already
   holds are not sent again. An error no retry can fix (TLS trust, 401/403,
   a missing namespace, an invalid argument:
   :func:`~ambra_sdk.addon.pool.classify_error`) stops the run: the files not
   started yet are not sent and the result lists every file not done;
3. ``/study/sync`` is called once when something was uploaded.
"""

import io
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Set, Tuple, Union

from ambra_sdk.addon.dicom_io import NotDicom, PathType, as_path, read_header_and_content, text
from ambra_sdk.addon.download import image_id, schema_image_items
from ambra_sdk.addon.exceptions import NoDicomFiles
from ambra_sdk.addon.job import error_type_of
from ambra_sdk.addon.multipart import (
    DEFAULT_PART_SIZE,
    DEFAULT_PART_WORKERS,
    DEFAULT_WAIT_TIMEOUT,
    check_multipart_args,
)
from ambra_sdk.addon.params import UploadedImageParams
from ambra_sdk.addon.pool import StopSwitch, bounded_map, check_workers, with_retries
from ambra_sdk.addon.progress import FileProgress, Progress
from ambra_sdk.addon.results import SkippedFile, UploadResult
from ambra_sdk.exceptions.service_base import PreconditionFailed
from ambra_sdk.request_args import sentinel

if TYPE_CHECKING:
    from ambra_sdk.addon.dicom import Dicom
    from ambra_sdk.api.api import Api

logger = logging.getLogger(__name__)

#: What ``upload_paths`` accepts: one path, or any iterable of paths.
DicomPaths = Union[PathType, Iterable[PathType]]

_Outcome = Tuple[str, Any]  # ('uploaded', params) | ('skipped', reason) | ('failed', error) | ('not_done', None)


def normalize_paths(dicom_paths: DicomPaths) -> List[Path]:
    """Turn one path or an iterable of paths (list, tuple, generator...) into a list.

    :param dicom_paths: the input.
    :raises TypeError: an element (or the input) is not a path.
    :return: the paths, in order.
    """
    if isinstance(dicom_paths, (str, bytes)) or hasattr(dicom_paths, '__fspath__'):
        return [as_path(dicom_paths)]  # type: ignore[arg-type]
    try:
        iterator = iter(dicom_paths)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            'dicom_paths must be a path or an iterable of paths, got {!r}'.format(dicom_paths),
        ) from None
    return [as_path(path) for path in iterator]


def probe(path: Path) -> Union[Any, SkippedFile]:
    """Read a file's DICOM header, or say why it cannot be uploaded.

    :param path: the file.
    :return: the header dataset, or a :class:`SkippedFile`.
    """
    return probe_content(path)[0]


def probe_content(path: Path) -> Tuple[Union[Any, SkippedFile], Optional[bytes]]:
    """:func:`probe`, and the file's bytes when the probe read the whole file.

    :param path: the file.
    :return: ``(header or SkippedFile, content)`` (see
        :func:`~ambra_sdk.addon.dicom_io.read_header_and_content`; no content
        for a skipped file).
    """
    try:
        return read_header_and_content(path)
    except FileNotFoundError:
        return SkippedFile(path, 'does not exist'), None
    except IsADirectoryError:
        return SkippedFile(path, 'is a directory'), None
    except OSError as error:
        return SkippedFile(path, 'unreadable: {}'.format(error.strerror or type(error).__name__)), None
    except NotDicom as error:
        return SkippedFile(path, str(error)), None


class StudyUploader:
    """Upload files into one new (or existing) study.

    :param api: the Api.
    :param namespace_id: storage and PHI namespace of the study.
    :param max_workers: parallel uploads.
    :param retries: extra attempts per file after a transient failure.
    :param progress: ``None``, ``True`` (tqdm bar) or ``callback(done, total)``.
    :param skip_existing: when the study already exists, do not send the
        files whose SOP Instance UID it already holds.
    :param multipart_threshold: files larger than this go in chunks when
        the server supports it (None: never; not given: the class attributes
        ``Dicom.UPLOAD_TYPE``/``MULTIPART_THRESHOLD``); see
        :meth:`ambra_sdk.addon.dicom.Dicom.upload`.
    :param part_size: bytes per chunk (not given: ``Dicom.PART_SIZE``).
    :param part_workers: chunks of one file sent at once (1: one after another,
        as the vendor's client).
    :param wait_stored: wait until each chunked file is stored (its result
        then has the image uid and version; else they are empty). The wait
        happens in the worker that sent the file, before ``/study/sync``; a
        file not stored in time is listed in ``failed`` with a
        :class:`~ambra_sdk.addon.exceptions.WaitTimeout`.
    :param wait_timeout: seconds each chunked file is waited for (with ``wait_stored``).
    """

    def __init__(
        self,
        api: 'Api',
        namespace_id: str,
        max_workers: int,
        retries: int,
        progress: Progress,
        skip_existing: bool = False,
        multipart_threshold: Optional[int] = sentinel,
        part_size: int = sentinel,
        part_workers: int = DEFAULT_PART_WORKERS,
        wait_stored: bool = False,
        wait_timeout: float = DEFAULT_WAIT_TIMEOUT,
    ) -> None:
        self._api: Any = api  # namespaces are set on Api at run time
        self._namespace_id = namespace_id
        self._max_workers = check_workers(max_workers)
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ValueError('retries must be an int >= 0, got {!r}'.format(retries))
        self._retries = retries
        self._progress = progress
        self._lock = threading.Lock()
        self._seen: Dict[str, Path] = {}
        self._engine_fqdn = ''
        self._skip_existing = skip_existing
        self._existing: Set[str] = set()
        self._study_uid: Optional[str] = None
        check_multipart_args(
            None if multipart_threshold is sentinel else multipart_threshold,
            DEFAULT_PART_SIZE if part_size is sentinel else part_size,
            part_workers,
        )
        self._multipart_threshold = multipart_threshold
        self._part_size = part_size
        self._part_workers = part_workers
        self._wait_stored = bool(wait_stored)
        self._wait_timeout = wait_timeout
        self._stop = StopSwitch()

    @property
    def _dicom(self) -> 'Dicom':
        return self._api.Addon.Dicom  # type: ignore[no-any-return]

    def run(self, dicom_paths: DicomPaths) -> UploadResult:
        """Upload the files.

        :param dicom_paths: one path or an iterable of paths.
        :return: the result (nothing raised for skipped or failed files).
        :raises NoDicomFiles: no path, or no readable DICOM file among them.
        """
        paths = normalize_paths(dicom_paths)
        if not paths:
            raise NoDicomFiles('Dicoms iterator is empty: no path to upload')
        skipped: List[Tuple[int, SkippedFile]] = []
        uploaded: Dict[int, Tuple[Path, UploadedImageParams]] = {}
        failed: Dict[int, Tuple[Path, BaseException]] = {}
        not_done: List[int] = []
        with FileProgress(self._progress, len(paths), 'Uploading') as progress:
            first_index, first_header, first_content = self._first_dicom(paths, skipped, progress)
            if first_header is None:
                result = UploadResult(None, {}, [skip for _, skip in skipped], {}, len(paths))
                raise NoDicomFiles(
                    'None of the {} paths is a readable DICOM file (first: {}: {})'.format(
                        len(paths), skipped[0][1].path, skipped[0][1].reason,
                    ),
                    result,
                )
            study_uuid = self._study(first_header)
            self._api.Storage  # noqa: B018 (create the lazy namespace here, not in racing threads)
            probed = {first_index: (first_header, first_content)}
            items = ((index, paths[index], *probed.pop(index, (None, None)))
                     for index in range(first_index, len(paths)))
            for (index, path, _, _), future in bounded_map(self._process, items, self._max_workers):
                kind, payload = future.result()
                if kind == 'uploaded':
                    uploaded[index] = (path, payload)
                elif kind == 'skipped':
                    skipped.append((index, SkippedFile(path, payload)))
                elif kind == 'failed':
                    failed[index] = (path, payload)
                else:
                    not_done.append(index)
                progress.advance()
        if uploaded:
            self._sync(study_uuid)
        return UploadResult(
            study_uuid,
            dict(uploaded[index] for index in sorted(uploaded)),
            [skip for _, skip in sorted(skipped, key=lambda pair: pair[0])],
            dict(failed[index] for index in sorted(failed)),
            len(paths),
            study_uid=self._study_uid,
            not_done=[paths[index] for index in sorted(not_done + list(failed))],
            stopped_by=self._stop.stopped_by,
        )

    def _first_dicom(
        self,
        paths: List[Path],
        skipped: List[Tuple[int, SkippedFile]],
        progress: FileProgress,
    ) -> Tuple[int, Optional[Any], Optional[bytes]]:
        for index, path in enumerate(paths):
            outcome, content = probe_content(path)
            if not isinstance(outcome, SkippedFile):
                return index, outcome, content
            skipped.append((index, outcome))
            progress.advance()
        return len(paths), None, None

    def _study(self, header: Any) -> str:
        """Create the study of ``header`` (or find it) and remember its engine."""
        study_uid = text(header, 'StudyInstanceUID')
        self._study_uid = study_uid
        try:
            study = self._api.Study.add(
                study_uid=study_uid,
                study_date=text(header, 'StudyDate') or None,
                study_time=text(header, 'StudyTime') or None,
                patient_name=text(header, 'PatientName'),
                storage_namespace=self._namespace_id,
                phi_namespace=self._namespace_id,
            ).get()
            existed = False
        except PreconditionFailed as error:
            study = self._existing_study(study_uid, error)
            existed = True
        self._engine_fqdn = study.get('engine_fqdn') or self._dicom.engine_fqdn(self._namespace_id)
        if existed and self._skip_existing:
            self._existing = self._stored_images(study_uid)
        return str(study.uuid)

    def _stored_images(self, study_uid: str) -> Set[str]:
        """SOP Instance UIDs the storage already holds for the study (empty when it has none)."""
        from ambra_sdk.exceptions.storage import NotFound

        try:
            schema = self._api.Storage.Study.schema(self._engine_fqdn, self._namespace_id, study_uid)
        except NotFound:
            return set()
        return {image_id(image, study_uid) for _, image in schema_image_items(schema, study_uid)}

    def _existing_study(self, study_uid: str, error: PreconditionFailed) -> Any:
        """Return the study ``/study/add`` refused because it exists, else re-raise ``error``."""
        if error_type_of(error) != 'ALREADY_EXISTS':
            raise error
        try:
            study = self._api.Study.get(study_uid=study_uid, storage_namespace=self._namespace_id).get()
        except PreconditionFailed:
            raise error from None
        logger.info('Study %s exists in the namespace: uploading into it', study_uid)
        return study

    def _sync(self, study_uuid: str) -> None:
        query = self._api.Study.sync(image_count=1)
        data = query.request_args.data
        query.request_args.data = {**(data or {}), 'uuid': study_uuid}
        query.get()

    def _process(self, item: Tuple[int, Path, Optional[Any], Optional[bytes]]) -> _Outcome:
        """Upload one file; never raises (the outcome says what happened).

        After a permanent error (see :func:`~ambra_sdk.addon.pool.classify_error`)
        the files not started yet are not sent (``not_done``).
        """
        _, path, header, content = item
        if self._stop.stopped:
            return 'not_done', None
        try:
            if header is None:
                header, content = probe_content(path)
                if isinstance(header, SkippedFile):
                    return 'skipped', header.reason
            sop_instance_uid = text(header, 'SOPInstanceUID')
            duplicate = self._claim(sop_instance_uid, path)
            if duplicate is not None:
                return 'skipped', 'duplicate: same SOP Instance UID as {}'.format(duplicate)
            if sop_instance_uid in self._existing:
                return 'skipped', 'already in the study'
            try:  # a small file: the bytes the probe read (the file is not read twice)
                dicom_file = io.BytesIO(content) if content is not None else path.open('rb')
            except OSError as error:
                return 'skipped', 'unreadable: {}'.format(error.strerror or type(error).__name__)
            with dicom_file:
                return 'uploaded', with_retries(lambda: self._send(dicom_file), self._retries, str(path))
        except Exception as error:  # noqa: BLE001 (reported in the result)
            logger.warning('Upload of %s failed: %s', path, type(error).__name__)
            self._stop.record(error)
            return 'failed', error

    def _claim(self, sop_instance_uid: str, path: Path) -> Optional[Path]:
        with self._lock:
            owner = self._seen.get(sop_instance_uid)
            if owner is None:
                self._seen[sop_instance_uid] = path
            return owner

    def _send(self, dicom_file: Any) -> UploadedImageParams:
        dicom_file.seek(0)
        return self._dicom.upload(
            dicom_file=dicom_file,
            namespace_id=self._namespace_id,
            engine_fqdn=self._engine_fqdn,
            multipart_threshold=self._multipart_threshold,
            part_size=self._part_size,
            part_retries=self._retries,
            part_workers=self._part_workers,
            wait=self._wait_stored,
            wait_timeout=self._wait_timeout,
        )
