"""The vendor's multipart (chunked) upload: initiate, chunks with crc32, asynchronous complete.

The wire format (``/work/shared/spec/multipart_spec.md``; URLs under
``/api/v3/storage``, ``?sid=`` auth as every storage route):

* ``GET /multipart/initiate`` -> 200 ``{"upload_uuid": "<uuid4>"}``.
* ``POST /multipart/{upload_uuid}``, the raw chunk as the body, headers
  ``X-AmbraHealth-part-checksum`` (``zlib.crc32`` of the chunk, unsigned
  decimal), ``X-File-Size`` (its length) and ``X-File-Name`` (the chunk
  number, 0-based, 5 digits) -> 200 ``{"upload_uuid", "chunk", "size"}``.
  A body of at most 8 MiB (the vendor's chunks are 2 MiB) is read into
  memory in one read, its crc32 checked, then written once, at its place in
  the upload's joined file (:mod:`ambra_sdk.emulator.storage.multipart_assembly`);
  a larger one is streamed to a file of its own while its crc32 is computed.
  A chunk whose size or crc32 differs from its headers is not kept and gets 412
  ``VALIDATION_ERROR`` with ``exception_data.field`` naming the header (so a
  chunk damaged on the wire is refused, and the client sends it again);
  sending a chunk number again replaces the chunk.
* ``POST /multipart/{upload_uuid}/complete?namespace=&endpoint=image|wrap&study_uid=&tags=&render_wrapped_pdf=``
  with ``X-File-Size`` (the total) and ``X-File-Name`` -> 202
  ``{"upload_uuid"}`` once the chunks 0..N-1 are all there and add up to
  ``X-File-Size``; the image is stored in the background
  (:mod:`ambra_sdk.emulator.storage.multipart_store`), from the file the
  chunks were written into, and hashed, as they arrived. A repeated complete
  answers 202 again and stores nothing more.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from werkzeug.exceptions import ClientDisconnected
from werkzeug.wrappers import Response

from ambra_sdk.checksum import crc32
from ambra_sdk.emulator.private_files import open_private
from ambra_sdk.emulator.storage import multipart_assembly
from ambra_sdk.emulator.storage import multipart_store as store
from ambra_sdk.emulator.storage.errors import StorageError
from ambra_sdk.emulator.storage.routing import StorageRequest, json_response, storage_route
from ambra_sdk.emulator.storage.upload import CHUNK

CHECKSUM_HEADER = 'X-AmbraHealth-part-checksum'
SIZE_HEADER = 'X-File-Size'
NAME_HEADER = 'X-File-Name'
ENDPOINTS = ('image', 'wrap')


def _not_found(upload_uuid: str) -> StorageError:
    return StorageError('NOT_FOUND', f'Multipart upload {upload_uuid} not found', {'upload_uuid': upload_uuid})


def _invalid(field: str, message: str, **data: Any) -> StorageError:
    return StorageError('VALIDATION_ERROR', message, {'field': field, **data})


def _digits_header(req: StorageRequest, name: str, width: int = 0) -> int:
    """A header holding an unsigned decimal (exactly ``width`` digits when given).

    :raises StorageError: 412 VALIDATION_ERROR naming the header.
    """
    raw = req.request.headers.get(name)
    text = (raw or '').strip()
    if not text.isascii() or not text.isdigit() or (width and len(text) != width) or len(text) > 20:
        shape = f'{width} digits' if width else 'an unsigned decimal'
        raise _invalid(name, f'Header {name} must be {shape}', value=raw)
    return int(text)


def _open_upload(req: StorageRequest, upload_uuid: str) -> Tuple[Path, Dict[str, Any]]:
    """The folder and metadata of an upload of the calling user.

    :raises StorageError: 404 NOT_FOUND (unknown uuid), 403 ACCESS_DENIED (another user's upload).
    """
    if not store.is_upload_uuid(upload_uuid):
        raise _not_found(upload_uuid)
    folder = store.uploads_dir(req.index) / upload_uuid
    meta = store.read_json(folder / store.META_FILE)
    if meta is None:
        raise _not_found(upload_uuid)
    if meta.get('user_id') != req.user.get('uuid'):
        raise StorageError(
            'ACCESS_DENIED', 'The multipart upload belongs to another user', {'upload_uuid': upload_uuid},
        )
    return folder, meta


def _discard_body(req: StorageRequest) -> None:
    """Read and drop the request body, so an early error answer reaches the client cleanly."""
    stream = req.request.stream
    try:
        while stream.read(CHUNK):
            pass
    except Exception:  # noqa: BLE001 - the client went away: nothing to answer anyway
        pass


def _read_body(req: StorageRequest, length: int) -> bytes:
    """The whole body (``length`` bytes, at most :data:`~.multipart_assembly.MAX_IN_MEMORY_CHUNK`), in one read.

    :raises StorageError: ERROR_DURING_UPLOAD_PROCESS when the client hangs up early.
    """
    try:
        data = req.request.stream.read(length)
    except (OSError, ClientDisconnected):
        raise StorageError('ERROR_DURING_UPLOAD_PROCESS', 'Upload interrupted') from None
    if len(data) < length:
        raise StorageError('ERROR_DURING_UPLOAD_PROCESS', 'Upload interrupted')
    return bytes(data)


def _check(size: int, crc: int, declared: int, checksum: int) -> None:
    """Refuse a chunk whose size or crc32 differs from its headers (412 naming the header)."""
    if size != declared:
        raise _invalid(SIZE_HEADER, f'Chunk has {size} bytes, {SIZE_HEADER} says {declared}',
                       expected=declared, received=size)
    if crc != checksum:
        raise _invalid(CHECKSUM_HEADER, 'Chunk checksum mismatch', expected=checksum, received=crc)


def _spool_checked(req: StorageRequest, dest: Path, limit: int) -> Tuple[int, int]:
    """Copy at most ``limit`` body bytes to ``dest``; return ``(size, crc32)`` (``dest`` removed on error)."""
    stream = req.request.stream
    crc = 0
    size = 0
    try:
        with open_private(dest) as out:
            while size < limit:
                try:
                    piece = stream.read(min(CHUNK, limit - size))
                except (OSError, ClientDisconnected):
                    raise StorageError('ERROR_DURING_UPLOAD_PROCESS', 'Upload interrupted') from None
                if not piece:
                    break
                out.write(piece)
                crc = crc32(piece, crc)
                size += len(piece)
    except BaseException:
        store.unlink(dest)
        raise
    return size, crc


@storage_route('/multipart/initiate')
def multipart_initiate(req: StorageRequest) -> Response:
    """Start an upload of the calling user."""
    return json_response({'upload_uuid': store.new_upload(req.index, req.user.get('uuid'))})


@storage_route('/multipart/<upload_uuid>', methods=('POST',))
def multipart_chunk(req: StorageRequest, upload_uuid: str) -> Response:
    """Store (or replace) one chunk after checking its size and crc32 against its headers."""
    try:
        folder, _meta = _open_upload(req, upload_uuid)
        if (folder / store.COMPLETE_FILE).exists():
            raise _not_found(upload_uuid)
        checksum = _digits_header(req, CHECKSUM_HEADER)
        declared = _digits_header(req, SIZE_HEADER)
        number = _digits_header(req, NAME_HEADER, width=5)
    except StorageError:
        _discard_body(req)
        raise
    final = folder / store.chunk_name(number)
    length = req.request.content_length
    if length is not None and length <= multipart_assembly.MAX_IN_MEMORY_CHUNK:
        size = _store_in_memory(upload_uuid, folder, number, final, _read_body(req, length), declared, checksum)
    else:
        size = _store_spooled(req, upload_uuid, folder, number, final, length, declared, checksum)
    multipart_assembly.advance(folder)
    return json_response({'upload_uuid': upload_uuid, 'chunk': f'{number:05d}', 'size': size})


def _store_in_memory(
    upload_uuid: str, folder: Path, number: int, final: Path, data: bytes, declared: int, checksum: int,
) -> int:
    """Check a chunk read whole, then write it once: in place in the joined file, else as ``final``."""
    _check(len(data), crc32(data), declared, checksum)
    with store.LOCKS.hold(str(folder)):
        if (folder / store.COMPLETE_FILE).exists():  # completed while this chunk was arriving
            raise _not_found(upload_uuid)
        try:
            if not multipart_assembly.place(folder, number, data, final):
                store.write_atomic(final, data)
                multipart_assembly.unplace(folder, number)
        except FileNotFoundError:  # the folder went away (expired, state wiped) while the body was read
            raise _not_found(upload_uuid) from None
    return len(data)


def _store_spooled(
    req: StorageRequest, upload_uuid: str, folder: Path, number: int, final: Path, length: Optional[int],
    declared: int, checksum: int,
) -> int:
    """Stream a (large) chunk to a file of its own while computing its crc32; check it; keep it as ``final``."""
    tmp = folder / f'{final.name}.{uuid.uuid4().hex}.tmp'
    try:
        size, crc = _spool_checked(req, tmp, declared + 1 if length is None else length)
    except FileNotFoundError:  # the folder went away (expired, state wiped) while the body was read
        raise _not_found(upload_uuid) from None
    try:
        _check(size, crc, declared, checksum)
        with store.LOCKS.hold(str(folder)):
            if (folder / store.COMPLETE_FILE).exists():  # completed while this chunk was arriving
                raise _not_found(upload_uuid)
            try:
                os.replace(tmp, final)
                multipart_assembly.unplace(folder, number)
            except FileNotFoundError:
                raise _not_found(upload_uuid) from None
    except BaseException:
        store.unlink(tmp)
        _discard_body(req)
        raise
    return size


@storage_route('/multipart/<upload_uuid>/complete', methods=('POST',))
def multipart_complete(req: StorageRequest, upload_uuid: str) -> Response:
    """Check the chunks, answer 202 and store the joined file in the background."""
    folder, _meta = _open_upload(req, upload_uuid)
    namespace = req.request.args.get('namespace') or ''
    if not namespace:
        raise _invalid('namespace', 'Missing required parameter namespace')
    endpoint = req.request.args.get('endpoint') or 'image'
    if endpoint not in ENDPOINTS:
        raise _invalid('endpoint', 'endpoint must be image or wrap', value=endpoint)
    req.flag('render_wrapped_pdf')
    total = _digits_header(req, SIZE_HEADER)
    answer = json_response({'upload_uuid': upload_uuid}, status=202)
    with store.LOCKS.hold(str(folder)):
        if (folder / store.COMPLETE_FILE).exists():
            return answer
        chunks = store.present_chunks(folder)
        missing = [number for number in range(max(chunks, default=-1) + 1) if number not in chunks]
        if not chunks or missing:
            raise _invalid('chunks', f'Multipart upload {upload_uuid} is missing chunks', missing_chunks=missing or [0])
        received = sum(chunks.values())
        if received != total:
            raise _invalid(SIZE_HEADER, f'Chunks hold {received} bytes, {SIZE_HEADER} says {total}',
                           expected=total, received=received)
        completion = store.Completion(
            index=req.index,
            state=req.state,
            engine_fqdn=req.engine_fqdn,
            folder=folder,
            namespace=namespace,
            endpoint=endpoint,
            study_uid=req.request.args.get('study_uid') or None,
            tags=req.request.args.get('tags') or None,
            chunks=len(chunks),
        )
        request = {key: getattr(completion, key) for key in ('namespace', 'endpoint', 'study_uid', 'chunks')}
        store.write_atomic(folder / store.COMPLETE_FILE, json.dumps(request).encode('utf-8'))
    store.store_in_background(completion)
    return answer
