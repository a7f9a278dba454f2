"""Where the multipart uploads live on disk, and how a completed one is stored.

An upload is a folder ``<storage tmp dir>/multipart/<upload_uuid>`` holding
``meta.json`` (user, creation time), the chunks (written in place in
``joined.part`` with a marker each, or files ``chunk-00000``... of their own:
:mod:`.multipart_assembly`) and, once ``complete`` was accepted,
``complete.json`` (the completion request). It lives under the state's files
directory, so a state wipe (``Emulator.reset()``) removes every upload.

:func:`store_in_background` takes the file the chunks were written into, and
hashed in chunk-number order, while they arrived (:mod:`.multipart_assembly`;
when it does not hold exactly the chunks, :func:`join_chunks` copies them
into one temporary file now), files it as ``POST /namespace/{ns}/image``
(or ``/wrap``) would, removes the chunks, and records the outcome in
``result.json``: all of it in a thread, after ``complete`` has answered, so
the study shows the image shortly after (as the real server, whose
completion is asynchronous). Uploads untouched for :data:`EXPIRY_SECONDS`
are removed by :func:`expire_uploads`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from ambra_sdk.emulator.private_files import make_private_dir, open_private
from ambra_sdk.emulator.storage import multipart_assembly
from ambra_sdk.emulator.storage.index import StorageIndex
from ambra_sdk.emulator.storage.upload import CHUNK, Stored, file_dicom

logger = logging.getLogger(__name__)

#: Sub-folder of the storage temp dir holding the uploads.
UPLOADS_DIR = 'multipart'
META_FILE = 'meta.json'
COMPLETE_FILE = 'complete.json'
RESULT_FILE = 'result.json'
#: An upload untouched (no chunk, no complete) for this long is removed.
EXPIRY_SECONDS = 24 * 3600.0
#: Seconds the background store waits before it starts (tests may raise it).
STORE_DELAY = 0.0
_UUID_RE = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')


@dataclass
class _LockEntry:
    lock: threading.Lock = field(default_factory=threading.Lock)
    users: int = 0


class UploadLocks:
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


LOCKS = UploadLocks()


def uploads_dir(index: StorageIndex) -> Path:
    """Folder of the multipart uploads of a state (inside the storage temp dir)."""
    return index.tmp_dir / UPLOADS_DIR


def is_upload_uuid(text: str) -> bool:
    """Tell whether ``text`` has the shape of an id :func:`new_upload` makes."""
    return bool(_UUID_RE.match(text))


def chunk_name(number: int) -> str:
    """File name of chunk ``number`` inside an upload folder."""
    return f'chunk-{number:05d}'


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temp name and ``os.replace``."""
    tmp = path.with_name(f'{path.name}.{uuid.uuid4().hex}.tmp')
    try:
        with open_private(tmp) as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        unlink(tmp)
        raise


def unlink(path: Path) -> None:
    """Remove a file; a missing one is fine."""
    try:
        os.unlink(path)
    except OSError:
        pass


def read_json(path: Path) -> Optional[Dict[str, Any]]:
    """The JSON object in ``path``, None when missing or unreadable."""
    try:
        with open(path, 'rb') as src:
            value = json.loads(src.read())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def new_upload(index: StorageIndex, user_id: Any) -> str:
    """Create the folder of a new upload and return its id."""
    expire_uploads(index)
    upload_uuid = str(uuid.uuid4())
    folder = uploads_dir(index) / upload_uuid
    make_private_dir(folder)
    write_atomic(folder / META_FILE, json.dumps({'user_id': user_id, 'created': time.time()}).encode('utf-8'))
    multipart_assembly.start(folder)
    return upload_uuid


def present_chunks(folder: Path) -> Dict[int, int]:
    """Chunk number -> size, of the chunks stored (in place in the joined file, or as files of their own)."""
    return {number: source.size for number, source in multipart_assembly.chunk_sources(folder).items()}


def expire_uploads(index: StorageIndex, now: Optional[float] = None) -> List[str]:
    """Remove the uploads whose folder was not touched for :data:`EXPIRY_SECONDS`.

    :return: the ids removed.
    """
    root = uploads_dir(index)
    limit = (time.time() if now is None else now) - EXPIRY_SECONDS
    removed: List[str] = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return removed
    for entry in entries:
        try:
            if entry.is_dir() and entry.stat().st_mtime < limit:
                with LOCKS.hold(entry.path):
                    shutil.rmtree(entry.path, ignore_errors=True)
                    multipart_assembly.forget(Path(entry.path))
                removed.append(entry.name)
        except OSError:
            continue
    return removed


def join_chunks(index: StorageIndex, folder: Path, count: int) -> Tuple[Path, int, str]:
    """Copy chunks 0..``count``-1 in order into a new temp file, in 1 MiB pieces, wherever each one is.

    :returns: ``(temp path, size, sha1 hex digest)``.
    """
    sources = multipart_assembly.chunk_sources(folder)
    target = index.new_tmp_path()
    digest = hashlib.sha1()
    size = 0
    try:
        with open_private(target) as out:
            for number in range(count):
                for piece in multipart_assembly.read_pieces(sources[number], CHUNK):
                    out.write(piece)
                    digest.update(piece)
                    size += len(piece)
    except BaseException:
        unlink(target)
        raise
    return target, size, digest.hexdigest()


@dataclass
class Completion:
    """What a ``complete`` call asked for, and where to record what happened."""

    index: StorageIndex
    state: Any
    engine_fqdn: str
    folder: Path
    namespace: str
    endpoint: str
    study_uid: Optional[str]
    tags: Optional[str]
    chunks: int


def store_in_background(completion: Completion) -> threading.Thread:
    """Start the thread that joins, stores and cleans up a completed upload."""
    thread = threading.Thread(
        target=_store, args=(completion,), name=f'emulator-multipart-{completion.folder.name}', daemon=True,
    )
    thread.start()
    return thread


def _store(completion: Completion) -> None:
    from ambra_sdk.emulator.storage.errors import StorageError
    from ambra_sdk.emulator.storage.studies import process_upload

    if STORE_DELAY:
        time.sleep(STORE_DELAY)
    folder = completion.folder
    outcome: Dict[str, Any]
    try:
        with LOCKS.hold(str(folder)):
            tmp, size, version = _joined(completion)
            stored = _file(completion, tmp, size, version)
            rec = stored.record
            process_upload(
                completion.state, completion.index, rec.namespace, rec.study_uid, completion.engine_fqdn,
                stored.dataset,
            )
            outcome = {'status': 'STORED', 'study_uid': rec.study_uid, 'image_uid': rec.image_uid,
                       'image_version': rec.version}
    except StorageError as error:
        outcome = {'status': 'FAILED', 'readable_status': error.readable_status, 'message': error.message}
    except Exception as error:  # noqa: BLE001 - a background job must not kill the emulator
        logger.warning('Multipart upload %s could not be stored: %s', folder.name, type(error).__name__)
        outcome = {'status': 'FAILED', 'readable_status': 'UNKNOWN', 'message': type(error).__name__}
    try:
        remove_chunks(folder)
        write_atomic(folder / RESULT_FILE, json.dumps(outcome).encode('utf-8'))
    except OSError:  # the state was wiped meanwhile
        pass


def remove_chunks(folder: Path) -> None:
    """Remove the chunks of a stored (or failed) upload: chunk files, markers, what is left of the joined file."""
    for entry in os.scandir(folder):
        if multipart_assembly.is_chunk_file(entry.name):
            unlink(Path(entry.path))


def _joined(completion: Completion) -> Tuple[Path, int, str]:
    """The upload's bytes in one file: joined as the chunks arrived, else by :func:`join_chunks` now."""
    folder = completion.folder
    sizes = {number: size for number, size in present_chunks(folder).items() if number < completion.chunks}
    joined = multipart_assembly.take(folder, sizes)
    if joined is not None:
        return joined
    return join_chunks(completion.index, folder, completion.chunks)


def _file(completion: Completion, tmp: Path, size: int, version: str) -> Stored:
    """File the joined bytes as ``/image`` (a DICOM file) or ``/wrap`` (anything) does."""
    if completion.endpoint == 'image':
        return file_dicom(completion.index, completion.namespace, tmp, size, version, completion.study_uid)
    from ambra_sdk.emulator.storage.attachments import guess_content_type
    from ambra_sdk.emulator.storage.derive import store_dataset
    from ambra_sdk.emulator.storage.generate import apply_tag_overrides, encapsulated_document, parse_tag_overrides

    try:
        with open(tmp, 'rb') as src:
            content = src.read()
    finally:
        unlink(tmp)
    ds = encapsulated_document(content, guess_content_type('', None), None, '')
    apply_tag_overrides(ds, parse_tag_overrides(completion.tags))
    return store_dataset(completion.index, completion.namespace, ds)
