"""Multipart (in parts) upload of one DICOM file: initiate, send numbered parts, complete.

The wire contract (URLs under ``/api/v3/storage``, ``?sid=`` auth as every
storage route):

* ``GET /multipart/initiate?namespace=NS[&study_uid=U]`` -> 200
  ``{"upload_uuid": "<32 hex>", "namespace": NS, "study_uid": U or null}``.
* ``POST /multipart/{upload_uuid}?part_number=N`` (raw part bytes as body) -> 200
  ``{"upload_uuid", "part_number", "size", "sha1"}``; sending part N again
  replaces it atomically.
* ``POST /multipart/{upload_uuid}/complete[?parts=N]`` -> joins parts 1..N and
  files the result as ``POST /namespace/{ns}/image`` does (same JSON, 200);
  a repeated ``complete`` answers the saved JSON again.

An upload is a folder ``<storage tmp dir>/multipart/<upload_uuid>`` holding
``meta.json`` (namespace, study_uid, user, created), the parts
(``part-00001`` ...) and, once completed, ``result.json``. It lives under the
state's files directory, so a state wipe (``Emulator.reset()``) removes every
upload, completed or not. Part bodies are streamed to a temporary name and
renamed into place under a per-upload lock, so parts of one upload can be sent
in parallel while ``complete`` never sees half a part.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from werkzeug.exceptions import ClientDisconnected
from werkzeug.wrappers import Response

from ambra_sdk.emulator.storage.errors import StorageError, utc_timestamp
from ambra_sdk.emulator.storage.index import StorageIndex
from ambra_sdk.emulator.storage.routes_write import _stored_response
from ambra_sdk.emulator.storage.routing import StorageRequest, json_response, storage_route
from ambra_sdk.emulator.storage.upload import CHUNK, file_dicom, spool

#: Highest part number (and ``parts`` value) accepted.
MAX_PART_NUMBER = 10000
#: Sub-folder of the storage temp dir holding the uploads.
UPLOADS_DIR = 'multipart'
META_FILE = 'meta.json'
RESULT_FILE = 'result.json'
_PART_PREFIX = 'part-'
_PART_RE = re.compile(r'^part-(\d{5})$')
_UUID_RE = re.compile(r'^[0-9a-f]{32}$')


@dataclass
class _LockEntry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    users: int = 0


class _UploadLocks:
    """One lock per upload folder, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._entries: Dict[str, _LockEntry] = {}

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        """Hold the lock of ``key`` for the ``with`` block."""
        with self._guard:
            entry = self._entries.setdefault(key, _LockEntry())
            entry.users += 1
        try:
            with entry.lock:
                yield
        finally:
            with self._guard:
                entry.users -= 1
                if entry.users == 0:
                    del self._entries[key]

    def __len__(self) -> int:
        with self._guard:
            return len(self._entries)


_LOCKS = _UploadLocks()


def uploads_dir(index: StorageIndex) -> Path:
    """Folder of the multipart uploads of a state (inside the storage temp dir)."""
    return index.tmp_dir / UPLOADS_DIR


def part_name(number: int) -> str:
    """File name of part ``number`` inside an upload folder."""
    return f'{_PART_PREFIX}{number:05d}'


def _not_found(upload_uuid: str) -> StorageError:
    return StorageError(
        'NOT_FOUND', f'Multipart upload {upload_uuid} not found', {'upload_uuid': upload_uuid},
    )


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temp name and ``os.replace``."""
    tmp = path.with_name(f'{path.name}.{uuid.uuid4().hex}.tmp')
    try:
        with open(tmp, 'wb') as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        _unlink(tmp)
        raise


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _int_arg(req: StorageRequest, name: str, required: bool) -> Optional[int]:
    """A query parameter that must be an int from 1 to :data:`MAX_PART_NUMBER`.

    :raises StorageError: 412 VALIDATION_ERROR (missing when ``required``, not an int, out of range).
    """
    raw = req.request.args.get(name)
    if raw is None or raw == '':
        if not required:
            return None
        raise StorageError('VALIDATION_ERROR', f'Missing required parameter {name}', {'field': name})
    text = raw.strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_PART_NUMBER:
        raise StorageError(
            'VALIDATION_ERROR', f'{name} must be an integer from 1 to {MAX_PART_NUMBER}',
            {'field': name, 'value': raw},
        )
    return int(text)


def _open_upload(req: StorageRequest, upload_uuid: str) -> Tuple[Path, Dict[str, Any]]:
    """The folder and metadata of an upload of the calling user.

    :raises StorageError: 404 NOT_FOUND (unknown uuid), 403 ACCESS_DENIED (another user's upload).
    """
    if not _UUID_RE.match(upload_uuid):
        raise _not_found(upload_uuid)
    folder = uploads_dir(req.index) / upload_uuid
    try:
        with open(folder / META_FILE, 'rb') as src:
            meta: Dict[str, Any] = json.loads(src.read())
    except (OSError, ValueError):
        raise _not_found(upload_uuid) from None
    if meta.get('user_id') != req.user.get('uuid'):
        raise StorageError(
            'ACCESS_DENIED', 'The multipart upload belongs to another user', {'upload_uuid': upload_uuid},
        )
    return folder, meta


def _saved_answer(folder: Path) -> Optional[bytes]:
    """The JSON answer of a completed upload, None while it is open."""
    try:
        with open(folder / RESULT_FILE, 'rb') as src:
            return src.read()
    except OSError:
        return None


def _present_parts(folder: Path) -> Set[int]:
    """Numbers of the parts stored under their final names."""
    found: Set[int] = set()
    for entry in os.scandir(folder):
        match = _PART_RE.match(entry.name)
        if match:
            found.add(int(match.group(1)))
    return found


def _discard_body(req: StorageRequest) -> None:
    """Read and drop the request body, so an early error answer reaches the client cleanly."""
    stream = req.request.stream
    try:
        while stream.read(CHUNK):
            pass
    except Exception:  # noqa: BLE001 - the client went away: nothing to answer anyway
        pass


def _concatenate(index: StorageIndex, folder: Path, count: int) -> Tuple[Path, int, str]:
    """Copy parts 1..``count`` in order into a new temp file, in chunks.

    :returns: ``(temp path, size, sha1 hex digest)``.
    """
    target = index.new_tmp_path()
    digest = hashlib.sha1()
    size = 0
    try:
        with open(target, 'wb') as out:
            for number in range(1, count + 1):
                with open(folder / part_name(number), 'rb') as src:
                    while True:
                        chunk = src.read(CHUNK)
                        if not chunk:
                            break
                        out.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
    except BaseException:
        _unlink(target)
        raise
    return target, size, digest.hexdigest()


@storage_route('/multipart/initiate')
def multipart_initiate(req: StorageRequest) -> Response:
    """Start an upload into ``namespace`` (optionally filed under ``study_uid``)."""
    namespace = req.request.args.get('namespace')
    if not namespace:
        raise StorageError('VALIDATION_ERROR', 'Missing required parameter namespace', {'field': 'namespace'})
    req.require_namespace(namespace)
    study_uid = req.request.args.get('study_uid') or None
    upload_uuid = uuid.uuid4().hex
    folder = uploads_dir(req.index) / upload_uuid
    folder.mkdir(parents=True)
    meta = {
        'upload_uuid': upload_uuid,
        'namespace': namespace,
        'study_uid': study_uid,
        'user_id': req.user.get('uuid'),
        'created': utc_timestamp(),
    }
    _write_atomic(folder / META_FILE, json.dumps(meta).encode('utf-8'))
    return json_response({'upload_uuid': upload_uuid, 'namespace': namespace, 'study_uid': study_uid})


@storage_route('/multipart/<upload_uuid>', methods=('POST',))
def multipart_part(req: StorageRequest, upload_uuid: str) -> Response:
    """Store (or replace) one part; the raw body is the part, streamed to disk."""
    try:
        folder, _meta = _open_upload(req, upload_uuid)
        if _saved_answer(folder) is not None:
            raise _not_found(upload_uuid)
        number = _int_arg(req, 'part_number', required=True)
    except StorageError:
        _discard_body(req)
        raise
    assert number is not None
    final = folder / part_name(number)
    tmp = folder / f'{final.name}.{uuid.uuid4().hex}.tmp'
    try:
        size, sha1 = spool(req.request.stream, tmp, req.request.content_length)
    except ClientDisconnected:  # spool removed the temp file
        raise StorageError('ERROR_DURING_UPLOAD_PROCESS', 'Upload interrupted: client disconnected') from None
    except FileNotFoundError:  # the folder went away (state wiped) while the body was read
        raise _not_found(upload_uuid) from None
    try:
        with _LOCKS.hold(str(folder)):
            if _saved_answer(folder) is not None:  # completed while this part was arriving
                raise _not_found(upload_uuid)
            try:
                os.replace(tmp, final)
            except FileNotFoundError:  # the state was wiped while the body was read
                raise _not_found(upload_uuid) from None
    except BaseException:
        _unlink(tmp)
        raise
    return json_response({'upload_uuid': upload_uuid, 'part_number': number, 'size': size, 'sha1': sha1})


@storage_route('/multipart/<upload_uuid>/complete', methods=('POST',))
def multipart_complete(req: StorageRequest, upload_uuid: str) -> Response:
    """Join parts 1..N, file the image like ``upload``; a repeat answers the saved JSON."""
    folder, meta = _open_upload(req, upload_uuid)
    parts = _int_arg(req, 'parts', required=False)
    with _LOCKS.hold(str(folder)):
        saved = _saved_answer(folder)
        if saved is not None:
            return Response(saved, status=200, content_type='application/json')
        present = _present_parts(folder)
        count = parts if parts is not None else max(present, default=0)
        missing: List[int] = [n for n in range(1, count + 1) if n not in present] if count else [1]
        if missing:
            raise StorageError(
                'VALIDATION_ERROR', f'Multipart upload {upload_uuid} is missing parts',
                {'missing_parts': missing},
            )
        tmp, size, version = _concatenate(req.index, folder, count)
        stored = file_dicom(req.index, meta['namespace'], tmp, size, version, meta.get('study_uid') or None)
        response = _stored_response(req, stored)
        _write_atomic(folder / RESULT_FILE, response.get_data())
        for number in present:
            _unlink(folder / part_name(number))
    return response
