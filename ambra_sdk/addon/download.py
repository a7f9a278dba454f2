"""Downloading a study to a folder: ``<dest>/<study_uid>/<series_uid>/<image_uid>.dcm``.

* The image list comes from the storage ``schema`` of the study.
* Each image is streamed (``dicom_payload``) into a temporary file next to
  its final name and renamed with :func:`os.replace` once complete and
  checked (``Content-Length``, size from the schema, SOP Instance UID), so a
  final name always holds a whole file.
* A file already at its final name with the schema's size is not fetched
  again: a second run fetches only what is missing.
* Images download in a bounded thread pool, each retried on transient
  failures; a failed image is reported and the others are still written.
"""

import os
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Iterator, List, Optional, Tuple

from ambra_sdk.addon.dicom_io import NotDicom, read_header, require_pydicom, text
from ambra_sdk.addon.exceptions import DestinationNotWritable, ImageMismatch
from ambra_sdk.addon.pool import StopSwitch, bounded_map, check_workers, with_retries
from ambra_sdk.addon.progress import FileProgress, Progress
from ambra_sdk.addon.results import DownloadResult, SkippedFile

if TYPE_CHECKING:
    from ambra_sdk.api.api import Api

_SAFE = re.compile(r'[^0-9A-Za-z._-]')


def safe_name(uid: Any) -> str:
    """Make a UID usable as one path component (no separators, no ``..``).

    :param uid: a study, series or image UID.
    """
    cleaned = _SAFE.sub('_', str(uid)).strip('.')
    return cleaned or '_'


class ImageEntry:
    """One image of the schema and its destination."""

    __slots__ = ('series_uid', 'image_uid', 'version', 'size', 'path')

    def __init__(self, series_uid: str, image_uid: str, version: str, size: Optional[int], path: Path) -> None:
        self.series_uid = series_uid
        self.image_uid = image_uid
        self.version = version
        self.size = size
        self.path = path


def schema_image_items(schema: Any) -> Iterator[Tuple[Any, Any]]:
    """Yield ``(series, image)`` for every image of a storage ``schema`` (``series[].images[]``).

    :param schema: the storage ``schema`` Box.
    """
    for series in schema.get('series') or []:
        for image in series.get('images') or []:
            yield series, image


def schema_images(schema: Any, study_dir: Path) -> List[ImageEntry]:
    """List the images of a study schema with their destination paths.

    :param schema: the storage ``schema`` Box (``series[].images[]``).
    :param study_dir: the study's folder.
    """
    entries: List[ImageEntry] = []
    for series, image in schema_image_items(schema):
        series_uid = str(series.get('uid') or series.get('series_uid') or 'unknown-series')
        image_uid = str(image['id'])
        size = image.get('size')
        entries.append(ImageEntry(
            series_uid=series_uid,
            image_uid=image_uid,
            version=str(image.get('version') or '*'),
            size=int(size) if isinstance(size, int) or (isinstance(size, str) and size.isdigit()) else None,
            path=study_dir / safe_name(series_uid) / '{}.dcm'.format(safe_name(image_uid)),
        ))
    return entries


def prepare_directory(path: Path) -> None:
    """Create ``path`` (and parents) and check that files can be written in it.

    :param path: the folder.
    :raises DestinationNotWritable: it cannot be created or written.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / '.ambra-write-test-{}'.format(secrets.token_hex(4))
        probe.open('xb').close()
        probe.unlink()
    except OSError as error:
        raise DestinationNotWritable(
            'Cannot write into the destination folder {}: {}'.format(path, error.strerror or error),
        ) from None


def replace_when_checked(path: Path, write: Callable[[BinaryIO], None], check: Callable[[Path], None]) -> None:
    """Write a file next to ``path``, check it, and only then rename it to ``path``.

    The temporary file (``.<name>.<random>.part`` in the same folder) is
    removed on any error, so ``path`` is either untouched or whole and checked.

    :param path: the final name.
    :param write: fills the open temporary file.
    :param check: raises when the closed temporary file (its path is given) is not right.
    """
    temp_path = path.with_name('.{}.{}.part'.format(path.name, secrets.token_hex(6)))
    try:
        with temp_path.open('xb') as out:
            write(out)
        check(temp_path)
        os.replace(temp_path, path)
    finally:
        if temp_path.exists():
            temp_path.unlink()


def is_complete(entry: ImageEntry) -> bool:
    """Tell whether an earlier run already wrote this image.

    :param entry: the image.
    """
    try:
        size = entry.path.stat().st_size
    except OSError:
        return False
    return entry.size is None or size == entry.size


class StudyTransfer:
    """What every download of one study needs: where it is and how to retry and report.

    :param api: the Api.
    :param engine_fqdn: storage engine host.
    :param namespace_id: storage namespace.
    :param study_uid: study UID.
    :param phi_namespace: PHI namespace passed to the storage.
    :param retries: extra attempts after a transient failure.
    :param progress: ``None``, ``True`` or a callback.
    """

    def __init__(  # noqa: WPS211
        self,
        api: 'Api',
        engine_fqdn: str,
        namespace_id: str,
        study_uid: str,
        phi_namespace: Optional[str],
        retries: int,
        progress: Progress,
    ) -> None:
        self._api: Any = api  # namespaces are set on Api at run time
        self._engine_fqdn = engine_fqdn
        self._namespace_id = namespace_id
        self._study_uid = study_uid
        self._phi_namespace = phi_namespace
        self._retries = retries
        self._progress = progress

    def _schema(self) -> Any:
        """Return the storage ``schema`` of the study."""
        return self._api.Storage.Study.schema(
            self._engine_fqdn, self._namespace_id, self._study_uid, phi_namespace=self._phi_namespace,
        )


class StudyDownloader(StudyTransfer):
    """Download every image of one study.

    :param api: the Api.
    :param engine_fqdn: storage engine host.
    :param namespace_id: storage namespace.
    :param study_uid: study UID.
    :param phi_namespace: PHI namespace passed to the storage.
    :param max_workers: parallel downloads.
    :param retries: extra attempts per image after a transient failure.
    :param progress: ``None``, ``True`` or ``callback(done, total)``.
    :param verify: check the SOP Instance UID of every downloaded file.
    """

    def __init__(  # noqa: WPS211
        self,
        api: 'Api',
        engine_fqdn: str,
        namespace_id: str,
        study_uid: str,
        phi_namespace: Optional[str],
        max_workers: int,
        retries: int,
        progress: Progress,
        verify: bool,
    ) -> None:
        super().__init__(api, engine_fqdn, namespace_id, study_uid, phi_namespace, retries, progress)
        self._max_workers = check_workers(max_workers)
        self._verify = verify
        self._stop = StopSwitch()
        if verify:
            require_pydicom()  # fail now, not once per image

    def run(self, dest_dir: Path) -> DownloadResult:
        """Download the study into ``dest_dir/<study_uid>``.

        :param dest_dir: the destination folder.
        :return: what was written, skipped and what failed.
        :raises DestinationNotWritable: the folder cannot be written.
        """
        study_dir = dest_dir / safe_name(self._study_uid)
        prepare_directory(study_dir)
        entries = schema_images(self._schema(), study_dir)
        result = DownloadResult(study_dir, {entry.image_uid: entry.path for entry in entries})
        with FileProgress(self._progress, len(entries), 'Downloading') as progress:
            todo = []
            for entry in entries:
                if is_complete(entry):
                    result.skipped.append(SkippedFile(entry.path, 'already downloaded'))
                    progress.advance()
                else:
                    todo.append(entry)
            not_started = set()
            for entry, future in bounded_map(self._fetch, todo, self._max_workers):
                error = future.result()
                if error is None:
                    result.downloaded[entry.image_uid] = entry.path
                elif error is _NOT_STARTED:
                    not_started.add(entry.image_uid)
                else:
                    result.failed[entry.image_uid] = error
                progress.advance()
        result.not_done = [
            path for uid, path in result.expected.items() if uid in not_started or uid in result.failed
        ]
        result.stopped_by = self._stop.stopped_by
        return result

    def _fetch(self, entry: ImageEntry) -> Optional[BaseException]:
        """Download one image; return the error instead of raising it (nothing after a permanent error)."""
        if self._stop.stopped:
            return _NOT_STARTED
        try:
            entry.path.parent.mkdir(parents=True, exist_ok=True)
            with_retries(lambda: self._attempt(entry), self._retries, entry.image_uid)
        except Exception as error:  # noqa: BLE001 (reported in the result)
            self._stop.record(error)
            return error
        return None

    def _attempt(self, entry: ImageEntry) -> None:
        def write(out: BinaryIO) -> None:
            self._api.Storage.Image.dicom_payload(
                self._engine_fqdn,
                namespace=self._namespace_id,
                study_uid=self._study_uid,
                image_uid=entry.image_uid,
                image_version=entry.version,
                phi_namespace=self._phi_namespace,
                to_file=out,
            )

        replace_when_checked(entry.path, write, lambda temp_path: self._check(entry, temp_path))

    def _check(self, entry: ImageEntry, temp_path: Path) -> None:
        size = temp_path.stat().st_size
        if entry.size is not None and size != entry.size:
            raise ImageMismatch('{}: {} bytes received, the schema says {}'.format(entry.image_uid, size, entry.size))
        if not self._verify:
            return
        try:
            header = read_header(temp_path)
        except NotDicom as error:
            raise ImageMismatch('{}: the storage sent {}'.format(entry.image_uid, error)) from None
        found = text(header, 'SOPInstanceUID')
        if found != entry.image_uid:
            raise ImageMismatch('{}: the file has SOP Instance UID {}'.format(entry.image_uid, found))


class _NotStarted(Exception):  # noqa: N818
    """Marks an image not fetched because the run stopped."""


_NOT_STARTED = _NotStarted()
