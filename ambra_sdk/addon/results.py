"""Result objects of the multi-file upload and download helpers."""

from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from ambra_sdk.addon.params import UploadedImageParams


class SkippedFile(NamedTuple):
    """A path that was not uploaded (or not downloaded), and why."""

    path: Path
    reason: str


class UploadResult(tuple):  # noqa: SLOT001 (extra attributes on purpose)
    """``(study_uuid, images_params)``, as the reference returned, with details.

    It unpacks like the reference's tuple::

        study_uuid, images_params = api.Addon.Study.upload_dir(...)

    and also has:

    * :attr:`study_uuid`, :attr:`images_params` (the two tuple items);
    * :attr:`uploaded`: path -> :class:`~ambra_sdk.addon.params.UploadedImageParams`;
    * :attr:`skipped`: :class:`SkippedFile` list (not DICOM, duplicate SOP
      Instance UID, missing or unreadable file);
    * :attr:`failed`: path -> the exception of its last upload attempt;
    * :attr:`total`: how many paths were given;
    * :attr:`study_uid`: the Study Instance UID of the study;
    * :attr:`not_done`: every path neither uploaded nor skipped (the failed
      ones and, after a permanent error, the ones never sent), in order;
    * :attr:`stopped_by`: the permanent error that stopped the run (TLS
      trust, 401/403, a missing namespace, an invalid argument), or None.
    """

    study_uuid: Optional[str]
    images_params: List[UploadedImageParams]
    uploaded: Dict[Path, UploadedImageParams]
    skipped: List[SkippedFile]
    failed: Dict[Path, BaseException]
    total: int
    study_uid: Optional[str]
    not_done: List[Path]
    stopped_by: Optional[BaseException]

    def __new__(
        cls,
        study_uuid: Optional[str],
        uploaded: Dict[Path, UploadedImageParams],
        skipped: List[SkippedFile],
        failed: Dict[Path, BaseException],
        total: int,
        study_uid: Optional[str] = None,
        not_done: Optional[List[Path]] = None,
        stopped_by: Optional[BaseException] = None,
    ) -> 'UploadResult':
        images_params = list(uploaded.values())
        instance = super().__new__(cls, (study_uuid, images_params))
        instance.study_uuid = study_uuid
        instance.images_params = images_params
        instance.uploaded = uploaded
        instance.skipped = skipped
        instance.failed = failed
        instance.total = total
        instance.study_uid = study_uid
        instance.not_done = list(failed) if not_done is None else not_done
        instance.stopped_by = stopped_by
        return instance

    def __getnewargs__(self) -> Tuple[Any, ...]:  # type: ignore[override]
        """Arguments of ``__new__`` (for pickle and copy)."""
        return (
            self.study_uuid, self.uploaded, self.skipped, self.failed, self.total, self.study_uid,
            self.not_done, self.stopped_by,
        )

    @property
    def ok(self) -> bool:
        """True when every file was uploaded or skipped (no failure, no stop)."""
        return not self.failed and not self.not_done and self.stopped_by is None

    def __repr__(self) -> str:
        stopped = '' if self.stopped_by is None else ' stopped_by={}'.format(type(self.stopped_by).__name__)
        return '<UploadResult study_uuid={!r} uploaded={} skipped={} failed={} not_done={}{}>'.format(
            self.study_uuid, len(self.uploaded), len(self.skipped), len(self.failed), len(self.not_done), stopped,
        )


class DownloadResult:
    """What :meth:`Addon.Study.download_dir <ambra_sdk.addon.study.Study.download_dir>` did.

    :param directory: the folder of the study (``dest_dir/<study_uid>``).
    :param expected: image uid -> its path, for every image of the study schema.
    """

    def __init__(self, directory: Path, expected: Dict[str, Path]) -> None:
        self.directory = directory
        self.expected = expected
        #: image uid -> path written by this run.
        self.downloaded: Dict[str, Path] = {}
        #: images already on disk (from an earlier run), not fetched again.
        self.skipped: List[SkippedFile] = []
        #: image uid -> the exception of its last attempt.
        self.failed: Dict[str, BaseException] = {}
        #: paths of the images not on disk: failed, or not fetched after a permanent error.
        self.not_done: List[Path] = []
        #: the permanent error that stopped the run (TLS trust, 401/403, a missing namespace...), or None.
        self.stopped_by: Optional[BaseException] = None
        #: the error of the whole study (a schema answer that cannot be read:
        #: :class:`~ambra_sdk.addon.exceptions.MalformedSchema`), with ``raise_on_error=False``.
        self.error: Optional[BaseException] = None

    @property
    def ok(self) -> bool:
        """True when every image of the study is on disk."""
        return (
            self.error is None and not self.failed and self.stopped_by is None
            and len(self.downloaded) + len(self.skipped) == len(self.expected)
        )

    @property
    def paths(self) -> List[Path]:
        """Paths of every image of the study that is on disk, in schema order."""
        missing = set(self.not_done)
        failed = set(self.failed)
        return [path for uid, path in self.expected.items() if uid not in failed and path not in missing]

    def __repr__(self) -> str:
        return '<DownloadResult {} images={} downloaded={} skipped={} failed={} not_done={}{}>'.format(
            self.directory, len(self.expected), len(self.downloaded), len(self.skipped), len(self.failed),
            len(self.not_done), '' if self.error is None else ' error={0}'.format(type(self.error).__name__),
        )
