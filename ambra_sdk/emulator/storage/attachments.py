"""Study attachments: store an uploaded multipart part, find the latest one.

An attachment's ``version`` is the SHA-1 of its bytes; its ``id`` is random,
or derived from the content when ``static_ids=1`` (so a re-upload of the same
file keeps its ids, as the vendor doc describes).
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import uuid
from typing import IO, List, Optional
from urllib.parse import quote

from ambra_sdk.emulator.private_files import open_private
from ambra_sdk.emulator.storage.errors import StorageError
from ambra_sdk.emulator.storage.index import AttachmentRecord, StorageIndex

CHUNK = 1 << 20
_ID_NAMESPACE = uuid.UUID('6f1f0c1e-5b8e-4a36-9b61-3c0f2a7d9e55')


def guess_content_type(name: str, declared: Optional[str]) -> str:
    """Content type of an upload: the declared one unless generic, else from the name."""
    if declared and declared not in ('application/octet-stream', ''):
        return declared
    guessed, _ = mimetypes.guess_type(name)
    return guessed or declared or 'application/octet-stream'


def store_attachment(
    index: StorageIndex,
    namespace: str,
    study_uid: str,
    stream: IO[bytes],
    filename: Optional[str],
    content_type: Optional[str],
    static_ids: bool = False,
) -> AttachmentRecord:
    """Copy an uploaded part to a temporary file (in chunks), then index it and rename it into the blob store.

    As for images (:func:`~ambra_sdk.emulator.storage.upload.file_dicom`), the
    rename happens inside the transaction adding the row, so a stop leaves no
    row without its file, only leftovers the next start removes.
    """
    tmp = index.new_tmp_path()
    target = index.new_blob_path()
    digest = hashlib.sha1()
    size = 0
    try:
        with open_private(tmp) as out:
            for chunk in iter(lambda: stream.read(CHUNK), b''):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if not isinstance(exc, OSError):
            raise
        raise StorageError('ERROR_DURING_UPLOAD_PROCESS', f'Attachment upload failed: {exc}') from None
    version = digest.hexdigest()
    name = os.path.basename(filename or '') or 'data'
    if static_ids:
        attachment_id = str(uuid.uuid5(_ID_NAMESPACE, f'{namespace}/{study_uid}/{version}'))
        for old in index.attachments(namespace, study_uid):
            if old.id == attachment_id and old.version == version:
                index.delete_attachment(namespace, study_uid, old.id, old.version)
    else:
        attachment_id = str(uuid.uuid4())
    record = AttachmentRecord(
        namespace=namespace,
        study_uid=study_uid,
        id=attachment_id,
        version=version,
        name=name,
        content_type=guess_content_type(name, content_type),
        path=str(target),
        size=size,
    )
    try:
        with index.state.transaction():
            index.add_attachment(record)
            os.replace(tmp, target)
    except BaseException:
        for leftover in (tmp, target):
            try:
                os.unlink(leftover)
            except OSError:
                pass
        raise
    return record


def attachment_disposition(name: str) -> str:
    """``Content-Disposition: attachment`` for a stored file name (ASCII fallback + RFC 5987 UTF-8 name)."""
    fallback = ''.join(c if ' ' <= c <= '~' and c not in '"\\' else '_' for c in name) or 'data'
    return "attachment; filename=\"{0}\"; filename*=UTF-8''{1}".format(fallback, quote(name, safe=''))


def latest_attachment(records: List[AttachmentRecord], selector: str) -> Optional[AttachmentRecord]:
    """Pick the newest attachment for ``latest`` or ``latest.<ext>`` (matching extension)."""
    _, _, ext = selector.partition('.')
    candidates = records
    if ext:
        wanted = '.' + ext.lower()
        candidates = [
            r for r in records
            if r.name.lower().endswith(wanted)
            or (mimetypes.guess_extension(r.content_type) or '').lower() == wanted
        ]
    return candidates[-1] if candidates else None


def is_wrappable(content_type: str) -> bool:
    """True for attachments that ``wrap_images`` turns into DICOM (JPEG, BMP, PDF, PNG)."""
    return content_type in ('image/jpeg', 'image/bmp', 'image/x-ms-bmp', 'application/pdf', 'image/png')
