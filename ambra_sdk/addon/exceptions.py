"""Exceptions of the addon helpers (all are :class:`~ambra_sdk.exceptions.base.AmbraException`)."""

from typing import TYPE_CHECKING, Any, Optional

from ambra_sdk.exceptions.base import AmbraException

if TYPE_CHECKING:
    from ambra_sdk.addon.results import DownloadResult, UploadResult


class AddonException(AmbraException):
    """Base class of the addon exceptions."""


class WaitTimeout(AddonException, TimeoutError):  # noqa: N818 (name from the issue)
    """A wait ran out of time before the awaited state was reached.

    A :class:`TimeoutError`, which the reference raised.

    :param message: what was awaited and what was last seen.
    :param timeout: the time limit in seconds.
    :param last: the last object fetched (a study or job Box), or ``None``
        when the object was never found.
    """

    def __init__(self, message: str, timeout: float, last: Any = None) -> None:
        super().__init__(message)
        self.timeout = timeout
        self.last = last


class JobFailed(AddonException, RuntimeError):  # noqa: N818 (name from the issue)
    """A storage job ended in an error state.

    A :class:`RuntimeError`, which the reference raised for any state but ``DONE``.

    :param job_id: the job id.
    :param state: the job's final state.
    :param job: the job Box as the service returned it.
    """

    def __init__(self, job_id: str, state: Any, job: Any = None) -> None:
        super().__init__('Job {} ended in state {!r}'.format(job_id, state))
        self.job_id = job_id
        self.state = state
        self.job = job


class NoDicomFiles(AddonException, ValueError):  # noqa: N818
    """Nothing to upload: no path given, or none of them is a readable DICOM file.

    A :class:`ValueError`, which the reference raised (``Dicoms iterator is empty``).

    :param message: what was wrong.
    :param result: the upload result holding the skipped paths and reasons.
    """

    def __init__(self, message: str, result: Optional['UploadResult'] = None) -> None:
        super().__init__(message)
        self.result = result


class UploadFailed(AddonException):  # noqa: N818
    """Some files could not be uploaded after their retries (or the run stopped); the others were.

    After a permanent error (``result.stopped_by``: TLS trust, 401/403, a
    missing namespace, an invalid argument) the message says so and names
    the first files not done; ``result.not_done`` lists them all.

    :param result: the :class:`~ambra_sdk.addon.results.UploadResult` with
        ``uploaded``, ``skipped``, ``failed`` (path -> exception) and ``not_done``.
    """

    def __init__(self, result: 'UploadResult') -> None:
        failed = result.failed
        first = next(iter(failed.items()), None)
        detail = '' if first is None else ' (first: {}: {!r})'.format(first[0], first[1])
        if result.stopped_by is None:
            message = '{} of {} files failed to upload{}'.format(len(failed), result.total, detail)
        else:
            message = 'Upload stopped: {} of {} files not done ({}), after an error no retry can fix: {}'.format(
                len(result.not_done), result.total, _names(result.not_done), _one_line(result.stopped_by),
            )
        super().__init__(message)
        self.result = result


#: Files named in a stop message (the result lists them all).
NAMED_FILES = 5


def _names(paths: Any) -> str:
    shown = ', '.join(str(path) for path in list(paths)[:NAMED_FILES])
    more = len(paths) - NAMED_FILES
    return shown + (' and {} more'.format(more) if more > 0 else '')


def _one_line(error: BaseException) -> str:
    return '{}: {}'.format(type(error).__name__, ' '.join(str(error).split())[:500])


class DownloadFailed(AddonException):  # noqa: N818
    """Some images of a study could not be downloaded (or the run stopped); the others were written.

    :param result: the :class:`~ambra_sdk.addon.results.DownloadResult`.
    """

    def __init__(self, result: 'DownloadResult') -> None:
        failed = result.failed
        first = next(iter(failed.items()), None)
        detail = '' if first is None else ' (first: {}: {!r})'.format(first[0], first[1])
        if result.stopped_by is None:
            message = '{} images failed to download{}'.format(len(failed), detail)
        else:
            message = 'Download stopped: {} of {} images not done ({}), after an error no retry can fix: {}'.format(
                len(result.not_done), len(result.expected), _names(result.not_done), _one_line(result.stopped_by),
            )
        super().__init__(message)
        self.result = result


class DestinationNotWritable(AddonException, OSError):  # noqa: N818
    """The destination folder of a download cannot be created or written."""


class ImageMismatch(AddonException, ValueError):  # noqa: N818
    """A downloaded file is not the image the study schema announced (size or SOP Instance UID)."""


class NotADirectory(AddonException, ValueError):  # noqa: N818
    """``study_dir`` is not an existing directory.

    A :class:`ValueError`, which the reference raised (``study_dir is not directory``).
    """


class MalformedSchema(AddonException, ValueError):  # noqa: N818
    """The storage ``schema`` of a study is not the expected ``series[].images[]`` structure.

    With ``raise_on_error=False`` a download reports it in ``result.error`` instead.

    :param study_uid: the study.
    :param problem: what is wrong (no server text is quoted).
    """

    def __init__(self, study_uid: str, problem: str) -> None:
        super().__init__('Study {0!r}: the storage schema is malformed: {1}'.format(str(study_uid)[:100], problem))
        self.study_uid = study_uid
        self.problem = problem


class UnusableUid(AddonException, ValueError):  # noqa: N818
    """A UID of the storage schema cannot be asked for (it is not one path segment).

    That image fails alone (an item error of the pool, not an invalid argument of the caller's).
    """


class UnsafePath(AddonException, ValueError):  # noqa: N818
    """A path built for a download would leave its target folder; nothing is written there."""
