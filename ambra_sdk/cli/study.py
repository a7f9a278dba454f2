"""``ambra study``: list, count, get, download, upload, schema."""

import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import click

from ambra_sdk.addon.file_names import safe_name
from ambra_sdk.cli.arguments import TextGroup
from ambra_sdk.cli.context import CliContext, pass_cli
from ambra_sdk.cli.errors import CliError, require_json
from ambra_sdk.cli.exit_codes import ExitCode
from ambra_sdk.cli.listing import CONDITIONS, apply_filters, apply_sort, check_fields, parse_fields
from ambra_sdk.cli.output import dump_json, format_options, out_line, write_rows
from ambra_sdk.cli.summary import (
    not_fetched_paths,
    not_sent_paths,
    print_download_plan,
    print_download_summary,
    print_upload_plan,
    print_upload_summary,
)

__all__ = ['DEFAULT_LIST_FIELDS', 'study', 'resolve_study', 'output_format_options']

UUID_RE = re.compile(r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
#: Columns of ``ambra study list`` without ``--fields`` (every format); ``--fields '*'``: every field.
DEFAULT_LIST_FIELDS = ('uuid', 'study_uid', 'patient_name', 'patientid', 'modality', 'study_date',
                       'accession_number', 'image_count', 'storage_namespace')
#: Kept for callers of the earlier name.
TABLE_FIELDS = DEFAULT_LIST_FIELDS
MAX_PAGE_SIZE = 5000
#: The ``--fields`` value asking for every field the server sends.
ALL_FIELDS = '*'

#: The output flags (``--csv``, ``--raw-csv``, ``--json``; mutually exclusive).
output_format_options = format_options


def _filter_help() -> str:
    return 'field=condition:value (repeatable); conditions: {0}'.format(', '.join(CONDITIONS))


@click.group(cls=TextGroup)
def study() -> None:
    """Studies: list, count, get, download, upload, schema."""


@study.command('list')
@click.option('--filter', '-f', 'filters', multiple=True, metavar='FIELD=COND:VALUE', help=_filter_help())
@click.option('--sort', '-s', 'sorts', multiple=True, metavar='FIELD[:asc|desc]',
              help='sort key (repeatable; -FIELD is descending)')
@click.option('--fields', 'fields', multiple=True, metavar='A,B,...',
              help="columns to fetch and print ('*': every field; default: {0})".format(','.join(DEFAULT_LIST_FIELDS)))
@click.option('--limit', type=click.IntRange(min=0), default=None, help='at most this many studies')
@click.option('--page-size', type=click.IntRange(1, MAX_PAGE_SIZE), default=1000, show_default=True,
              help='rows per request')
@output_format_options()
@pass_cli
def study_list(
    state: CliContext, filters: Sequence[str], sorts: Sequence[str], fields: Sequence[str], limit: Optional[int],
    page_size: int, output_format: Optional[str],
) -> None:
    """List the studies you can see, streamed page by page (flat memory at any count).

    \b
    Examples:
      ambra study list --csv > studies.csv
      ambra study list -f modality=in:CT,MR -f study_date=ge:2020-01-01 --sort -created --limit 10
      ambra study list --fields uuid,patient_name,modality --json
    """
    names = parse_fields(fields)
    every_field = names == [ALL_FIELDS]
    if not names:
        names = list(DEFAULT_LIST_FIELDS)
    query = _list_query(state, filters)
    query = apply_sort(query, sorts)
    if not every_field:
        check_fields(query.url, 'studies', names, '--fields')
        query = query.only_struct_fields({'study': names})
    if limit is not None:
        page_size = max(1, min(page_size, limit))
    query = query.set_rows_in_page(page_size)
    query.return_constructor = _identity
    rows = query.all()
    if limit is not None:
        rows = rows[:limit]
    write_rows(rows, output_format or 'table', None if every_field else names)


def _identity(row: Any) -> Any:
    return row


def _list_query(state: CliContext, filters: Sequence[str]) -> Any:
    return apply_filters(state.api.Study.list(), filters)


@study.command('count')
@click.option('--filter', '-f', 'filters', multiple=True, metavar='FIELD=COND:VALUE', help=_filter_help())
@output_format_options(rows=False)
@pass_cli
def study_count(state: CliContext, filters: Sequence[str], output_format: Optional[str]) -> None:
    """Count the studies you can see (the same --filter as list)."""
    query = apply_filters(state.api.Study.count(), filters)
    count = int(require_json(query.get())['count'])
    if output_format == 'json':
        dump_json({'count': count})
    else:
        out_line(count)


def resolve_study(api: Any, ref: Optional[str], namespace: Optional[str], study_uid: Optional[str] = None) -> Any:
    """Find a study by uuid, or by study UID (in ``namespace``, or the only one with that UID).

    :param api: the Api.
    :param ref: a study uuid or a Study Instance UID.
    :param namespace: its storage namespace (needed when several namespaces hold the UID).
    :param study_uid: ``--study-uid`` (wins over ``ref``).
    :raises CliError: nothing given, not found, or ambiguous.
    """
    if study_uid is None and ref is not None and not UUID_RE.match(ref):
        study_uid = ref
    if study_uid is None:
        if ref is None:
            raise CliError('give a study: its uuid, or --study-uid UID')
        return require_json(api.Study.get(uuid=ref).get())
    if namespace:
        return require_json(api.Study.get(study_uid=study_uid, storage_namespace=namespace).get())
    from ambra_sdk.service.filtering import Filter, FilterCondition

    query = api.Study.list().filter_by(Filter('study_uid', FilterCondition.equals, study_uid), validate=False)
    found = list(query.set_rows_in_page(2).all()[:2])
    if not found:
        raise CliError('no study with study UID {0!r} is visible to you'.format(study_uid), ExitCode.SERVER_ERROR)
    if len(found) > 1:
        raise CliError('several namespaces hold study UID {0!r}: add --namespace'.format(study_uid))
    return found[0]


_STUDY_ARGS = (
    click.argument('ref', metavar='STUDY', required=False),
    click.option('--study-uid', metavar='UID', help='the Study Instance UID (instead of STUDY)'),
    click.option('--namespace', '-n', metavar='NS', help='storage namespace of the study (with a study UID)'),
)


def study_args(function: Any) -> Any:
    """Add ``STUDY``, ``--study-uid`` and ``--namespace``."""
    for decorator in reversed(_STUDY_ARGS):
        function = decorator(function)
    return function


@study.command('get')
@study_args
@click.option('--fields', 'fields', multiple=True, metavar='A,B,...', help='only these fields')
@output_format_options(rows=False)
@pass_cli
def study_get(
    state: CliContext, ref: Optional[str], study_uid: Optional[str], namespace: Optional[str],
    fields: Sequence[str], output_format: Optional[str],
) -> None:
    """Show one study: STUDY is its uuid or Study Instance UID.

    \b
    Examples:
      ambra study get 1f3c...-uuid --json
      ambra study get --study-uid 1.2.840.1 --namespace NS
    """
    found = resolve_study(state.api, ref, namespace, study_uid)
    names = parse_fields(fields)
    if names:
        check_fields('/study/get', None, names, '--fields')
        found = {name: found.get(name) for name in names}
    if output_format == 'json':
        dump_json(found)
        return
    for key, value in _items(found):
        out_line(key, value, sep=': ')


def _items(found: Any) -> Iterator[Tuple[str, str]]:
    from ambra_sdk.cli.output import cell, plain

    for key, value in plain(found).items():
        yield key, cell(value)


def _location(found: Any) -> Dict[str, Any]:
    return {
        'study_uid': found['study_uid'], 'namespace_id': found['storage_namespace'],
        'engine_fqdn': found.get('engine_fqdn') or None, 'phi_namespace': found.get('phi_namespace') or None,
    }


@study.command('download')
@study_args
@click.option('--to', 'dest', required=True, type=click.Path(file_okay=False, path_type=Path),
              help='destination folder (created when missing)')
@click.option('--zip', 'as_zip', is_flag=True, help="the vendor's ZIP bundle (DIR/<study_uid>.zip) instead of files")
@click.option('--bundle', type=click.Choice(['dicom', 'iso', 'osx', 'win']), default='dicom', show_default=True,
              help='kind of ZIP bundle (with --zip)')
@click.option('--workers', type=click.IntRange(1, 64), default=8, show_default=True, help='parallel downloads')
@click.option('--retries', type=click.IntRange(0, 20), default=3, show_default=True, help='retries per file')
@click.option('--dry-run', is_flag=True, help='print what would be downloaded (the images, those already there); '
              'nothing is written')
@output_format_options(rows=False)
@pass_cli
def study_download(
    state: CliContext, ref: Optional[str], study_uid: Optional[str], namespace: Optional[str], dest: Path,
    as_zip: bool, bundle: str, workers: int, retries: int, dry_run: bool, output_format: Optional[str],
) -> None:
    """Download a study into DIR/<study_uid>/<series>/<image>.dcm (or a ZIP), resumable.

    Files already complete from an earlier run are kept, so running the
    command again fetches only what is missing. Exit 1 when some images failed.
    """
    found = resolve_study(state.api, ref, namespace, study_uid)
    location = _location(found)
    addon = state.api.Addon.Study
    if as_zip:
        target = dest / '{0}.zip'.format(safe_name(location['study_uid']))  # a hostile UID is never a path
        if dry_run:
            print_download_plan(location['study_uid'], target, [], output_format == 'json')
            return
        path = addon.download_zip(dest_path=target, bundle=bundle, retries=retries, progress=state.progress,
                                  **location)
        if output_format == 'json':
            dump_json({'study_uid': location['study_uid'], 'zip': str(path)})
        else:
            out_line(path)
        return
    if dry_run:
        print_download_plan(location['study_uid'], dest, _planned_images(state.api, location, dest),
                            output_format == 'json')
        return
    result = addon.download_dir(dest_dir=dest, max_workers=workers, retries=retries, progress=state.progress,
                                raise_on_error=False, **location)
    print_download_summary(result, output_format == 'json')
    if result.failed or getattr(result, 'error', None) is not None or not_fetched_paths(result):
        raise SystemExit(ExitCode.PARTIAL)


def _planned_images(api: Any, location: Dict[str, Any], dest: Path) -> List[Any]:
    """The images a download would fetch, with their paths (nothing is written)."""
    from ambra_sdk.addon.download import safe_name, schema_images

    engine = api.Addon.Dicom.engine_fqdn(location['namespace_id'], location['engine_fqdn'])
    schema = api.Storage.Study.schema(engine_fqdn=engine, namespace=location['namespace_id'],
                                      study_uid=location['study_uid'], phi_namespace=location['phi_namespace'])
    return schema_images(schema, dest / safe_name(location['study_uid']))


@study.command('upload')
@click.argument('folder', metavar='DIR', type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option('--namespace', '-n', metavar='NS',
              help='storage namespace to upload into (default: $AMBRA_NAMESPACE, else the profile\'s; '
                   'see ambra whoami)')
@click.option('--pattern', default='**/*.dcm', show_default=True, help='glob of the files to send')
@click.option('--wait', is_flag=True, help='also wait until every study is ready (not a phantom)')
@click.option('--timeout', type=click.FloatRange(0, 86400), default=120.0, show_default=True,
              help='seconds to wait for the server to show every image sent (and with --wait, the studies ready)')
@click.option('--workers', type=click.IntRange(1, 64), default=8, show_default=True, help='parallel uploads')
@click.option('--retries', type=click.IntRange(0, 20), default=3, show_default=True, help='retries per file')
@click.option('--skip-existing/--no-skip-existing', default=True, show_default=True,
              help='do not send images the study already holds (a second run resumes)')
@click.option('--dry-run', is_flag=True, help='read the files and print the studies and files that would be '
              'sent; nothing is sent')
@output_format_options(rows=False)
@pass_cli
def study_upload(
    state: CliContext, folder: Path, namespace: Optional[str], pattern: str, wait: bool, timeout: float,
    workers: int, retries: int, skip_existing: bool, dry_run: bool, output_format: Optional[str],
) -> None:
    """Upload the DICOM files of DIR, in parallel; report each study reached and what did not go.

    DIR may hold several studies: each file goes into the study of its Study
    Instance UID, and one row per study is printed (uuid, study UID, images
    sent, images the server shows). After the upload each study is polled
    until the server shows every image sent (--timeout). Exit 1 when some
    files failed or a study did not show all its images in time; skipped
    files (not DICOM, duplicates, already in the study) are not failures.
    """
    from ambra_sdk.cli.upload import folder_studies, uploaded_studies, verify_studies

    if dry_run:
        studies, skipped = folder_studies(sorted(folder.glob(pattern)))
        print_upload_plan(folder, studies, skipped, output_format == 'json')
        return
    namespace = namespace or state.upload_namespace()
    addon = state.api.Addon.Study
    result = addon.upload_dir(
        study_dir=folder, namespace_id=namespace, pattern=pattern, max_workers=workers, retries=retries,
        progress=state.progress, raise_on_error=False, skip_existing=skip_existing,
    )
    studies = uploaded_studies(result)
    late = verify_studies(state.api, namespace, studies, timeout, wait) if studies else []
    print_upload_summary(folder, result, list(studies.values()), late, timeout, output_format == 'json')
    if result.failed or late or not_sent_paths(result):
        raise SystemExit(ExitCode.PARTIAL)


@study.command('schema')
@study_args
@click.option('--extended', is_flag=True, help='the extended fields too')
@output_format_options(rows=False)
@pass_cli
def study_schema(
    state: CliContext, ref: Optional[str], study_uid: Optional[str], namespace: Optional[str], extended: bool,
    output_format: Optional[str],
) -> None:
    """Print the storage schema of a study (series, images, attachments) as JSON."""
    location = _location(resolve_study(state.api, ref, namespace, study_uid))
    engine = state.api.Addon.Dicom.engine_fqdn(location['namespace_id'], location['engine_fqdn'])
    schema = state.api.Storage.Study.schema(
        engine_fqdn=engine, namespace=location['namespace_id'], study_uid=location['study_uid'],
        extended=extended or None, phi_namespace=location['phi_namespace'],
    )
    dump_json(schema)
