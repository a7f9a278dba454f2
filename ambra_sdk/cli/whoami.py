"""``ambra whoami`` and ``ambra namespace list``: who the credentials log in as, and where they can upload.

``whoami`` prints the user (``/session/user``), the accounts
(``/account/list``), the namespaces with their ids (``/user/namespace/list``)
and the one ``ambra study upload`` uses without ``--namespace``
(``$AMBRA_NAMESPACE``, else the profile's, else none).
"""

from typing import Any, Dict, Iterator, List, Optional

import click

from ambra_sdk.cli.arguments import TextGroup
from ambra_sdk.cli.context import CliContext, pass_cli
from ambra_sdk.cli.errors import require_json
from ambra_sdk.cli.output import dump_json, format_options, message, out_line, plain, write_rows

__all__ = ['NAMESPACE_COLUMNS', 'namespace', 'whoami']

#: Columns of ``ambra namespace list`` (and of the namespaces of ``whoami``).
NAMESPACE_COLUMNS = ('uuid', 'name', 'type', 'upload_default')


def _namespaces(state: CliContext) -> List[Dict[str, Any]]:
    default = state.resolved(need_secret=False).namespace
    rows = require_json(state.api.User.namespace_list().get()).get('namespaces') or []
    return [{'uuid': row.get('uuid'), 'name': row.get('name'), 'type': row.get('type'),
             'upload_default': 'yes' if default and row.get('uuid') == default else ''} for row in rows]


def _accounts(state: CliContext) -> Iterator[Dict[str, Any]]:
    query = state.api.Account.list().only_struct_fields({'account': ['uuid', 'name']}) \
        .set_rows_in_page(100)
    for row in query.all()[:100]:
        yield {'uuid': row.get('uuid'), 'name': row.get('name')}


def _default_line(state: CliContext) -> Dict[str, Optional[str]]:
    resolved = state.resolved(need_secret=False)
    if not resolved.namespace:
        return {'uuid': None, 'source': None}
    return {'uuid': resolved.namespace, 'source': resolved.sources.get('namespace')}


@click.command()
@format_options(rows=False)
@pass_cli
def whoami(state: CliContext, output_format: Optional[str]) -> None:
    """Show the user, accounts and namespaces (with ids) of the credentials, and the upload default.

    \b
    Examples:
      ambra whoami
      ambra --profile prod whoami --json
    """
    user = require_json(state.api.Session.user().get())
    accounts = list(_accounts(state))
    namespaces = _namespaces(state)
    default = _default_line(state)
    if output_format == 'json':
        dump_json({'user': {'uuid': user.get('uuid'), 'name': user.get('name'), 'email': user.get('email')},
                   'url': state.resolved(need_secret=False).url, 'accounts': accounts,
                   'namespaces': plain(namespaces), 'upload_namespace': default})
        return
    out_line('user', '{0} <{1}> ({2})'.format(user.get('name') or '', user.get('email') or '', user.get('uuid')),
             sep=': ')
    out_line('server', state.resolved(need_secret=False).url, sep=': ')
    for account in accounts:
        out_line('account', '{0} ({1})'.format(account['name'], account['uuid']), sep=': ')
    if default['uuid']:
        out_line('upload namespace', '{0} (from {1})'.format(default['uuid'], default['source']), sep=': ')
    else:
        out_line('upload namespace', 'none: ambra study upload needs --namespace (or AMBRA_NAMESPACE, or '
                 'ambra login --namespace)', sep=': ')
    out_line('namespaces', len(namespaces), sep=': ')
    write_rows(namespaces, 'table', NAMESPACE_COLUMNS)


@click.group(cls=TextGroup)
def namespace() -> None:
    """Namespaces you can reach (their ids are what --namespace takes)."""


@namespace.command('list')
@format_options()
@pass_cli
def namespace_list(state: CliContext, output_format: Optional[str]) -> None:
    """List your namespaces: uuid, name, type, and which one uploads use by default.

    \b
    Examples:
      ambra namespace list
      ambra namespace list --csv > namespaces.csv
    """
    rows = _namespaces(state)
    write_rows(rows, output_format or 'table', NAMESPACE_COLUMNS)
    if not any(row['upload_default'] for row in rows):
        message('no upload default: ambra study upload needs --namespace (or AMBRA_NAMESPACE, or ambra login '
                '--namespace)')
