"""``api.Storage.Image`` multipart upload: a big file sent as numbered parts.

Not in the v16 storage document of 3.21.6.0-1 (the later SDK added
``multipart_initiate``, ``multipart_chunk_upload`` and ``multipart_complete``
on these paths); the arguments here are this SDK's, and the emulator answers
them. A server without the endpoints answers 404, and
:meth:`ambra_sdk.addon.dicom.Dicom.upload` then falls back to one request.

1. ``GET /multipart/initiate?namespace=`` -> ``{upload_uuid}``;
2. ``POST /multipart/{upload_uuid}?part_number=N`` with the raw bytes of part
   N (1-based); sending a part again replaces it, so retries are safe;
3. ``POST /multipart/{upload_uuid}/complete?parts=N`` joins parts 1..N and
   files the image: the same answer as :meth:`Image.upload`; completing twice
   answers the same image again.
"""

from typing import Any, Optional

from box import Box

from ambra_sdk.storage.args import file_argument, job_headers
from ambra_sdk.storage.namespace import BoxResult, StorageNamespace
from ambra_sdk.storage.request import StorageMethod

#: Highest part number the server accepts.
MAX_PART_NUMBER = 10000

__all__ = ['ImageMultipart', 'MAX_PART_NUMBER']


def check_part_number(part_number: Any, name: str = 'part_number') -> int:
    """Validate a part number.

    :param part_number: an int from 1 to :data:`MAX_PART_NUMBER`.
    :param name: the argument name, used in the message.
    :return: the number.
    :raises ValueError: anything else.
    """
    if isinstance(part_number, bool) or not isinstance(part_number, int) or not 1 <= part_number <= MAX_PART_NUMBER:
        raise ValueError('{name} must be an int from 1 to {top}, got {value!r}'.format(
            name=name, top=MAX_PART_NUMBER, value=part_number,
        ))
    return part_number


def check_upload_uuid(upload_uuid: Any) -> str:
    """Validate the id returned by :meth:`ImageMultipart.multipart_initiate`.

    :param upload_uuid: a non-empty str without ``/``, ``?`` or ``#``.
    :return: the id.
    :raises ValueError: anything else.
    """
    if not isinstance(upload_uuid, str) or not upload_uuid or any(char in upload_uuid for char in '/?#'):
        raise ValueError('upload_uuid must be the id multipart_initiate returned, got {0!r}'.format(upload_uuid))
    return upload_uuid


class ImageMultipart(StorageNamespace):
    """The three multipart-upload commands of ``api.Storage.Image``."""

    def multipart_initiate(
        self,
        engine_fqdn: str,
        namespace: str,
        study_uid: Optional[str] = None,
        use_box: bool = True,
        x_ambrahealth_job_id: Optional[str] = None,
        only_prepare: bool = False,
    ) -> BoxResult:
        """Start a multipart upload of one DICOM file.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace the image goes to.
        :param study_uid: study UID the image must belong to.
        :param use_box: return a Box (``upload_uuid``...).
        :param x_ambrahealth_job_id: job id (``X-AmbraHealth-Job-Id`` header).
        :param only_prepare: return the request unsent.
        :return: Box, Response or PreparedRequest.
        """
        prepared = self._prepare(
            StorageMethod.get,
            '/multipart/initiate',
            engine_fqdn,
            {},
            {'namespace': namespace, 'study_uid': study_uid},
            headers=job_headers(x_ambrahealth_job_id),
        )
        return self._box(prepared, only_prepare, use_box, Box)

    def multipart_chunk_upload(
        self,
        engine_fqdn: str,
        upload_uuid: str,
        part_number: int,
        opened_file: Any,
        use_box: bool = True,
        only_prepare: bool = False,
    ) -> BoxResult:
        """Send one part (its bytes are the whole request body).

        :param engine_fqdn: storage engine host.
        :param upload_uuid: the id from :meth:`multipart_initiate`.
        :param part_number: 1 to 10000; parts are joined in this order.
        :param opened_file: the part: a binary file object (a
            :class:`~ambra_sdk.storage.file_part.FilePart` to send a slice of a
            big file), bytes, or a path.
        :param use_box: return a Box (``part_number``, ``size``, ``sha1``).
        :param only_prepare: return the request unsent.
        :return: Box, Response or PreparedRequest.
        :raises ValueError: a bad ``upload_uuid`` or ``part_number``.
        """
        check_part_number(part_number)
        body, owned = file_argument(opened_file, 'opened_file', allow_tuple=False)
        prepared = self._prepare(
            StorageMethod.post,
            '/multipart/{upload_uuid}',
            engine_fqdn,
            {'upload_uuid': check_upload_uuid(upload_uuid)},
            {'part_number': part_number},
            data=body,
        )
        return self._box(prepared, only_prepare, use_box, Box, owned_files=owned)

    def multipart_complete(
        self,
        engine_fqdn: str,
        upload_uuid: str,
        parts: Optional[int] = None,
        use_box: bool = True,
        x_ambrahealth_job_id: Optional[str] = None,
        only_prepare: bool = False,
    ) -> BoxResult:
        """Join the parts and store the image (answers like :meth:`Image.upload`).

        :param engine_fqdn: storage engine host.
        :param upload_uuid: the id from :meth:`multipart_initiate`.
        :param parts: how many parts were sent (the server checks that 1..parts
            are all there); None: the parts the server holds.
        :param use_box: return a Box (``study_uid``, ``image_uid``, ``image_version``...).
        :param x_ambrahealth_job_id: job id (``X-AmbraHealth-Job-Id`` header).
        :param only_prepare: return the request unsent.
        :return: Box, Response or PreparedRequest.
        :raises ValueError: a bad ``upload_uuid`` or ``parts``.
        """
        if parts is not None:
            check_part_number(parts, 'parts')
        prepared = self._prepare(
            StorageMethod.post,
            '/multipart/{upload_uuid}/complete',
            engine_fqdn,
            {'upload_uuid': check_upload_uuid(upload_uuid)},
            {'parts': parts},
            headers=job_headers(x_ambrahealth_job_id),
        )
        return self._box(prepared, only_prepare, use_box, Box)
