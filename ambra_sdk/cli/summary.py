"""Summaries of uploads and downloads (and their ``--dry-run`` plans): what went, what was skipped, what failed.

Data goes to stdout (one row per study, or the folder), the summary to
stderr (silenced by ``--quiet``; failures are always listed), everything
through :mod:`ambra_sdk.cli.output` (file names and server texts escaped).
"""

from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Mapping, Sequence, Tuple

from ambra_sdk.cli.errors import describe, first_line
from ambra_sdk.cli.output import dump_json, message, out_line, problem, write_rows

__all__ = [
    'error_text', 'not_fetched_paths', 'not_sent_paths', 'print_download_plan', 'print_download_summary',
    'print_upload_plan', 'print_upload_summary',
]

#: Skipped paths listed per reason (all of them are in the --json output).
SHOWN_PATHS = 10
#: The columns of the per-study rows of an upload.
STUDY_COLUMNS = ('study_uuid', 'study_uid', 'images_sent', 'images_stored')


def error_text(error: BaseException) -> str:
    """One redacted line describing a per-file error."""
    return first_line(describe(error)[1] if not isinstance(error, OSError) else '{0}: {1}'.format(
        type(error).__name__, error))


def _print_skipped(skipped: Sequence[Mapping[str, str]]) -> None:
    reasons = Counter(item['reason'] for item in skipped)
    shown: Counter = Counter()
    for reason, count in sorted(reasons.items()):
        message('  skipped {0}: {1}'.format(count, reason))
    for item in skipped:
        if shown[item['reason']] < SHOWN_PATHS:
            shown[item['reason']] += 1
            message('    {0}: {1}'.format(item['path'], item['reason']))


def not_sent_paths(result: Any) -> List[str]:
    """The files of an upload that were never sent (the run stopped first), neither failed nor skipped."""
    failed = {str(path) for path in result.failed}
    return [str(path) for path in getattr(result, 'not_done', ()) if str(path) not in failed]


def not_fetched_paths(result: Any) -> List[str]:
    """The images of a download that were never fetched (the run stopped first), not the failed ones."""
    failed = {str(result.expected.get(uid)) for uid in result.failed}
    return [str(path) for path in getattr(result, 'not_done', ()) if str(path) not in failed]


def _print_not_done(label: str, paths: Sequence[str], stop_text: Any) -> None:
    """List what a stopped run never did (always shown, like failures).

    :param label: e.g. ``'not sent {0} file(s): the upload'`` (``{0}``: how many).
    """
    if not paths:
        return
    problem('  {0} stopped at an error no retry can fix{1}'.format(
        label.format(len(paths)), '' if stop_text is None else ' ({0})'.format(stop_text)))
    for path in paths[:SHOWN_PATHS]:
        problem('    {0}'.format(path))
    if len(paths) > SHOWN_PATHS:
        problem('    ... and {0} more (all in --json)'.format(len(paths) - SHOWN_PATHS))


def _stop_text(result: Any) -> Any:
    stopped_by = getattr(result, 'stopped_by', None)
    return None if stopped_by is None else error_text(stopped_by)


def print_upload_summary(folder: Path, result: Any, studies: List[Any], late: List[Any], timeout: float,
                         as_json: bool) -> None:
    """Print the result of an upload: a row per study reached, then the counts and the problems.

    :param folder: the uploaded folder.
    :param result: an :class:`~ambra_sdk.addon.results.UploadResult`.
    :param studies: :class:`~ambra_sdk.cli.upload.StudyReport` per study reached.
    :param late: the studies that did not show every image sent within ``timeout``.
    :param timeout: the seconds waited.
    :param as_json: print one JSON object on stdout instead of the rows.
    """
    failed = {str(path): error_text(error) for path, error in result.failed.items()}
    skipped = [{'path': str(item.path), 'reason': item.reason} for item in result.skipped]
    not_sent = not_sent_paths(result)
    stop_text = _stop_text(result)
    stored = sum(report.stored or 0 for report in studies)
    if as_json:
        first = studies[0] if studies else None
        dump_json({
            'study_uuid': first.study_uuid if first else result.study_uuid,
            'study_uid': first.study_uid if first else result.study_uid,
            'studies': [report.row() for report in studies],
            'total': result.total, 'uploaded': len(result.uploaded), 'images_stored': stored,
            'skipped': skipped, 'failed': failed, 'not_sent': not_sent, 'stopped_by': stop_text,
            'complete': not late and not failed and not not_sent,
        })
    else:
        write_rows((report.row() for report in studies), 'table', STUDY_COLUMNS)
    ready = studies and all(report.ready for report in studies)
    message('{0} file(s): {1} uploaded, {2} skipped, {3} failed, into {4} stud{5}; the server shows {6} '
            'image(s) in {7}{8}.'.format(
                result.total, len(result.uploaded), len(skipped), len(failed), len(studies),
                'y' if len(studies) == 1 else 'ies', stored, 'it' if len(studies) == 1 else 'them',
                '; ready' if ready else ''))
    if len(studies) > 1:
        message('{0} held {1} studies: each is a row above.'.format(folder, len(studies)))
    _print_skipped(skipped)
    for path, text in failed.items():
        problem('  failed {0}: {1}'.format(path, text))
    _print_not_done('not sent {0} file(s): the upload', not_sent, stop_text)
    for report in late:
        problem('  study {0}: the server shows {1} of {2} image(s){3} after {4:g} s'.format(
            report.study_uid, report.stored if report.stored is not None else 'none',
            report.sent + report.already_there,
            '' if report.ready in (None, True) else ' (not ready)', timeout))


def print_upload_plan(folder: Path, studies: Mapping[str, Any], skipped: List[Tuple[Path, str]],
                      as_json: bool) -> None:
    """Print what ``study upload --dry-run`` found: a row per study, then the files it would skip."""
    items = [{'path': str(path), 'reason': reason} for path, reason in skipped]
    rows = [{'study_uid': uid, 'files': report.sent} for uid, report in studies.items()]
    if as_json:
        dump_json({'dry_run': True, 'studies': [dict(row, paths=studies[row['study_uid']].files) for row in rows],
                   'skipped': items})
    else:
        write_rows(rows, 'table', ['study_uid', 'files'])
    files = sum(row['files'] for row in rows)
    message('dry run: {0} would send {1} file(s) into {2} stud{3}, skip {4}; nothing was sent.'.format(
        folder, files, len(rows), 'y' if len(rows) == 1 else 'ies', len(items)))
    _print_skipped(items)


def print_download_summary(result: Any, as_json: bool) -> None:
    """Print the result of ``Addon.Study.download_dir``.

    :param result: a :class:`~ambra_sdk.addon.results.DownloadResult`.
    :param as_json: print one JSON object on stdout instead of the folder.
    """
    failed = {uid: error_text(error) for uid, error in result.failed.items()}
    study_error = getattr(result, 'error', None)  # the whole study failed (e.g. a malformed schema)
    study_text = None if study_error is None else error_text(study_error)
    not_fetched = not_fetched_paths(result)
    stop_text = _stop_text(result)
    if as_json:
        dump_json({
            'directory': str(result.directory), 'images': len(result.expected),
            'downloaded': len(result.downloaded), 'already_there': len(result.skipped), 'failed': failed,
            'not_fetched': not_fetched, 'stopped_by': stop_text, 'error': study_text,
        })
    else:
        out_line(result.directory)
    message('{0} image(s): {1} downloaded, {2} already there, {3} failed.'.format(
        len(result.expected), len(result.downloaded), len(result.skipped), len(failed)))
    for uid, text in failed.items():
        problem('  failed image {0}: {1}'.format(uid, text))
    _print_not_done('not fetched {0} image(s): the download', not_fetched, stop_text)
    if study_text is not None:
        problem('  study not downloaded: {0}'.format(study_text))


def print_download_plan(study_uid: str, target: Path, entries: List[Any], as_json: bool) -> None:
    """Print what ``study download --dry-run`` would do (``entries`` empty: a ZIP to ``target``)."""
    from ambra_sdk.addon.download import is_complete

    if not entries:
        there = target.is_file()
        if as_json:
            dump_json({'dry_run': True, 'study_uid': study_uid, 'zip': str(target), 'exists': there})
        else:
            out_line(target)
        message('dry run: would {0} {1}; nothing was written.'.format(
            'keep the existing' if there else 'download the ZIP to', target))
        return
    present: Dict[str, bool] = {entry.image_uid: is_complete(entry) for entry in entries}
    missing = sum(1 for done in present.values() if not done)
    if as_json:
        dump_json({'dry_run': True, 'study_uid': study_uid, 'images': len(entries), 'to_download': missing,
                   'already_there': len(entries) - missing,
                   'paths': [str(entry.path) for entry in entries]})
    else:
        write_rows(({'image_uid': entry.image_uid, 'path': str(entry.path),
                     'state': 'there' if present[entry.image_uid] else 'to download'} for entry in entries),
                   'table', ['image_uid', 'state', 'path'])
    message('dry run: {0} image(s): {1} to download, {2} already there; nothing was written.'.format(
        len(entries), missing, len(entries) - missing))
