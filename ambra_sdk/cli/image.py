"""``ambra image tags``: the DICOM tags of one image."""

from typing import Any, Dict, Optional

import click

from ambra_sdk.cli.arguments import TextGroup
from ambra_sdk.cli.context import CliContext, pass_cli
from ambra_sdk.cli.errors import CliError
from ambra_sdk.cli.exit_codes import ExitCode
from ambra_sdk.cli.output import write_rows
from ambra_sdk.cli.study import output_format_options, resolve_study

__all__ = ['image']

#: Columns of the table format (the ``--csv``/``--json`` formats keep every key).
TAG_FIELDS = ('tag', 'name', 'vr', 'value')


@click.group(cls=TextGroup)
def image() -> None:
    """Images of a study."""


@image.command('tags')
@click.argument('ref', metavar='STUDY')
@click.argument('image_uid', metavar='IMAGE')
@click.option('--namespace', '-n', metavar='NS', help='storage namespace of the study (with a study UID)')
@click.option('--version', 'image_version', default='*', show_default=True, help="image version ('*': latest)")
@click.option('--name', 'names', multiple=True, metavar='TAG', help='only the tag(s) with this name (repeatable)')
@output_format_options()
@pass_cli
def image_tags(
    state: CliContext, ref: str, image_uid: str, namespace: Optional[str], image_version: str,
    names: Any, output_format: Optional[str],
) -> None:
    """List the DICOM tags of IMAGE (its SOP Instance UID) in STUDY (uuid or study UID).

    \b
    Examples:
      ambra image tags STUDY_UUID 1.2.3.4.5 --name Manufacturer
      ambra image tags 1.2.840.1 1.2.3.4.5 --namespace NS --csv
    """
    found = resolve_study(state.api, ref, namespace)
    namespace_id = found['storage_namespace']
    engine = state.api.Addon.Dicom.engine_fqdn(namespace_id, found.get('engine_fqdn') or None)
    document = state.api.Storage.Study.image_json(
        engine_fqdn=engine, namespace=namespace_id, study_uid=found['study_uid'], image_uid=image_uid,
        image_version=image_version, phi_namespace=found.get('phi_namespace') or None,
    )
    tags = list(document.get('tags') or [])
    if names:
        wanted = set(names)
        tags = [tag for tag in tags if tag.get('name') in wanted]
        missing = wanted - {tag.get('name') for tag in tags}
        if missing:
            raise CliError('image {0} has no tag named {1}'.format(image_uid, ', '.join(sorted(missing))),
                           ExitCode.SERVER_ERROR)
    output_format = output_format or 'table'
    columns = list(TAG_FIELDS) if output_format == 'table' or not tags else None
    write_rows((_with_tag(tag) for tag in tags), output_format, columns)


def _with_tag(tag: Any) -> Dict[str, Any]:
    """The tag's fields with ``tag`` = ``(gggg,eeee)`` first."""
    row: Dict[str, Any] = {}
    group, element = tag.get('group'), tag.get('element')
    if isinstance(group, int) and isinstance(element, int):
        row['tag'] = '({0:04X},{1:04X})'.format(group, element)
    row.update(tag)
    return row
