"""Summaries of uploads and downloads: what went, what was skipped, what failed and why."""

from collections import Counter
from typing import Any, Dict, Optional

import click

from ambra_sdk.cli.errors import describe, first_line
from ambra_sdk.cli.output import dump_json, printable

__all__ = ['error_text', 'print_download_summary', 'print_upload_summary']

#: Skipped paths listed per reason (all of them are in the --json output).
SHOWN_PATHS = 10


def error_text(error: BaseException) -> str:
    """One redacted line describing a per-file error."""
    return first_line(describe(error)[1] if not isinstance(error, OSError) else '{0}: {1}'.format(
        type(error).__name__, error))


def print_upload_summary(result: Any, ready: Optional[Any], as_json: bool) -> None:
    """Print the result of ``Addon.Study.upload_dir`` (stdout: the study; stderr: the summary).

    :param result: an :class:`~ambra_sdk.addon.results.UploadResult`.
    :param ready: the study after ``--wait`` (or None).
    :param as_json: print one JSON object on stdout instead.
    """
    failed = {str(path): error_text(error) for path, error in result.failed.items()}
    skipped = [{'path': str(item.path), 'reason': item.reason} for item in result.skipped]
    if as_json:
        payload: Dict[str, Any] = {
            'study_uuid': result.study_uuid, 'study_uid': result.study_uid, 'total': result.total,
            'uploaded': len(result.uploaded), 'skipped': skipped, 'failed': failed,
        }
        if ready is not None:
            payload['ready'] = True
        dump_json(payload)
    else:
        click.echo('{0}\t{1}'.format(result.study_uuid or '', result.study_uid or ''))
    reasons = Counter(item['reason'] for item in skipped)
    shown = Counter()  # type: Counter[str]
    click.echo('{0} file(s): {1} uploaded, {2} skipped, {3} failed{4}.'.format(
        result.total, len(result.uploaded), len(skipped), len(failed),
        '; the study is ready' if ready is not None else ''), err=True)
    for reason, count in sorted(reasons.items()):
        click.echo('  skipped {0}: {1}'.format(count, printable(reason)), err=True)
    for item in skipped:
        if shown[item['reason']] < SHOWN_PATHS:
            shown[item['reason']] += 1
            click.echo('    {0}: {1}'.format(printable(item['path']), printable(item['reason'])), err=True)
    for path, message in failed.items():
        click.echo('  failed {0}: {1}'.format(path, message), err=True)


def print_download_summary(result: Any, as_json: bool) -> None:
    """Print the result of ``Addon.Study.download_dir``.

    :param result: a :class:`~ambra_sdk.addon.results.DownloadResult`.
    :param as_json: print one JSON object on stdout instead of the folder.
    """
    failed = {uid: error_text(error) for uid, error in result.failed.items()}
    study_error = None if result.error is None else error_text(result.error)
    if as_json:
        dump_json({
            'directory': str(result.directory), 'images': len(result.expected),
            'downloaded': len(result.downloaded), 'already_there': len(result.skipped), 'failed': failed,
            'error': study_error,
        })
    else:
        click.echo(str(result.directory))
    click.echo('{0} image(s): {1} downloaded, {2} already there, {3} failed.'.format(
        len(result.expected), len(result.downloaded), len(result.skipped), len(failed)), err=True)
    for uid, message in failed.items():
        click.echo('  failed image {0}: {1}'.format(uid, message), err=True)
    if study_error is not None:
        click.echo('  study not downloaded: {0}'.format(study_error), err=True)
