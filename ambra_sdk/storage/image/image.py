"""``api.Storage.Image``: upload, wrap and raw image commands (the reference's 4 methods, plus the
multipart upload of :mod:`ambra_sdk.storage.image_multipart`)."""

from typing import Any, BinaryIO, Optional

from box import Box

from ambra_sdk.storage.args import bool_to_int, file_argument, file_size, job_headers
from ambra_sdk.storage.download import DEFAULT_CHUNK_SIZE, DownloadTarget, PathType, Progress
from ambra_sdk.storage.image_multipart import ImageMultipart
from ambra_sdk.storage.namespace import BoxResult, ResponseResult
from ambra_sdk.storage.paths import IMAGE
from ambra_sdk.storage.request import StorageMethod
from ambra_sdk.storage.typed import OnlyPrepare, UseBox, box_method, response_method

__all__ = ['Image']


class Image(ImageMultipart):
    """Storage commands on images."""

    @box_method(Box)
    def upload(
        self,
        engine_fqdn: str,
        namespace: str,
        opened_file: Any,
        study_uid: Optional[str] = None,
        use_box: UseBox = True,
        x_ambrahealth_job_id: Optional[str] = None,
        only_prepare: OnlyPrepare = False,
    ) -> BoxResult:
        """Upload a DICOM file (the file bytes are the whole request body).

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param opened_file: a file opened in binary mode, or a path (opened here and
            closed after sending; with ``only_prepare=True`` the caller closes it).
        :param study_uid: study UID the image must belong to.
        :param use_box: return a Box (``study_uid``, ``image_uid``, ``image_version``...).
        :param x_ambrahealth_job_id: job id (``X-AmbraHealth-Job-Id`` header).
        :param only_prepare: return the request unsent.
        :return: Box, Response or PreparedRequest.
        :raises FileNotFoundError: ``opened_file`` is a missing path.
        :raises IsADirectoryError: ``opened_file`` is a directory.
        :raises ValueError: ``opened_file`` is closed.
        """
        file_value, owned = file_argument(opened_file, 'opened_file', allow_tuple=False)
        prepared = self._prepare(
            StorageMethod.post,
            '/namespace/{namespace}/image',
            engine_fqdn,
            {'namespace': namespace},
            {'study_uid': study_uid},
            headers=job_headers(x_ambrahealth_job_id),
            data=file_value,
        )
        return self._box(prepared, only_prepare, use_box, Box, owned_files=owned)

    @response_method
    def wrap(
        self,
        engine_fqdn: str,
        namespace: str,
        opened_file: Any,
        tags: Optional[str] = None,
        render_wrapped_pdf: Optional[bool] = None,
        x_ambrahealth_job_id: Optional[str] = None,
        only_prepare: OnlyPrepare = False,
    ) -> ResponseResult:
        """Wrap a non-DICOM file (PDF, JPEG...) into DICOM (multipart part ``file``).

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param opened_file: a binary file, a path (opened here and closed after sending;
            with ``only_prepare=True`` the caller closes it), or a requests tuple
            ``(filename, fileobj[, content_type[, headers]])``.
        :param tags: DICOM tags JSON (sent as a query parameter and a form field).
        :param render_wrapped_pdf: render the wrapped PDF.
        :param x_ambrahealth_job_id: job id (``X-AmbraHealth-Job-Id`` header).
        :param only_prepare: return the request unsent.
        :return: Response or PreparedRequest.
        :raises FileNotFoundError: ``opened_file`` is a missing path.
        :raises ValueError: ``opened_file`` is closed.
        """
        params = {'tags': tags, 'render_wrapped_pdf': bool_to_int(render_wrapped_pdf, 'render_wrapped_pdf')}
        file_value, owned = file_argument(opened_file, 'opened_file')
        headers = job_headers(x_ambrahealth_job_id, **{'X-File-Size': str(file_size(file_value))})
        prepared = self._prepare(
            StorageMethod.post,
            '/namespace/{namespace}/wrap',
            engine_fqdn,
            {'namespace': namespace},
            params,
            files={'file': file_value},
            headers=headers,
            data={'tags': tags} if tags is not None else None,
        )
        return self._response(prepared, only_prepare, owned_files=owned)

    @response_method
    def cadsr(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        image_uid: str,
        image_version: str,
        phi_namespace: Optional[str] = None,
        only_prepare: OnlyPrepare = False,
    ) -> ResponseResult:
        """Get the vendor graphical annotations of an image (a JSON array, not boxed).

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param image_uid: image UID.
        :param image_version: image version.
        :param phi_namespace: namespace to take the PHI from.
        :param only_prepare: return the request unsent.
        :return: Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.get,
            IMAGE + '/cadsr',
            engine_fqdn,
            {
                'namespace': namespace,
                'study_uid': study_uid,
                'image_uid': image_uid,
                'image_version': image_version,
            },
            {'phi_namespace': phi_namespace},
        )
        return self._response(prepared, only_prepare)

    @response_method
    def dicom_payload(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: str,
        image_uid: str,
        image_version: str,
        phi_namespace: Optional[str] = None,
        pretranscode: Optional[bool] = None,
        transfer_syntax: Optional[str] = None,
        only_prepare: OnlyPrepare = False,
        *,
        to_path: Optional[PathType] = None,
        to_file: Optional[BinaryIO] = None,
        progress: Progress = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> ResponseResult:
        """Get the DICOM Part-10 bytes of an image (streamed).

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace.
        :param study_uid: study UID.
        :param image_uid: image UID.
        :param image_version: image version (the server's ``{hash}``).
        :param phi_namespace: namespace to take the PHI from.
        :param pretranscode: pretranscode the image.
        :param transfer_syntax: transfer syntax UID.
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
            IMAGE,
            engine_fqdn,
            {
                'namespace': namespace,
                'study_uid': study_uid,
                'image_uid': image_uid,
                'image_version': image_version,
            },
            {
                'phi_namespace': phi_namespace,
                'pretranscode': bool_to_int(pretranscode, 'pretranscode'),
                'transfer_syntax': transfer_syntax,
            },
            stream=True,
        )
        return self._response(prepared, only_prepare, target=target)
