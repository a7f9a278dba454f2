"""Binary (image, video, PDF, attachment, ZIP) commands of ``Storage.Study``."""

from typing import Any, BinaryIO, Dict, Optional

from ambra_sdk.storage.args import (
    bool_to_int,
    check_bundle,
    check_depth,
    check_size,
)
from ambra_sdk.storage.download import DEFAULT_CHUNK_SIZE, DownloadTarget, PathType, Progress
from ambra_sdk.storage.namespace import ResponseResult, StorageNamespace
from ambra_sdk.storage.paths import FRAME, IMAGE, STUDY, frame_path, image_path
from ambra_sdk.storage.request import StorageMethod
from ambra_sdk.storage.typed import OnlyPrepare, response_method


class StudyMediaCommands(StorageNamespace):
    """Binary (image, video, PDF, attachment, ZIP) commands of ``Storage.Study``."""

    @response_method
    def thumbnail(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        image_uid: str,
        image_version: str,
        frame_number: int,
        depth: Optional[int] = None,
        phi_namespace: Optional[str] = None,
        only_prepare: OnlyPrepare = False,
    ) -> ResponseResult:
        """Get a JPEG thumbnail of a frame.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param image_uid: image UID.
        :param image_version: image version.
        :param frame_number: frame number (0 based).
        :param depth: bit depth, None, 8 or 16.
        :param phi_namespace: namespace to take the PHI from.
        :param only_prepare: return the request unsent.
        :return: Response or PreparedRequest.
        :raises ValueError: bad ``depth``.
        """
        check_depth(depth)
        prepared = self._prepare(
            StorageMethod.get,
            FRAME + '/thumbnail',
            engine_fqdn,
            frame_path(namespace, study_uid, image_uid, image_version, frame_number),
            {'depth': depth, 'phi_namespace': phi_namespace},
        )
        return self._response(prepared, only_prepare)

    @response_method
    def diagnostic(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        image_uid: str,
        image_version: str,
        frame_number: int,
        phi_namespace: Optional[str] = None,
        depth: Optional[int] = None,
        size: Optional[str] = None,
        only_prepare: OnlyPrepare = False,
    ) -> ResponseResult:
        """Get a diagnostic quality PNG of a frame.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param image_uid: image UID.
        :param image_version: image version.
        :param frame_number: frame number (0 based).
        :param phi_namespace: namespace to take the PHI from.
        :param depth: bit depth, None, 8 or 16.
        :param size: ``N`` (longest edge) or ``WIDTHxHEIGHT``.
        :param only_prepare: return the request unsent.
        :return: Response or PreparedRequest.
        :raises ValueError: bad ``depth`` or ``size``.
        """
        check_depth(depth)
        check_size(size)
        prepared = self._prepare(
            StorageMethod.get,
            FRAME + '/diagnostic',
            engine_fqdn,
            frame_path(namespace, study_uid, image_uid, image_version, frame_number),
            {'phi_namespace': phi_namespace, 'depth': depth, 'size': size},
        )
        return self._response(prepared, only_prepare)

    @response_method
    def frame(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        image_uid: str,
        image_version: str,
        frame_number: str,
        phi_namespace: Optional[str] = None,
        depth: Optional[int] = None,
        quality: Optional[float] = None,
        size: Optional[str] = None,
        only_prepare: OnlyPrepare = False,
        *,
        to_path: Optional[PathType] = None,
        to_file: Optional[BinaryIO] = None,
        progress: Progress = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> ResponseResult:
        """Get a frame as JPEG (streamed).

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param image_uid: image UID.
        :param image_version: image version.
        :param frame_number: frame number (``N`` or ``N.<suffix>``).
        :param phi_namespace: namespace to take the PHI from.
        :param depth: bit depth, None, 8 or 16.
        :param quality: JPEG quality, 0 < quality <= 1.
        :param size: ``N`` (longest edge) or ``WIDTHxHEIGHT``.
        :param only_prepare: return the request unsent.
        :param to_path: save the body to this path.
        :param to_file: save the body into this open binary file.
        :param progress: ``callback(done, total)`` or ``True`` for a tqdm bar.
        :param chunk_size: bytes per chunk when saving.
        :return: Response or PreparedRequest.
        :raises ValueError: bad ``depth`` or ``size``.
        """
        check_depth(depth)
        check_size(size)
        target = DownloadTarget.from_args(to_path, to_file, progress, chunk_size)
        prepared = self._prepare(
            StorageMethod.get,
            FRAME,
            engine_fqdn,
            frame_path(namespace, study_uid, image_uid, image_version, frame_number),
            {'phi_namespace': phi_namespace, 'depth': depth, 'quality': quality, 'size': size},
            stream=True,
        )
        return self._response(prepared, only_prepare, target=target)

    @response_method
    def frame_tiff(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        image_uid: str,
        image_version: str,
        frame_number: str,
        phi_namespace: Optional[str] = None,
        depth: Optional[int] = None,
        size: Optional[str] = None,
        only_prepare: OnlyPrepare = False,
        *,
        to_path: Optional[PathType] = None,
        to_file: Optional[BinaryIO] = None,
        progress: Progress = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> ResponseResult:
        """Get a frame as TIFF (streamed).

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param image_uid: image UID.
        :param image_version: image version.
        :param frame_number: frame number.
        :param phi_namespace: namespace to take the PHI from.
        :param depth: bit depth, None, 8 or 16.
        :param size: ``N`` (longest edge) or ``WIDTHxHEIGHT``.
        :param only_prepare: return the request unsent.
        :param to_path: save the body to this path.
        :param to_file: save the body into this open binary file.
        :param progress: ``callback(done, total)`` or ``True`` for a tqdm bar.
        :param chunk_size: bytes per chunk when saving.
        :return: Response or PreparedRequest.
        :raises ValueError: bad ``depth`` or ``size``.
        """
        check_depth(depth)
        check_size(size)
        target = DownloadTarget.from_args(to_path, to_file, progress, chunk_size)
        prepared = self._prepare(
            StorageMethod.get,
            FRAME + '/tiff',
            engine_fqdn,
            frame_path(namespace, study_uid, image_uid, image_version, frame_number),
            {'phi_namespace': phi_namespace, 'depth': depth, 'size': size},
            stream=True,
        )
        return self._response(prepared, only_prepare, target=target)

    @response_method
    def pdf(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        image_uid: str,
        image_version: str,
        only_prepare: OnlyPrepare = False,
        *,
        to_path: Optional[PathType] = None,
        to_file: Optional[BinaryIO] = None,
        progress: Progress = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> ResponseResult:
        """Get the PDF wrapped in an image (streamed).

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param image_uid: image UID.
        :param image_version: image version.
        :param only_prepare: return the request unsent.
        :param to_path: save the body to this path.
        :param to_file: save the body into this open binary file.
        :param progress: ``callback(done, total)`` or ``True`` for a tqdm bar.
        :param chunk_size: bytes per chunk when saving.
        :return: Response or PreparedRequest.
        """
        target = DownloadTarget.from_args(to_path, to_file, progress, chunk_size)
        prepared = self._prepare(
            StorageMethod.get,
            IMAGE + '/pdf',
            engine_fqdn,
            image_path(namespace, study_uid, image_uid, image_version),
            {},
            stream=True,
        )
        return self._response(prepared, only_prepare, target=target)

    @response_method
    def attachment(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        attachment_id: str,
        version: str,
        phi_namespace: Optional[str] = None,
        file_name: Optional[str] = None,
        only_prepare: OnlyPrepare = False,
        *,
        to_path: Optional[PathType] = None,
        to_file: Optional[BinaryIO] = None,
        progress: Progress = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> ResponseResult:
        """Get an attachment (streamed).

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param attachment_id: attachment id.
        :param version: attachment version.
        :param phi_namespace: namespace to take the PHI from.
        :param file_name: appended to the path as ``/{file_name}`` when given.
        :param only_prepare: return the request unsent.
        :param to_path: save the body to this path.
        :param to_file: save the body into this open binary file.
        :param progress: ``callback(done, total)`` or ``True`` for a tqdm bar.
        :param chunk_size: bytes per chunk when saving.
        :return: Response or PreparedRequest.
        """
        target = DownloadTarget.from_args(to_path, to_file, progress, chunk_size)
        url_template = STUDY + '/attachment/{attachment_id}/version/{version}'
        path_args: Dict[str, Any] = {
            'namespace': namespace,
            'study_uid': study_uid,
            'attachment_id': attachment_id,
            'version': version,
        }
        if file_name is not None:
            url_template += '/{file_name}'
            path_args['file_name'] = file_name
        prepared = self._prepare(
            StorageMethod.get,
            url_template,
            engine_fqdn,
            path_args,
            {'phi_namespace': phi_namespace},
            stream=True,
        )
        return self._response(prepared, only_prepare, target=target)

    @response_method
    def latest(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        file_name: Optional[str] = None,
        phi_namespace: Optional[str] = None,
        only_prepare: OnlyPrepare = False,
        *,
        to_path: Optional[PathType] = None,
        to_file: Optional[BinaryIO] = None,
        progress: Progress = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> ResponseResult:
        """Get the latest attachment of the study (streamed).

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param file_name: appended to the path as ``/{file_name}`` when given.
        :param phi_namespace: namespace to take the PHI from.
        :param only_prepare: return the request unsent.
        :param to_path: save the body to this path.
        :param to_file: save the body into this open binary file.
        :param progress: ``callback(done, total)`` or ``True`` for a tqdm bar.
        :param chunk_size: bytes per chunk when saving.
        :return: Response or PreparedRequest.
        """
        target = DownloadTarget.from_args(to_path, to_file, progress, chunk_size)
        url_template = STUDY + '/attachment/latest'
        path_args: Dict[str, Any] = {'namespace': namespace, 'study_uid': study_uid}
        if file_name is not None:
            url_template += '/{file_name}'
            path_args['file_name'] = file_name
        prepared = self._prepare(
            StorageMethod.get,
            url_template,
            engine_fqdn,
            path_args,
            {'phi_namespace': phi_namespace},
            stream=True,
        )
        return self._response(prepared, only_prepare, target=target)

    @response_method
    def download(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        bundle: str,
        phi_namespace: Optional[str] = None,
        series_uid: Optional[str] = None,
        image_uid: Optional[str] = None,
        include_wrapped_dicoms: Optional[bool] = None,
        stop_on_failure: Optional[bool] = None,
        exclude_viewer: Optional[bool] = None,
        v3: Optional[bool] = None,
        roche_directory: Optional[bool] = None,
        flat_directory: Optional[bool] = None,
        transfer_syntax: Optional[str] = None,
        anonymize_tags: Optional[str] = None,
        only_prepare: OnlyPrepare = False,
        *,
        to_path: Optional[PathType] = None,
        to_file: Optional[BinaryIO] = None,
        progress: Progress = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> ResponseResult:
        """Download the study as a ZIP bundle (streamed).

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param bundle: ``dicom``, ``iso``, ``osx`` or ``win``.
        :param phi_namespace: namespace to take the PHI from.
        :param series_uid: comma-separated series UIDs.
        :param image_uid: comma-separated image UIDs.
        :param include_wrapped_dicoms: include wrapped DICOMs.
        :param stop_on_failure: drop the viewer on errors.
        :param exclude_viewer: no viewer in iso/osx/win bundles.
        :param v3: the pro viewer.
        :param roche_directory: Roche folder layout.
        :param flat_directory: files named IMG0001...
        :param transfer_syntax: transfer syntax UID (sent as given).
        :param anonymize_tags: ``tagint=value,...`` (``__DELETE__`` removes a tag).
        :param only_prepare: return the request unsent.
        :param to_path: save the body to this path.
        :param to_file: save the body into this open binary file.
        :param progress: ``callback(done, total)`` or ``True`` for a tqdm bar.
        :param chunk_size: bytes per chunk when saving.
        :return: Response or PreparedRequest.
        :raises ValueError: bad ``bundle``.
        """
        check_bundle(bundle)
        params = {
            'bundle': bundle,
            'phi_namespace': phi_namespace,
            'series_uid': series_uid,
            'image_uid': image_uid,
            'include_wrapped_dicoms': bool_to_int(include_wrapped_dicoms, 'include_wrapped_dicoms'),
            'stop_on_failure': bool_to_int(stop_on_failure, 'stop_on_failure'),
            'exclude_viewer': bool_to_int(exclude_viewer, 'exclude_viewer'),
            'v3': bool_to_int(v3, 'v3'),
            'roche_directory': bool_to_int(roche_directory, 'roche_directory'),
            'flat_directory': bool_to_int(flat_directory, 'flat_directory'),
            'transfer_syntax': transfer_syntax,
            'anonymize_tags': anonymize_tags,
        }
        target = DownloadTarget.from_args(to_path, to_file, progress, chunk_size)
        prepared = self._prepare(
            StorageMethod.get,
            STUDY + '/download',
            engine_fqdn,
            {'namespace': namespace, 'study_uid': study_uid},
            params,
            stream=True,
        )
        return self._response(prepared, only_prepare, target=target)

    @response_method
    def video(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        image_uid: str,
        image_version: str,
        reencode_video: Optional[bool] = None,
        only_prepare: OnlyPrepare = False,
        *,
        to_path: Optional[PathType] = None,
        to_file: Optional[BinaryIO] = None,
        progress: Progress = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> ResponseResult:
        """Get the video wrapped in an image as MPEG-4 (streamed).

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param image_uid: image UID.
        :param image_version: image version.
        :param reencode_video: re-encode the video.
        :param only_prepare: return the request unsent.
        :param to_path: save the body to this path.
        :param to_file: save the body into this open binary file.
        :param progress: ``callback(done, total)`` or ``True`` for a tqdm bar.
        :param chunk_size: bytes per chunk when saving.
        :return: Response or PreparedRequest.
        """
        target = DownloadTarget.from_args(to_path, to_file, progress, chunk_size)
        prepared = self._prepare(
            StorageMethod.get,
            IMAGE + '/video',
            engine_fqdn,
            image_path(namespace, study_uid, image_uid, image_version),
            {'reencode_video': bool_to_int(reencode_video, 'reencode_video')},
            stream=True,
        )
        return self._response(prepared, only_prepare, target=target)
