"""What storage holds: image versions and attachments, on top of the shared state.

Images live in the ``images`` table of :class:`ambra_sdk.emulator.state.State`
(extra facts such as the SOP class go in its ``data`` JSON); attachments are
``objects`` of kind ``storage_attachment``; files live under
``State.files_dir/storage``. Because the service's ``/study/delete`` removes the
``images`` rows, a study deleted through the service is gone from storage too.
Storage deletes (:meth:`StorageIndex.delete_study`, :meth:`StorageIndex.delete_images`)
never touch the service row, as on the real server: the study stays in the
service API and storage still knows it (``storage_studies`` of the state,
:meth:`StorageIndex.study_known`), so a later storage DELETE answers 202.

Cost: an upload, an image GET and a study-exists check touch only the rows of
one image (or probe with ``LIMIT 1``), never every image of the study. The
per-study aggregates the service row needs (image count, size, series,
modalities) are cached in the state's ``image_stats`` table
(:meth:`StorageIndex.study_stats`): an upload of a new image updates them
without reading the other images; any other change to the study's images
drops them (the state does it) and the next read recomputes them once.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Tuple

from ambra_sdk.emulator.private_files import make_private_dir

if TYPE_CHECKING:  # pragma: no cover
    from ambra_sdk.emulator.state import State

#: ``objects`` kind used for attachment rows.
ATTACHMENT_KIND = 'storage_attachment'
_IMAGE_COLUMNS = ('namespace', 'study_uid', 'series_uid', 'image_uid', 'version', 'path', 'size')

@dataclass
class ImageRecord:
    """One stored version of one DICOM instance.

    :ivar path: absolute path of the stored DICOM file.
    :ivar version: the image version (a content hash).
    :ivar mime: MIME type of an encapsulated document (``application/pdf``,
        ``video/mp4``) or ``''`` for an ordinary image.
    """

    namespace: str
    study_uid: str
    series_uid: str
    image_uid: str
    version: str
    path: str
    size: int
    sop_class_uid: str = ''
    transfer_syntax: str = ''
    frames: int = 0
    instance_number: Optional[int] = None
    series_number: Optional[int] = None
    modality: str = ''
    series_description: str = ''
    mime: str = ''
    seq: int = 0


@dataclass
class AttachmentRecord:
    """One stored version of a study attachment (report, PDF, ...)."""

    namespace: str
    study_uid: str
    id: str
    version: str
    name: str
    content_type: str
    path: str
    size: int
    created: float = 0.0
    seq: int = 0


#: Field names of :class:`ImageRecord`, in order.
_IMAGE_FIELDS = tuple(f.name for f in fields(ImageRecord))
_IMAGE_FIELD_SET = frozenset(_IMAGE_FIELDS)


def _image_from_row(row: Dict[str, Any]) -> ImageRecord:
    return ImageRecord(**{k: v for k, v in row.items() if k in _IMAGE_FIELD_SET})


def _record_fields(record: ImageRecord) -> Dict[str, Any]:
    """``dataclasses.asdict(record)`` for a record of plain values, without its deep copy."""
    return {name: getattr(record, name) for name in _IMAGE_FIELDS}


def _latest(rows: List[ImageRecord]) -> List[ImageRecord]:
    """The newest version of each image of ``rows`` (upload order), ordered by first upload."""
    order = {uid: i for i, uid in enumerate(dict.fromkeys(r.image_uid for r in rows))}
    latest: Dict[str, ImageRecord] = {}
    for row in rows:
        latest[row.image_uid] = row
    return sorted(latest.values(), key=lambda r: order[r.image_uid])


def _stats_of(rows: List[ImageRecord]) -> Dict[str, Any]:
    """Aggregates (see :meth:`StorageIndex.study_stats`) of all versions ``rows`` in upload order."""
    latest = _latest(rows)
    return {
        'image_count': len(latest),
        'size': sum(int(r.size) for r in latest),
        'series': list(dict.fromkeys(r.series_uid for r in latest)),
        'modalities': list(dict.fromkeys(r.modality for r in latest if r.modality)),
        'max_seq': max((int(r.seq) for r in rows), default=0),
    }


def _stats_with(stats: Dict[str, Any], rec: ImageRecord) -> Dict[str, Any]:
    """``stats`` plus one new image ``rec`` uploaded after every other one."""
    series = list(stats['series'])
    if rec.series_uid not in series:
        series.append(rec.series_uid)
    modalities = list(stats['modalities'])
    if rec.modality and rec.modality not in modalities:
        modalities.append(rec.modality)
    return {
        'image_count': int(stats['image_count']) + 1,
        'size': int(stats['size']) + int(rec.size),
        'series': series,
        'modalities': modalities,
        'max_seq': max(int(stats['max_seq']), int(rec.seq)),
    }


def _attachment_from_obj(obj: Dict[str, Any]) -> AttachmentRecord:
    names = {f.name for f in fields(AttachmentRecord)}
    return AttachmentRecord(**{k: v for k, v in obj.items() if k in names})


class StorageIndex:
    """Storage's view of the shared emulator state.

    :param state: the emulator :class:`~ambra_sdk.emulator.state.State`.
    """

    def __init__(self, state: State) -> None:
        self.state = state
        self._lock = threading.RLock()
        self._seq = 0
        #: ``{name: (State.wipes when made, path)}`` of the folders made under ``files_dir``.
        self._folders: Dict[str, Tuple[int, Path]] = {}

    # -- files ---------------------------------------------------------------
    def _folder(self, name: str) -> Path:
        """``files_dir/name``, made once, and again after each state wipe (which removes it).

        Not checked on every call: two ``mkdir`` system calls (and a caught
        ``FileExistsError``) per upload otherwise.
        """
        wipes = getattr(self.state, 'wipes', None)
        made = self._folders.get(name)
        if made is not None and wipes is not None and made[0] == wipes:
            return made[1]
        path = make_private_dir(Path(self.state.files_dir) / name)
        if wipes is not None:
            self._folders[name] = (wipes, path)
        return path

    @property
    def blob_dir(self) -> Path:
        """Folder of the stored files (re-created after a state wipe)."""
        return self._folder('storage')

    @property
    def tmp_dir(self) -> Path:
        """Folder for uploads in flight."""
        return self._folder('storage-tmp')

    def new_blob_path(self, suffix: str = '') -> Path:
        """Return a fresh path inside the blob folder (not created)."""
        return self.blob_dir / (uuid.uuid4().hex + suffix)

    def new_tmp_path(self) -> Path:
        """Return a fresh path inside the temporary folder (not created)."""
        return self.tmp_dir / uuid.uuid4().hex

    def _next_seq(self) -> int:
        with self._lock:
            self._seq = max(self._seq + 1, int(time.time() * 1000))
            return self._seq

    def _unlink(self, paths: Iterable[str]) -> None:
        """Remove stored files that no image row references any more.

        ``/study/duplicate`` gives the copy's image rows the original's files
        (a reference, not a copy), so a file goes only with its last row.
        """
        for path in dict.fromkeys(paths):
            if self.state.file_in_use(path):
                continue
            try:
                os.unlink(path)
            except OSError:
                pass

    def referenced_paths(self) -> set[str]:
        """Paths of every stored file a row references (image versions and attachments)."""
        paths = set(self.state.all_image_paths())
        for obj in self.state.list_objects(ATTACHMENT_KIND):
            if obj.get('path'):
                paths.add(str(obj['path']))
        return paths

    # -- images --------------------------------------------------------------
    def add_image(self, record: ImageRecord) -> ImageRecord:
        """Store ``record``; the same (uid, version) replaces the old row.

        A new image (no earlier version) also updates the study's cached
        aggregates in place, so an upload costs the same in a big study.
        """
        ns, study_uid = record.namespace, record.study_uid
        with self.state.transaction():
            versions = self.state.image_version_paths(ns, study_uid, record.image_uid)
            old_path = versions.get(record.version)
            stats = None
            if not versions:
                stats = self.state.get_image_stats(ns, study_uid)
            record.seq = self._next_seq()
            data = _record_fields(record)
            base = {k: data.pop(k) for k in _IMAGE_COLUMNS}
            in_place = stats is not None and record.seq > int(stats.get('max_seq', 0))
            self.state.add_image(**base, **data, replaces_stats=in_place)  # else drops the cached aggregates
            if in_place and stats is not None:
                self.state.set_image_stats(ns, study_uid, _stats_with(stats, record))
        if old_path is not None and old_path != record.path:
            self._unlink([old_path])
        return record

    def _rows(
        self, namespace: str, study_uid: str, image_uid: Optional[str] = None,
    ) -> List[ImageRecord]:
        """Every stored version (of the study or of one image) in upload order."""
        rows = [
            _image_from_row(r) for r in self.state.list_images(namespace, study_uid, image_uid=image_uid)
        ]
        rows.sort(key=lambda r: r.seq)
        return rows

    def images(
        self, namespace: str, study_uid: str, latest_only: bool = True,
    ) -> List[ImageRecord]:
        """Images of a study in upload order (only the newest version of each by default)."""
        rows = self._rows(namespace, study_uid)
        return _latest(rows) if latest_only else rows

    def image(
        self, namespace: str, study_uid: str, image_uid: str, version: Optional[str] = None,
    ) -> Optional[ImageRecord]:
        """One image version, or the newest version when ``version`` is None."""
        if version is not None:
            row = self.state.get_image(namespace, study_uid, image_uid, version)
            return None if row is None else _image_from_row(row)
        rows = self._rows(namespace, study_uid, image_uid)
        return rows[-1] if rows else None

    def study_stats(self, namespace: str, study_uid: str) -> Dict[str, Any]:
        """Aggregates of the study's newest image versions (cached; see the module docstring).

        :returns: ``{"image_count", "size", "series": [uid, ...],
            "modalities": [first-seen order], "max_seq"}``.
        """
        with self.state.transaction():
            stats = self.state.get_image_stats(namespace, study_uid)
            if stats is None:
                stats = _stats_of(self._rows(namespace, study_uid))
                self.state.set_image_stats(namespace, study_uid, stats)
        return stats

    def delete_images(self, namespace: str, study_uid: str, image_uids: Iterable[str]) -> int:
        """Delete every version of the given images; return how many images went."""
        removed = 0
        for uid in dict.fromkeys(image_uids):
            rows = self._rows(namespace, study_uid, uid)
            self.state.delete_image(namespace, study_uid, uid)
            self._unlink(r.path for r in rows)
            removed += bool(rows)
        return removed

    # -- attachments ---------------------------------------------------------
    def add_attachment(self, record: AttachmentRecord) -> AttachmentRecord:
        """Store an attachment version."""
        record.created = record.created or time.time()
        record.seq = self._next_seq()
        with self.state.transaction():
            self.state.add_object(ATTACHMENT_KIND, asdict(record))
            self.state.mark_storage_study(record.namespace, record.study_uid)
        return record

    def _attachment_objects(self, namespace: str, study_uid: str) -> List[Dict[str, Any]]:
        objs = self.state.list_objects(ATTACHMENT_KIND, namespace=namespace, study_uid=study_uid)
        return sorted(objs, key=lambda o: int(o.get('seq', 0)))

    def attachment_count(self, namespace: str, study_uid: str) -> int:
        """Number of attachment versions of a study."""
        return len(self._attachment_objects(namespace, study_uid))

    def attachments(self, namespace: str, study_uid: str) -> List[AttachmentRecord]:
        """Attachments of a study in upload order."""
        return [_attachment_from_obj(o) for o in self._attachment_objects(namespace, study_uid)]

    def attachment(
        self, namespace: str, study_uid: str, attachment_id: str, version: str,
    ) -> Optional[AttachmentRecord]:
        """One attachment version or None."""
        for rec in reversed(self.attachments(namespace, study_uid)):
            if rec.id == attachment_id and rec.version == version:
                return rec
        return None

    def delete_attachment(
        self, namespace: str, study_uid: str, attachment_id: str, version: str,
    ) -> bool:
        """Delete one attachment version; return whether it existed."""
        found = False
        for obj in self._attachment_objects(namespace, study_uid):
            if obj.get('id') == attachment_id and obj.get('version') == version:
                self.state.delete_object(ATTACHMENT_KIND, obj['uuid'])
                self._unlink([obj['path']])
                found = True
        return found

    # -- studies -------------------------------------------------------------
    def study_exists(self, namespace: str, study_uid: str) -> bool:
        """True if the study has images or attachments in storage."""
        if self.state.has_images(namespace, study_uid):
            return True
        return bool(self._attachment_objects(namespace, study_uid))

    def study_known(self, namespace: str, study_uid: str) -> bool:
        """True if the study has content, or had some and was emptied by storage deletes only.

        What storage DELETE routes need (a study never stored answers 404).
        """
        return self.study_exists(namespace, study_uid) or self.state.storage_study_known(namespace, study_uid)

    def delete_study(
        self, namespace: str, study_uid: str, keep_attachments: bool = False,
    ) -> None:
        """Remove the study's images (and attachments unless ``keep_attachments``).

        The service study row stays (the caller refreshes its counts); only
        the service's ``/study/delete`` removes it (see :func:`purge_study`).
        """
        paths = [r.path for r in self.images(namespace, study_uid, latest_only=False)]
        for uid in dict.fromkeys(r['image_uid'] for r in self.state.list_images(namespace, study_uid)):
            self.state.delete_image(namespace, study_uid, uid)
        if not keep_attachments:
            for obj in self._attachment_objects(namespace, study_uid):
                self.state.delete_object(ATTACHMENT_KIND, obj['uuid'])
                paths.append(obj['path'])
        self._unlink(paths)


def purge_study(state: State, namespace: str, study_uid: str) -> None:
    """Remove a study's storage files, rows and attachments.

    For the service side: call it from ``/study/delete`` so the files go too
    (``State.delete_study``, called next, removes the service row, the image
    rows and storage's record of the study).
    """
    StorageIndex(state).delete_study(namespace, study_uid)
