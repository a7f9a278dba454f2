"""``ambra study upload``: what a folder holds, what went, and what the server stored, per study.

A folder may hold several studies (a CD export, a PACS dump): the storage
files each image into the study of its Study Instance UID. The command
uploads them all and reports **each study it reached** (uuid, study UID,
images sent, images the server shows), never one study for the whole folder.
Storage processing may be asynchronous (the service API sees an image some
time after the storage answered), so after the upload each study is polled
(``/study/get``, back-off up to 2 s) until it shows every image sent, or
the ``--timeout`` deadline passes (then exit 1 and the counts seen).
``--dry-run`` reads the headers only and prints the studies and files it
would send, without contacting the server.
"""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

__all__ = ['StudyReport', 'folder_studies', 'verify_studies']

#: The reason :class:`~ambra_sdk.addon.upload.StudyUploader` gives for an image the study holds already.
ALREADY_THERE = 'already in the study'
#: Longest pause between two ``/study/get`` of the check after an upload.
POLL_MAX_INTERVAL = 2.0


@dataclass
class StudyReport:
    """One study of an upload: its identifiers, the images sent, and what the server shows."""

    study_uid: str
    sent: int = 0
    study_uuid: Optional[str] = None
    stored: Optional[int] = None
    ready: Optional[bool] = None
    files: List[str] = field(default_factory=list)
    #: images skipped because the study held them already (they count in what the server must show).
    already_there: int = 0

    def row(self) -> Dict[str, Any]:
        """The row printed for this study."""
        return {'study_uuid': self.study_uuid, 'study_uid': self.study_uid, 'images_sent': self.sent,
                'images_stored': self.stored, 'ready': self.ready}


def folder_studies(paths: List[Path]) -> Tuple[Dict[str, StudyReport], List[Tuple[Path, str]]]:
    """Read the headers of ``paths``: the studies they hold (in the order found) and the files skipped.

    :param paths: the files matching the pattern.
    :return: ``(study UID -> report with its files, [(path, reason)])``.
    """
    from ambra_sdk.addon.dicom_io import text
    from ambra_sdk.addon.results import SkippedFile
    from ambra_sdk.addon.upload import probe

    studies: Dict[str, StudyReport] = {}
    skipped: List[Tuple[Path, str]] = []
    seen: Dict[str, Path] = {}
    for path in paths:
        header = probe(path)
        if isinstance(header, SkippedFile):
            skipped.append((path, header.reason))
            continue
        sop = text(header, 'SOPInstanceUID')
        if sop in seen:
            skipped.append((path, 'duplicate: same SOP Instance UID as {0}'.format(seen[sop])))
            continue
        seen[sop] = path
        uid = text(header, 'StudyInstanceUID')
        report = studies.setdefault(uid, StudyReport(uid))
        report.sent += 1
        report.files.append(str(path))
    return studies, skipped


def uploaded_studies(result: Any) -> Dict[str, StudyReport]:
    """The studies an :class:`~ambra_sdk.addon.results.UploadResult` reached, with the images sent to each."""
    counts: Counter = Counter(str(params.study_uid) for params in result.uploaded.values())
    studies: Dict[str, StudyReport] = {}
    first = result.study_uid
    if first:  # the study of the first file, created (or found) before any file went
        already = sum(1 for item in result.skipped if item.reason == ALREADY_THERE)
        studies[first] = StudyReport(first, counts.pop(first, 0), study_uuid=result.study_uuid,
                                     already_there=already)
    for uid, sent in counts.items():
        studies[uid] = StudyReport(uid, sent)
    return studies


def verify_studies(api: Any, namespace_id: str, studies: Dict[str, StudyReport], timeout: float,
                   wait_ready: bool) -> List[StudyReport]:
    """Poll each study until the server shows the images sent (and, with ``wait_ready``, it is ready).

    :param api: the Api.
    :param namespace_id: the storage namespace of the upload.
    :param studies: the studies of the upload (their ``study_uuid``, ``stored`` and ``ready`` are filled).
    :param timeout: seconds for all the studies together.
    :param wait_ready: also wait until each study is no longer a phantom.
    :return: the studies that did not reach that state in time.
    """
    import time

    from ambra_sdk.addon.job import is_not_found
    from ambra_sdk.addon.polling import poll
    from ambra_sdk.exceptions.service_base import PreconditionFailed

    deadline = time.monotonic() + timeout
    late: List[StudyReport] = []
    for report in studies.values():
        expected = report.sent + report.already_there

        def probe(report: StudyReport = report, expected: int = expected) -> Tuple[bool, Any]:
            try:
                study = api.Study.get(study_uid=report.study_uid, storage_namespace=namespace_id).get()
            except PreconditionFailed as error:
                if is_not_found(error):
                    return False, None
                raise
            report.study_uuid = str(study.get('uuid') or '') or report.study_uuid
            report.stored = int(study.get('image_count') or 0)
            report.ready = not int(study.get('phantom') or 0)
            return report.stored >= expected and (report.ready or not wait_ready), study

        done, _ = poll(probe, max(deadline - time.monotonic(), 0.0), max_interval=POLL_MAX_INTERVAL)
        if not done:
            late.append(report)
    return late
