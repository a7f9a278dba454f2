"""``api.Storage.Image`` multipart upload: a big file sent as numbered chunks.

Not in the v16 storage document of 3.21.6.0-1: the vendor's SDK added these
three methods in 3.22.1, with this wire format (all under
``{engine_fqdn}/api/v3/storage``, ``?sid=`` as every storage call):

1. ``GET /multipart/initiate`` -> ``{"upload_uuid": "<uuid>"}``;
2. ``POST /multipart/{upload_uuid}``, the raw chunk bytes as the body, with
   ``X-AmbraHealth-part-checksum: str(zlib.crc32(chunk))``,
   ``X-File-Size: len(chunk)`` and ``X-File-Name``: the chunk number,
   0-based, on 5 digits (``00000``, ``00001``...);
3. ``POST /multipart/{upload_uuid}/complete?namespace=&endpoint=image&study_uid=&tags=&render_wrapped_pdf=``
   with ``X-File-Size: <total bytes>`` and ``X-File-Name: name``, empty body.
   Completion is asynchronous: the answer carries no image uid; the image
   appears in the study once the server has joined and stored it.
"""

from typing import Any, Dict, Optional, Union

from box import Box

from ambra_sdk import checksum
from ambra_sdk.storage.args import bool_to_int
from ambra_sdk.storage.namespace import BoxResult, ResponseResult, StorageNamespace
from ambra_sdk.storage.request import StorageMethod
from ambra_sdk.storage.typed import OnlyPrepare, UseBox, box_method, response_method

#: Highest chunk number: ``X-File-Name`` has 5 digits.
MAX_CHUNK_NUMBER = 99999
#: Header carrying ``str(zlib.crc32(chunk))``.
CHECKSUM_HEADER = 'X-AmbraHealth-part-checksum'
#: Header carrying a size in bytes (of the chunk, or of the whole file on complete).
SIZE_HEADER = 'X-File-Size'
#: Header carrying the chunk number (or ``name`` on complete).
NAME_HEADER = 'X-File-Name'
#: What the vendor's client sends as ``X-File-Name`` on complete.
COMPLETE_FILE_NAME = 'name'
#: Values of ``endpoint`` on complete.
ENDPOINTS = ('image', 'wrap')

__all__ = ['ChunkBytes', 'ImageMultipart', 'MAX_CHUNK_NUMBER', 'chunk_headers', 'check_upload_uuid']


class ChunkBytes(bytes):
    """The bytes of one chunk, with their crc32 computed while they were read.

    :meth:`ImageMultipart.multipart_chunk_upload` uses :attr:`crc32` instead
    of hashing the bytes a second time.
    """

    crc32: int

    def __new__(cls, data: bytes, crc32: int) -> 'ChunkBytes':
        """Wrap ``data`` whose ``zlib.crc32`` is ``crc32``."""
        instance = super().__new__(cls, data)
        instance.crc32 = crc32
        return instance


def check_chunk_number(chunk_number: Any) -> int:
    """Validate a chunk number.

    :param chunk_number: an int from 0 to :data:`MAX_CHUNK_NUMBER`.
    :return: the number.
    :raises ValueError: anything else.
    """
    if (
        isinstance(chunk_number, bool)
        or not isinstance(chunk_number, int)
        or not 0 <= chunk_number <= MAX_CHUNK_NUMBER
    ):
        raise ValueError('chunk_number must be an int from 0 to {top}, got {value!r}'.format(
            top=MAX_CHUNK_NUMBER, value=chunk_number,
        ))
    return chunk_number


def check_upload_uuid(upload_uuid: Any) -> str:
    """Validate the id returned by :meth:`ImageMultipart.multipart_initiate`.

    :param upload_uuid: a non-empty str without ``/``, ``?`` or ``#``.
    :return: the id.
    :raises ValueError: anything else.
    """
    if not isinstance(upload_uuid, str) or not upload_uuid or any(char in upload_uuid for char in '/?#'):
        raise ValueError('upload_uuid must be the id multipart_initiate returned, got {0!r}'.format(upload_uuid))
    return upload_uuid


def _check_size(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError('{name} must be an int >= 0, got {value!r}'.format(name=name, value=value))
    return value


def chunk_bytes(bytes_part: Any) -> bytes:
    """Return the body of one chunk as bytes.

    :param bytes_part: bytes, bytearray or memoryview.
    :return: the bytes (not copied when already bytes).
    :raises TypeError: anything else (a chunk is small: the caller reads it).
    """
    if isinstance(bytes_part, bytes):
        return bytes_part
    if isinstance(bytes_part, (bytearray, memoryview)):
        return bytes(bytes_part)
    raise TypeError('bytes_part must be bytes, got {0}'.format(type(bytes_part).__name__))


def chunk_headers(body: bytes, chunk_number: int, crc32: Optional[int] = None) -> Dict[str, str]:
    """Return the three headers of a chunk request.

    :param body: the chunk (a :class:`ChunkBytes` brings its crc32 along).
    :param chunk_number: 0-based number.
    :param crc32: ``zlib.crc32(body)`` when the caller computed it already (None: computed here).
    :return: the header dict, in the vendor's order.
    """
    if crc32 is None:
        crc32 = body.crc32 if isinstance(body, ChunkBytes) else checksum.crc32(body)
    return {
        CHECKSUM_HEADER: str(crc32),
        SIZE_HEADER: str(len(body)),
        NAME_HEADER: '{0:05d}'.format(chunk_number),
    }


class ImageMultipart(StorageNamespace):
    """The three multipart-upload commands of ``api.Storage.Image``."""

    @box_method(Box)
    def multipart_initiate(
        self,
        engine_fqdn: str,
        use_box: UseBox = True,
        only_prepare: OnlyPrepare = False,
    ) -> BoxResult:
        """Start a multipart upload (``GET /multipart/initiate``).

        :param engine_fqdn: storage engine host.
        :param use_box: return a Box (``upload_uuid``).
        :param only_prepare: return the request unsent.
        :return: Box, Response or PreparedRequest.
        """
        prepared = self._prepare(StorageMethod.get, '/multipart/initiate', engine_fqdn, {}, {})
        return self._box(prepared, only_prepare, use_box, Box)

    @response_method
    def multipart_chunk_upload(
        self,
        engine_fqdn: str,
        upload_uuid: str,
        bytes_part: Union[bytes, bytearray, memoryview],
        chunk_number: int,
        only_prepare: OnlyPrepare = False,
    ) -> ResponseResult:
        """Send one chunk (``POST /multipart/{upload_uuid}``, the bytes are the body).

        Sending a chunk number again replaces that chunk, so a retry is safe.

        :param engine_fqdn: storage engine host.
        :param upload_uuid: the id from :meth:`multipart_initiate`.
        :param bytes_part: the chunk's bytes.
        :param chunk_number: 0 to 99999; the server joins the chunks in this order.
        :param only_prepare: return the request unsent.
        :return: Response or PreparedRequest.
        :raises ValueError: a bad ``upload_uuid`` or ``chunk_number``.
        :raises TypeError: ``bytes_part`` is not bytes.
        """
        return self._send_chunk(engine_fqdn, upload_uuid, chunk_bytes(bytes_part), chunk_number, None, only_prepare)

    def _send_chunk(
        self,
        engine_fqdn: str,
        upload_uuid: str,
        body: bytes,
        chunk_number: int,
        crc32: Optional[int],
        only_prepare: bool = False,
    ) -> ResponseResult:
        """Send one chunk whose crc32 may be known already (the SDK's chunked upload computed it while reading).

        Not a vendor method: :meth:`multipart_chunk_upload` with the checksum
        passed along, so the bytes are neither hashed nor copied again.

        :param crc32: ``zlib.crc32(body)``, or None to compute it.
        """
        check_chunk_number(chunk_number)
        prepared = self._prepare(
            StorageMethod.post,
            '/multipart/{upload_uuid}',
            engine_fqdn,
            {'upload_uuid': check_upload_uuid(upload_uuid)},
            {},
            headers=chunk_headers(body, chunk_number, crc32),
            data=body,
        )
        return self._response(prepared, only_prepare)

    @response_method
    def multipart_complete(
        self,
        engine_fqdn: str,
        namespace: str,
        upload_uuid: str,
        file_size: int,
        endpoint: str = 'image',
        tags: str = '',
        study_uid: Optional[str] = None,
        render_wrapped_pdf: Any = '',
        only_prepare: OnlyPrepare = False,
    ) -> ResponseResult:
        """Ask the server to join the chunks and store the file (asynchronously).

        The answer carries no image uid: the image appears in the study once
        the server has stored it.

        :param engine_fqdn: storage engine host.
        :param namespace: storage namespace the image goes to.
        :param upload_uuid: the id from :meth:`multipart_initiate`.
        :param file_size: total bytes of the chunks (``X-File-Size``).
        :param endpoint: ``image`` (a DICOM file) or ``wrap`` (a file to wrap into DICOM).
        :param tags: DICOM tags JSON, as for ``wrap`` (``''``: none).
        :param study_uid: study UID the image must belong to (None: not sent).
        :param render_wrapped_pdf: as for ``wrap`` (``''``: not set; a bool is sent as 1/0).
        :param only_prepare: return the request unsent.
        :return: Response or PreparedRequest.
        :raises ValueError: a bad ``upload_uuid``, ``file_size`` or ``endpoint``.
        """
        if endpoint not in ENDPOINTS:
            raise ValueError('endpoint must be one of {0}, got {1!r}'.format(ENDPOINTS, endpoint))
        size = _check_size(file_size, 'file_size')
        flag: Any = render_wrapped_pdf
        if render_wrapped_pdf is not None and render_wrapped_pdf != '':
            flag = bool_to_int(render_wrapped_pdf, 'render_wrapped_pdf')
        prepared = self._prepare(
            StorageMethod.post,
            '/multipart/{upload_uuid}/complete',
            engine_fqdn,
            {'upload_uuid': check_upload_uuid(upload_uuid)},
            {
                'namespace': namespace,
                'endpoint': endpoint,
                'study_uid': study_uid,
                'tags': tags,
                'render_wrapped_pdf': flag,
            },
            headers={SIZE_HEADER: str(size), NAME_HEADER: COMPLETE_FILE_NAME},
        )
        return self._response(prepared, only_prepare)
