"""``api.Addon.Study``: upload a study, wait for it, duplicate, anonymize, download."""

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Tuple

from ambra_sdk import ADDON_DOCS_URL
from ambra_sdk.addon.deprecated import deprecated
from ambra_sdk.addon.dicom_io import PathType, as_path
from ambra_sdk.addon.event_wait import wait_event_or_poll
from ambra_sdk.addon.exceptions import DownloadFailed, NotADirectory, UploadFailed, WaitTimeout
from ambra_sdk.addon.job import is_not_found
from ambra_sdk.addon.multipart import DEFAULT_PART_WORKERS, DEFAULT_WAIT_TIMEOUT
from ambra_sdk.addon.params import UploadedImageParams
from ambra_sdk.addon.pool import DEFAULT_MAX_WORKERS, DEFAULT_RETRIES
from ambra_sdk.addon.progress import Progress
from ambra_sdk.addon.results import DownloadResult, UploadResult
from ambra_sdk.exceptions.service_base import PreconditionFailed
from ambra_sdk.request_args import sentinel

if TYPE_CHECKING:
    from ambra_sdk.addon.upload import DicomPaths
    from ambra_sdk.api.api import Api

#: Files ``upload_dir`` picks up (the reference's pattern).
DICOM_GLOB = '**/*.dcm'
#: Where the addon documentation says how to get every study of a folder that holds several.
MULTI_STUDY_DOCS_URL = ADDON_DOCS_URL + '#study-upload-dir-and-get'

logger = logging.getLogger(__name__)


def _dir_paths(study_dir: PathType, pattern: str) -> List[Path]:
    """The files of ``study_dir`` matching ``pattern``, sorted.

    :raises NotADirectory: ``study_dir`` is not a directory.
    """
    folder = as_path(study_dir)
    if not folder.is_dir():
        state = 'does not exist' if not folder.exists() else 'is not a directory'
        raise NotADirectory('study_dir is not directory: {} {}'.format(folder, state))
    return sorted(folder.glob(pattern))


def _is_ready(study: Any) -> bool:
    if not study:
        return False
    phantom = study.get('phantom')
    try:
        return int(phantom or 0) == 0
    except (TypeError, ValueError):
        return False


class Study:  # noqa: WPS214 (one method per helper)
    """Study helpers.

    :param api: the :class:`~ambra_sdk.api.Api`.
    """

    def __init__(self, api: 'Api') -> None:
        self._api: Any = api  # namespaces are set on Api at run time

    # ------------------------------------------------------------------ upload
    def upload_files(
        self,
        dicom_paths: 'DicomPaths',
        namespace_id: str,
        *,
        max_workers: int = DEFAULT_MAX_WORKERS,
        retries: int = DEFAULT_RETRIES,
        progress: Progress = None,
        skip_existing: bool = False,
        multipart_threshold: Optional[int] = sentinel,
        part_size: int = sentinel,
        part_workers: int = DEFAULT_PART_WORKERS,
    ) -> UploadResult:
        """Upload DICOM files into one study and report file by file (never raises per file).

        The first readable DICOM file gives the study (created with
        ``/study/add``, or reused when the namespace already has it). Files are
        uploaded by ``max_workers`` threads; transient failures are retried
        ``retries`` times with the file rewound; ``/study/sync`` is called
        once at the end.

        Files larger than ``multipart_threshold`` go in chunks (see
        :meth:`ambra_sdk.addon.dicom.Dicom.upload`); the server stores them
        after answering, so their ``UploadedImageParams`` have empty
        ``image_uid`` and ``image_version`` (as the vendor's SDK), and the
        call may return before the study shows them (the ``*_and_get``
        helpers wait for them).

        :param dicom_paths: one path, or a list, tuple, generator... of paths.
        :param namespace_id: storage (and PHI) namespace.
        :param max_workers: parallel uploads.
        :param retries: extra attempts per file after a transient failure
            (and per chunk of a chunked file).
        :param progress: ``True`` for a tqdm bar (if tqdm is installed) or
            ``callback(done_files, total_files)``.
        :param skip_existing: when the study exists already (a second run),
            do not send the files whose SOP Instance UID it already holds
            (they are listed in ``skipped`` as ``already in the study``).
        :param multipart_threshold: files strictly larger than this many
            bytes go in chunks, each retried on its own, when the server
            supports it; None: never; not given: as the class attributes
            ``Dicom.UPLOAD_TYPE`` and ``Dicom.MULTIPART_THRESHOLD`` say
            (``AUTO`` and 20 MiB, as the vendor's client).
        :param part_size: bytes per chunk (not given: ``Dicom.PART_SIZE``, 2 MiB as the vendor's client).
        :param part_workers: chunks of one file sent at once (1, as the
            vendor's client; more is not confirmed against the real server).
        :return: an :class:`~ambra_sdk.addon.results.UploadResult`:
            ``(study_uuid, images_params)`` with ``uploaded``, ``skipped``
            (not DICOM, duplicate, missing, unreadable; with reasons) and
            ``failed`` (path -> error).
        :raises NoDicomFiles: no path, or none is a readable DICOM file.
        :raises ValueError: bad ``multipart_threshold``, ``part_size`` or ``part_workers``.
        """
        return self._upload_files(
            dicom_paths, namespace_id, None,
            max_workers=max_workers, retries=retries, progress=progress, skip_existing=skip_existing,
            multipart_threshold=multipart_threshold, part_size=part_size, part_workers=part_workers,
        )

    def _upload_files(
        self,
        dicom_paths: 'DicomPaths',
        namespace_id: str,
        stored_timeout: Optional[float],
        *,
        max_workers: int = DEFAULT_MAX_WORKERS,
        retries: int = DEFAULT_RETRIES,
        progress: Progress = None,
        raise_on_error: bool = False,
        skip_existing: bool = False,
        multipart_threshold: Optional[int] = sentinel,
        part_size: int = sentinel,
        part_workers: int = DEFAULT_PART_WORKERS,
    ) -> UploadResult:
        """:meth:`upload_files`; ``stored_timeout`` not None: wait that long for each chunked file."""
        from ambra_sdk.addon.upload import StudyUploader

        uploader = StudyUploader(
            self._api, namespace_id, max_workers, retries, progress, skip_existing,
            multipart_threshold=multipart_threshold,
            part_size=part_size,
            part_workers=part_workers,
            wait_stored=stored_timeout is not None,
            wait_timeout=DEFAULT_WAIT_TIMEOUT if stored_timeout is None else stored_timeout,
        )
        result = uploader.run(dicom_paths)
        if raise_on_error and (result.failed or result.stopped_by is not None):
            raise UploadFailed(result)
        return result

    def upload_paths(
        self,
        *,
        dicom_paths: 'DicomPaths',
        namespace_id: str,
        max_workers: int = DEFAULT_MAX_WORKERS,
        retries: int = DEFAULT_RETRIES,
        progress: Progress = None,
        raise_on_error: bool = True,
        skip_existing: bool = False,
        multipart_threshold: Optional[int] = sentinel,
        part_size: int = sentinel,
        part_workers: int = DEFAULT_PART_WORKERS,
    ) -> UploadResult:
        """Upload DICOM files into a new study (see :meth:`upload_files`).

        :param dicom_paths: one path, or a list, tuple, generator... of paths.
        :param namespace_id: storage (and PHI) namespace.
        :param max_workers: parallel uploads.
        :param retries: extra attempts per file after a transient failure.
        :param progress: ``True`` (tqdm bar) or ``callback(done, total)``.
        :param raise_on_error: raise :class:`~ambra_sdk.addon.exceptions.UploadFailed`
            (after uploading every other file) when a file failed.
        :param skip_existing: see :meth:`upload_files`.
        :param multipart_threshold: see :meth:`upload_files`.
        :param part_size: see :meth:`upload_files`.
        :param part_workers: see :meth:`upload_files`.
        :return: ``(study_uuid, images_params)`` (an
            :class:`~ambra_sdk.addon.results.UploadResult`). The first item is
            the service study **uuid**.
        :raises NoDicomFiles: no path, or none is a readable DICOM file.
        :raises UploadFailed: some files failed (``error.result`` has the details).
        """
        return self._upload_files(
            dicom_paths, namespace_id, None,
            max_workers=max_workers, retries=retries, progress=progress, raise_on_error=raise_on_error,
            skip_existing=skip_existing, multipart_threshold=multipart_threshold, part_size=part_size,
            part_workers=part_workers,
        )

    def upload_dir(
        self,
        *,
        study_dir: PathType,
        namespace_id: str,
        pattern: str = DICOM_GLOB,
        max_workers: int = DEFAULT_MAX_WORKERS,
        retries: int = DEFAULT_RETRIES,
        progress: Progress = None,
        raise_on_error: bool = True,
        skip_existing: bool = False,
        multipart_threshold: Optional[int] = sentinel,
        part_size: int = sentinel,
        part_workers: int = DEFAULT_PART_WORKERS,
    ) -> UploadResult:
        """Upload the ``*.dcm`` files of a folder (and its subfolders) into a new study.

        :param study_dir: the folder.
        :param namespace_id: storage (and PHI) namespace.
        :param pattern: glob of the files to upload.
        :param max_workers: parallel uploads.
        :param retries: extra attempts per file after a transient failure.
        :param progress: ``True`` (tqdm bar) or ``callback(done, total)``.
        :param raise_on_error: raise ``UploadFailed`` when a file failed.
        :param skip_existing: see :meth:`upload_files`.
        :param multipart_threshold: see :meth:`upload_files`.
        :param part_size: see :meth:`upload_files`.
        :param part_workers: see :meth:`upload_files`.
        :return: ``(study_uuid, images_params)`` (an ``UploadResult``).
        :raises NotADirectory: ``study_dir`` is not a directory (a ``ValueError``).
        :raises NoDicomFiles: the folder has no readable DICOM file.
        """
        return self._upload_files(
            _dir_paths(study_dir, pattern), namespace_id, None,
            max_workers=max_workers, retries=retries, progress=progress, raise_on_error=raise_on_error,
            skip_existing=skip_existing, multipart_threshold=multipart_threshold, part_size=part_size,
            part_workers=part_workers,
        )

    def upload_dir_and_get(
        self,
        *,
        study_dir: PathType,
        namespace_id: str,
        timeout: float = 200.0,
        ws_timeout: float = 5,
        **upload_options: Any,
    ) -> Any:
        """Upload a folder (:meth:`upload_dir`) and wait for the whole study (:meth:`wait`).

        The study is returned complete: each file sent in chunks is waited
        for until the study shows it (see :meth:`upload_paths_and_get`).

        A folder holding files of several studies uploads them all (the storage files each image
        into the study of its Study Instance UID), but, as the reference, only the study of the
        first file is waited for and returned; a warning (``ambra_sdk.addon.study`` logger) says
        how many studies the files held. For every study, call :meth:`upload_dir` and
        :meth:`wait` for each distinct ``study_uid`` of its ``images_params``.

        :param study_dir: the folder.
        :param namespace_id: storage (and PHI) namespace.
        :param timeout: seconds to wait for each chunked file, then for the study.
        :param ws_timeout: longest wait for an event (or pause between two polls), in seconds.
        :param upload_options: ``max_workers``, ``retries``, ``progress``, ``pattern``, ``raise_on_error``,
            ``skip_existing``, ``multipart_threshold``, ``part_size``, ``part_workers``.
        :return: the study Box (``/study/get``) of the first file, no longer a phantom.
        """
        pattern = upload_options.pop('pattern', DICOM_GLOB)
        return self._upload_and_wait(_dir_paths(study_dir, pattern), namespace_id, timeout, ws_timeout, upload_options)

    def upload_paths_and_get(
        self,
        *,
        dicom_paths: 'DicomPaths',
        namespace_id: str,
        timeout: float = 200.0,
        ws_timeout: float = 5,
        **upload_options: Any,
    ) -> Any:
        """Upload files (:meth:`upload_paths`) and wait for the whole study (:meth:`wait`).

        The study is returned complete: unlike :meth:`upload_paths`, each
        file sent in chunks (larger than ``multipart_threshold``, which the
        server stores after answering) is waited for until the study shows
        it (up to ``timeout`` seconds per file, woken by the study channel's
        events or polling; see :func:`~ambra_sdk.addon.multipart.wait_for_image`),
        before ``/study/sync`` and the wait for the study. A chunked file
        still not stored in time fails
        (:class:`~ambra_sdk.addon.exceptions.UploadFailed`, whose result
        lists it with a :class:`~ambra_sdk.addon.exceptions.WaitTimeout`).

        Files of several studies: as :meth:`upload_dir_and_get` (all uploaded, the first file's
        study returned, a warning with the number of studies).

        :param dicom_paths: one path or an iterable of paths.
        :param namespace_id: storage (and PHI) namespace.
        :param timeout: seconds to wait for each chunked file, then for the study.
        :param ws_timeout: longest wait for an event (or pause between two polls), in seconds.
        :param upload_options: ``max_workers``, ``retries``, ``progress``, ``raise_on_error``,
            ``skip_existing``, ``multipart_threshold``, ``part_size``, ``part_workers``.
        :return: the study Box of the first file, no longer a phantom.
        """
        return self._upload_and_wait(dicom_paths, namespace_id, timeout, ws_timeout, upload_options)

    def _upload_and_wait(
        self,
        dicom_paths: 'DicomPaths',
        namespace_id: str,
        timeout: float,
        ws_timeout: float,
        upload_options: Dict[str, Any],
    ) -> Any:
        options = {'raise_on_error': True, **upload_options}
        result = self._upload_files(dicom_paths, namespace_id, timeout, **options)
        return self._wait_uploaded(result, namespace_id, timeout, ws_timeout)

    def _wait_uploaded(self, result: UploadResult, namespace_id: str, timeout: float, ws_timeout: float) -> Any:
        images_params = result.images_params
        study_uid = images_params[0].study_uid if images_params else result.study_uid
        studies = len({str(params.study_uid) for params in images_params} | {str(study_uid)})
        if studies > 1:  # the reference returns the first study only; say so (a count: no UID, no PHI)
            logger.warning(
                'The files uploaded belong to %d studies; only the study of the first file is waited for and '
                'returned. For every study use upload_dir/upload_paths and Study.wait per study_uid of '
                'images_params (see %s)', studies, MULTI_STUDY_DOCS_URL,
            )
        if study_uid is None:  # pragma: no cover (a result always has one or the other)
            raise UploadFailed(result)
        return self.wait(study_uid=study_uid, namespace_id=namespace_id, timeout=timeout, ws_timeout=ws_timeout)

    # -------------------------------------------------------------------- wait
    def wait(
        self,
        study_uid: str,
        namespace_id: str,
        *,
        timeout: float = 200.0,
        ws_timeout: float = 5,
    ) -> Any:
        """Wait until a study exists in a namespace and is not a phantom any more.

        With the ``ws`` extra and a server that accepts the websocket channel,
        the wait subscribes to ``study.<namespace_id>`` and calls
        ``/study/get`` once, then whenever a ``READY`` event comes and at
        least every ``ws_timeout`` seconds. Otherwise ``/study/get`` is
        polled with exponential back-off (first after 50 ms, doubling up to
        ``ws_timeout`` seconds). See :mod:`ambra_sdk.addon.event_wait`.

        :param study_uid: the study UID.
        :param namespace_id: its storage namespace.
        :param timeout: seconds to wait in all.
        :param ws_timeout: longest wait for an event, and longest pause
            between two polls, in seconds.
        :return: the study Box.
        :raises WaitTimeout: the study was not found, or is still a phantom,
            when the time is up (a ``TimeoutError``; ``error.last`` is the
            last study seen or None).
        """

        def probe() -> Tuple[bool, Any]:
            try:
                study = self._api.Study.get(study_uid=study_uid, storage_namespace=namespace_id).get()
            except PreconditionFailed as error:
                if is_not_found(error):
                    return False, None
                raise
            return _is_ready(study), study

        outcome = wait_event_or_poll(
            self._api, probe, channel='study.{0}'.format(namespace_id), event='READY',
            timeout=timeout, ws_timeout=ws_timeout,
        )
        done, study = outcome.done, outcome.value
        if not done:
            seen = 'was not found' if study is None else 'is still a phantom'
            raise WaitTimeout(
                'Study {} in namespace {} {} after {} s'.format(study_uid, namespace_id, seen, timeout),
                timeout,
                study,
            )
        return study

    # ------------------------------------------------------ duplicate, anonymize
    def duplicate_and_get(
        self,
        uuid: str,
        namespace_id: str,
        include_attachments: bool = False,
        timeout: float = 200.0,
        ws_timeout: float = 5,
    ) -> Any:
        """Duplicate a study into a namespace and wait for the copy.

        :param uuid: uuid of the study to copy.
        :param namespace_id: namespace to copy it into.
        :param include_attachments: copy the attachments too.
        :param timeout: seconds to wait for the copy.
        :param ws_timeout: longest wait for an event (or pause between two polls), in seconds.
        :return: the new study Box.
        """
        from_uid = self._api.Study.get(uuid=uuid).only('study_uid').get().study_uid
        self._api.Study.duplicate(
            uuid=uuid,
            namespace_id=namespace_id,
            include_attachments=int(include_attachments),
        ).get()
        return self.wait(study_uid=from_uid, namespace_id=namespace_id, timeout=timeout, ws_timeout=ws_timeout)

    def anonymize_and_wait(  # noqa: WPS211
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        region: Dict[str, Any],
        phi_namespace: Optional[str] = None,
        to_namespace: Optional[str] = None,
        new_study_uid: Optional[str] = None,
        keep_image_uids: Optional[str] = None,
        color: Optional[str] = None,
        x_ambrahealth_job_id: Optional[str] = None,
        is_ai: bool = False,
        only_prepare: bool = False,
        timeout: float = 200.0,
        ws_timeout: float = 5,
    ) -> Any:
        """Anonymize a study (storage ``anonymize``) and wait for its job.

        Parameters are those of ``api.Storage.Study.anonymize`` plus the two waits.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param region: regions to blank out (JSON body).
        :param phi_namespace: namespace to take the PHI from.
        :param to_namespace: namespace of the new study.
        :param new_study_uid: UID of the new study.
        :param keep_image_uids: ``'1'`` to keep the image UIDs.
        :param color: fill color ``rrggbb``.
        :param x_ambrahealth_job_id: job id (a uuid4 when None).
        :param is_ai: anonymized by a system.
        :param only_prepare: return the prepared request and wait for nothing.
        :param timeout: seconds to wait for the job.
        :param ws_timeout: longest wait for an event (or pause between two polls), in seconds.
        :return: the new study UID (``response.text``), or the prepared request.
        """
        response = self._api.Addon.Job.wait_completion(
            self._api.Storage.Study.anonymize,
            timeout=timeout,
            ws_timeout=ws_timeout,
            engine_fqdn=engine_fqdn,
            namespace=namespace,
            study_uid=study_uid,
            region=region,
            phi_namespace=phi_namespace,
            to_namespace=to_namespace,
            new_study_uid=new_study_uid,
            keep_image_uids=keep_image_uids,
            color=color,
            x_ambrahealth_job_id=x_ambrahealth_job_id,
            is_ai=is_ai,
            only_prepare=only_prepare,
        )
        if only_prepare is True:
            return response
        return response.text

    def anonymize_and_get(  # noqa: WPS211
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        region: Dict[str, Any],
        phi_namespace: Optional[str] = None,
        to_namespace: Optional[str] = None,
        new_study_uid: Optional[str] = None,
        keep_image_uids: Optional[str] = None,
        color: Optional[str] = None,
        x_ambrahealth_job_id: Optional[str] = None,
        is_ai: bool = False,
        only_prepare: bool = False,
        timeout: float = 200.0,
        ws_timeout: float = 5,
    ) -> Any:
        """Anonymize a study, wait for the job and then for the new study.

        ``timeout`` covers both waits. Parameters as :meth:`anonymize_and_wait`.

        :return: the new study Box (from ``to_namespace``, else ``namespace``).
        :raises WaitTimeout: no time was left for the study after the job.
        """
        start = time.monotonic()
        new_uid = self.anonymize_and_wait(
            engine_fqdn,
            namespace,
            study_uid,
            region,
            phi_namespace=phi_namespace,
            to_namespace=to_namespace,
            new_study_uid=new_study_uid,
            keep_image_uids=keep_image_uids,
            color=color,
            x_ambrahealth_job_id=x_ambrahealth_job_id,
            is_ai=is_ai,
            only_prepare=only_prepare,
            timeout=timeout,
            ws_timeout=ws_timeout,
        )
        if only_prepare is True:
            return new_uid
        rest = timeout - (time.monotonic() - start)
        target_namespace = to_namespace if to_namespace is not None else namespace
        if rest <= 0:
            raise WaitTimeout(
                'No time left to wait for study {} in namespace {} after the anonymize job'.format(
                    new_uid, target_namespace,
                ),
                timeout,
            )
        return self.wait(study_uid=new_uid, namespace_id=target_namespace, timeout=rest, ws_timeout=ws_timeout)

    # ---------------------------------------------------------------- download
    def download_dir(
        self,
        *,
        study_uid: str,
        namespace_id: str,
        dest_dir: PathType,
        engine_fqdn: Optional[str] = None,
        phi_namespace: Optional[str] = None,
        max_workers: int = DEFAULT_MAX_WORKERS,
        retries: int = DEFAULT_RETRIES,
        progress: Progress = None,
        verify: bool = True,
        raise_on_error: bool = True,
    ) -> DownloadResult:
        """Download every image of a study into ``dest_dir/<study_uid>/<series_uid>/<image_uid>.dcm``.

        Images are streamed to disk in parallel; each file appears under its
        final name only when complete (temporary file + ``os.replace``) and
        checked against the study schema (size, SOP Instance UID with
        ``verify``). Files already there from an earlier run are kept, so a
        second run fetches only what is missing.

        :param study_uid: the study UID.
        :param namespace_id: its storage namespace.
        :param dest_dir: destination folder (created if needed).
        :param engine_fqdn: storage engine host (looked up when None).
        :param phi_namespace: namespace to take the PHI from.
        :param max_workers: parallel downloads.
        :param retries: extra attempts per image after a transient failure.
        :param progress: ``True`` (tqdm bar) or ``callback(done, total)``.
        :param verify: read each new file's header and check its SOP Instance UID.
        :param raise_on_error: raise ``DownloadFailed`` (after every other
            image was written) when an image failed, and ``MalformedSchema`` when the
            schema answer cannot be read; when False both are reported in the result
            (``result.failed``, ``result.error``).
        :return: a :class:`~ambra_sdk.addon.results.DownloadResult`.
        :raises DestinationNotWritable: ``dest_dir`` cannot be created or written.
        :raises DownloadFailed: some images failed (``error.result`` has the details).
        :raises MalformedSchema: the study's schema answer is not ``series[].images[]``
            (the study's folder holds no new file).
        """
        from ambra_sdk.addon.download import StudyDownloader

        downloader = StudyDownloader(
            self._api,
            engine_fqdn=self._api.Addon.Dicom.engine_fqdn(namespace_id, engine_fqdn),
            namespace_id=namespace_id,
            study_uid=study_uid,
            phi_namespace=phi_namespace,
            max_workers=max_workers,
            retries=retries,
            progress=progress,
            verify=verify,
            raise_on_error=raise_on_error,
        )
        result = downloader.run(as_path(dest_dir))
        if raise_on_error and (result.failed or result.stopped_by is not None):
            raise DownloadFailed(result)
        return result

    def download_zip(
        self,
        *,
        study_uid: str,
        namespace_id: str,
        dest_path: PathType,
        bundle: str = 'dicom',
        engine_fqdn: Optional[str] = None,
        phi_namespace: Optional[str] = None,
        retries: int = DEFAULT_RETRIES,
        progress: Progress = None,
        overwrite: bool = False,
    ) -> Path:
        """Download a study as the vendor's ZIP bundle (``Storage.Study.download``) to ``dest_path``.

        The bundle is streamed to a temporary file next to ``dest_path`` and
        renamed to it only when it is a readable ZIP with matching CRCs and,
        for ``bundle='dicom'``, one ``.dcm`` entry per image of the study
        schema; transient failures are retried. When ``dest_path`` already
        holds such a bundle nothing is fetched (unless ``overwrite``).

        :param study_uid: the study UID.
        :param namespace_id: its storage namespace.
        :param dest_path: the ZIP file to write (its folder is created if needed).
        :param bundle: ``dicom``, ``iso``, ``osx`` or ``win``.
        :param engine_fqdn: storage engine host (looked up when None).
        :param phi_namespace: namespace to take the PHI from.
        :param retries: extra attempts after a transient failure.
        :param progress: ``True`` (tqdm bar) or ``callback(done_bytes, total_bytes)``.
        :param overwrite: fetch again even when ``dest_path`` holds a whole bundle.
        :return: ``dest_path`` as a :class:`~pathlib.Path`.
        :raises ValueError: an unknown ``bundle``.
        :raises DestinationNotWritable: the folder cannot be created or written.
        :raises ImageMismatch: the bundle received is not whole.
        """
        from ambra_sdk.addon.download_zip import ZipDownloader

        downloader = ZipDownloader(
            self._api,
            engine_fqdn=self._api.Addon.Dicom.engine_fqdn(namespace_id, engine_fqdn),
            namespace_id=namespace_id,
            study_uid=study_uid,
            bundle=bundle,
            phi_namespace=phi_namespace,
            retries=retries,
            progress=progress,
        )
        return downloader.run(as_path(dest_path), overwrite)

    # -------------------------------------------------------------- deprecated
    @deprecated('api.Addon.Job.wait', 'job-wait')
    def wait_job(self, job_id: str, namespace_id: str, timeout: float = 200.0, ws_timeout: float = 5) -> Any:
        """Wait for a job (deprecated: :meth:`Job.wait <ambra_sdk.addon.job.Job.wait>`)."""
        return self._api.Addon.Job.wait(
            job_id=job_id, namespace_id=namespace_id, timeout=timeout, ws_timeout=ws_timeout,
        )

    @deprecated('api.Addon.Dicom.get', 'dicom-get')
    def dicom(
        self,
        namespace_id: str,
        study_uid: str,
        image_uid: str,
        image_version: str = '*',
        engine_fqdn: Optional[str] = None,
        pretranscode: Optional[bool] = None,
    ) -> Any:
        """Fetch one instance (deprecated: :meth:`Dicom.get <ambra_sdk.addon.dicom.Dicom.get>`)."""
        return self._api.Addon.Dicom.get(
            namespace_id=namespace_id,
            study_uid=study_uid,
            image_uid=image_uid,
            image_version=image_version,
            engine_fqdn=engine_fqdn,
            pretranscode=pretranscode,
        )

    @deprecated('api.Addon.Dicom.upload_from_path', 'dicom-upload-from-path')
    def upload_dicom(
        self, dicom_path: PathType, namespace_id: str, engine_fqdn: Optional[str] = None,
    ) -> UploadedImageParams:
        """Upload one file (deprecated: :meth:`ambra_sdk.addon.dicom.Dicom.upload_from_path`)."""
        return self._api.Addon.Dicom.upload_from_path(  # type: ignore[no-any-return]
            dicom_path=dicom_path, namespace_id=namespace_id, engine_fqdn=engine_fqdn,
        )

    @deprecated('api.Addon.Study.upload_dir', 'study-upload-dir')
    def upload(self, *, study_dir: PathType, namespace_id: str) -> UploadResult:
        """Upload a folder (deprecated: :meth:`upload_dir`)."""
        return self.upload_dir(study_dir=study_dir, namespace_id=namespace_id)

    @deprecated('api.Addon.Study.upload_dir_and_get', 'study-upload-dir-and-get')
    def upload_and_get(
        self, study_dir: PathType, namespace_id: str, timeout: float = 200.0, ws_timeout: float = 5,
    ) -> Any:
        """Upload a folder and wait (deprecated: :meth:`upload_dir_and_get`)."""
        return self.upload_dir_and_get(
            study_dir=study_dir, namespace_id=namespace_id, timeout=timeout, ws_timeout=ws_timeout,
        )


__all__ = ['Study', 'DICOM_GLOB', 'ADDON_DOCS_URL']
