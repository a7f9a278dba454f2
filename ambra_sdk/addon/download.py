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
* Names come from :func:`ambra_sdk.addon.file_names.safe_name` (injective,
  never a path) and every path is checked to stay under the destination; a
  schema that is not ``series[].images[]`` with an ``id`` per image raises
  :class:`~ambra_sdk.addon.exceptions.MalformedSchema` (``result.error``
  with ``raise_on_error=False``).
"""

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Dict, Iterator, List, Mapping, Optional, Tuple

from ambra_sdk.addon.dicom_io import NotDicom, read_header, require_pydicom, text
from ambra_sdk.addon.exceptions import DestinationNotWritable, ImageMismatch, MalformedSchema, UnusableUid
from ambra_sdk.addon.file_names import contained, safe_name
from ambra_sdk.addon.pool import StopSwitch, bounded_map, check_workers, with_retries
from ambra_sdk.addon.progress import FileProgress, Progress
from ambra_sdk.addon.results import DownloadResult, SkippedFile
from ambra_sdk.exceptions.storage import UnexpectedStorageResponse
from ambra_sdk.storage.paths import encode_path_segment
from ambra_sdk.storage.response import json_body

if TYPE_CHECKING:
    from ambra_sdk.api.api import Api

class ImageEntry:
    """One image of the schema and its destination."""

    __slots__ = ('series_uid', 'image_uid', 'version', 'size', 'path')

    def __init__(self, series_uid: str, image_uid: str, version: str, size: Optional[int], path: Path) -> None:
        self.series_uid = series_uid
        self.image_uid = image_uid
        self.version = version
        self.size = size
        self.path = path


def _listed(container: Mapping[str, Any], key: str, where: str, study_uid: str) -> List[Any]:
    value = container.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedSchema(study_uid, '{0}{1!r} is a {2}, not a list'.format(where, key, type(value).__name__))
    return value


def schema_image_items(schema: Any, study_uid: str = '?') -> Iterator[Tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """Yield ``(series, image)`` for every image of a storage ``schema`` (``series[].images[]``).

    :param schema: the storage ``schema`` Box.
    :param study_uid: the study (named in errors).
    :raises MalformedSchema: the answer is not that structure of objects.
    """
    if not isinstance(schema, Mapping):
        raise MalformedSchema(study_uid, 'the answer is a {0}, not an object'.format(type(schema).__name__))
    for series_number, series in enumerate(_listed(schema, 'series', '', study_uid), start=1):
        if not isinstance(series, Mapping):
            raise MalformedSchema(study_uid, 'series #{0} is a {1}, not an object'.format(
                series_number, type(series).__name__))
        where = 'series #{0}: '.format(series_number)
        for image_number, image in enumerate(_listed(series, 'images', where, study_uid), start=1):
            if not isinstance(image, Mapping):
                raise MalformedSchema(study_uid, '{0}image #{1} is a {2}, not an object'.format(
                    where, image_number, type(image).__name__))
            yield series, image


def _uid(value: Any) -> Optional[str]:
    """A UID of the schema as text: a non-empty str or an int, else None."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def image_id(image: Mapping[str, Any], study_uid: str = '?') -> str:
    """The ``id`` (SOP Instance UID) of an image of the schema.

    :param image: the image object.
    :param study_uid: the study (named in errors).
    :raises MalformedSchema: it has no id that is a non-empty str or an int.
    """
    uid = _uid(image.get('id'))
    if uid is None:
        raise MalformedSchema(study_uid, "an image has no 'id' (a non-empty string)")
    return uid


def _size(image: Mapping[str, Any], study_uid: str) -> Optional[int]:
    size = image.get('size')
    if size is None:
        return None
    if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
        return size
    if isinstance(size, str) and size.isascii() and size.isdigit():
        return int(size)
    raise MalformedSchema(study_uid, "an image's 'size' is not a byte count")


def _version(image: Mapping[str, Any], study_uid: str) -> str:
    version = image.get('version')
    if version is None or version == '':
        return '*'
    if isinstance(version, bool) or not isinstance(version, (str, int)):
        raise MalformedSchema(study_uid, "an image's 'version' is a {0}".format(type(version).__name__))
    return str(version)


def schema_images(schema: Any, study_dir: Path, study_uid: str = '?') -> List[ImageEntry]:
    """List the images of a study schema with their destination paths (each image once).

    :param schema: the storage ``schema`` Box (``series[].images[]``).
    :param study_dir: the study's folder.
    :param study_uid: the study (named in errors).
    :raises MalformedSchema: the schema is not that structure, or an image has no usable id/size/version.
    :raises UnsafePath: a path would leave ``study_dir`` (never, with :func:`safe_name`).
    """
    entries: Dict[str, ImageEntry] = {}
    for series, image in schema_image_items(schema, study_uid):
        series_uid = _uid(series.get('uid')) or _uid(series.get('series_uid')) or 'unknown-series'
        uid = image_id(image, study_uid)
        if uid in entries:  # fetched by its id alone: the same file
            continue
        path = study_dir / safe_name(series_uid) / '{0}.dcm'.format(safe_name(uid))
        entries[uid] = ImageEntry(
            series_uid=series_uid,
            image_uid=uid,
            version=_version(image, study_uid),
            size=_size(image, study_uid),
            path=contained(study_dir, path),
        )
    return list(entries.values())


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
        """Return the storage ``schema`` of the study as decoded (not boxed: a list stays a list)."""
        response = self._api.Storage.Study.schema(
            self._engine_fqdn, self._namespace_id, self._study_uid, phi_namespace=self._phi_namespace,
            use_box=False,
        )
        return json_body(response)


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
    :param raise_on_error: raise a malformed schema answer (else it goes in ``result.error``).
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
        raise_on_error: bool = True,
    ) -> None:
        super().__init__(api, engine_fqdn, namespace_id, study_uid, phi_namespace, retries, progress)
        self._max_workers = check_workers(max_workers)
        self._verify = verify
        self._stop = StopSwitch()
        self._raise_on_error = raise_on_error
        if verify:
            require_pydicom()  # fail now, not once per image

    def run(self, dest_dir: Path) -> DownloadResult:
        """Download the study into ``dest_dir/<study_uid>``.

        :param dest_dir: the destination folder.
        :return: what was written, skipped and what failed (``result.error``: the schema
            answer could not be read, with ``raise_on_error=False``).
        :raises DestinationNotWritable: the folder cannot be written.
        :raises MalformedSchema: the schema answer is not ``series[].images[]`` (``raise_on_error``).
        :raises UnsafePath: a path would leave ``dest_dir`` (never, with ``safe_name``).
        """
        study_dir = contained(dest_dir, dest_dir / safe_name(self._study_uid))
        prepare_directory(study_dir)
        try:
            entries = schema_images(self._schema(), study_dir, self._study_uid)
        except (MalformedSchema, UnexpectedStorageResponse) as unreadable:  # an answer the SDK cannot read
            if self._raise_on_error:
                raise
            result = DownloadResult(study_dir, {})
            result.error = unreadable
            return result
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
            encode_path_segment('image_uid', entry.image_uid)
        except ValueError as error:  # a UID of the server's schema, not the caller's argument
            return UnusableUid(str(error))
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
