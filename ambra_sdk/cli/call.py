"""``ambra call NAMESPACE METHOD key=value ...``: any of the 440 service methods (LBL0022 v47 and v55).

Commands are built on demand from the generated data spec
(:func:`ambra_sdk.service.spec.load_all_endpoints`, the union ``api.<Namespace>`` serves), so ``--help`` of a method
lists its parameters with the generated (Python) names, the vendor's
description and whether they are required. ``ambra call --csv FILE NS
METHOD`` makes one call per CSV row (see :mod:`ambra_sdk.cli.batch`).
"""

from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import click

from ambra_sdk.bounded_json import JsonTooDeep, JsonTooLarge, bounded_json_loads
from ambra_sdk.cli.arguments import TextGroup
from ambra_sdk.cli.context import CliContext, pass_cli
from ambra_sdk.cli.errors import CliError, require_json
from ambra_sdk.cli.output import chosen_format, dump_json, format_parameters, plain, write_rows
from ambra_sdk.secret_input import SecretInputError, read_secret_file
from ambra_sdk.secret_input import secret_refusal as refusal
from ambra_sdk.secret_params import is_secret_param, secret_param_names
from ambra_sdk.service.spec import load_all_endpoints

__all__ = ['call', 'endpoints_of', 'namespaces', 'parse_pairs', 'build_query', 'mask_secrets']

#: Longest ``KEY:=JSON`` value (bytes); its nesting is bounded like the server's JSON (``MAX_JSON_DEPTH``).
MAX_ARGUMENT_JSON = 1024 * 1024

#: Keys sent as they are (filters, sorting, paging, field selection of list methods).
RAW_PREFIXES = ('filter.', 'sort_by', 'page.', 'fields.')


def namespaces() -> List[str]:
    """The 49 namespace names, sorted."""
    return sorted({endpoint['namespace'] for endpoint in load_all_endpoints()})


def endpoints_of(namespace: str) -> Dict[str, Dict[str, Any]]:
    """Method name -> endpoint record of one namespace (any case)."""
    wanted = namespace.lower()
    return {e['method']: e for e in load_all_endpoints() if e['namespace'].lower() == wanted}


def _param_index(endpoint: Dict[str, Any]) -> Tuple[Dict[str, Dict[str, Any]], List[Dict[str, Any]]]:
    names: Dict[str, Dict[str, Any]] = {}
    prefixed: List[Dict[str, Any]] = []
    for param in endpoint['params']:
        if param['dict_prefix'] is not None:
            prefixed.append(param)
            names.setdefault(param['python_name'], param)
            continue
        names[param['python_name']] = param
        names.setdefault(param['name'], param)
    return names, prefixed


def _split_pair(pair: str) -> Tuple[str, Any]:
    key, equals, value = pair.partition('=')
    if not equals or not key:
        raise CliError('bad argument {0!r}: write key=value (or key:=JSON)'.format(pair))
    if key.endswith(':'):
        key = key[:-1]
        try:
            return key, bounded_json_loads(value, MAX_ARGUMENT_JSON)
        except (JsonTooLarge, JsonTooDeep) as error:
            raise CliError('bad argument {0!r}: the value after := is too big: {1}'.format(
                key + ':=...', error)) from None
        except ValueError:
            raise CliError('bad argument {0!r}: the value after := is not JSON'.format(key + ':=...')) from None
    return key, value


def parse_pairs(endpoint: Dict[str, Any], pairs: Sequence[Tuple[str, Any]]) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """Map ``(key, value)`` pairs to the method's keyword arguments and raw form fields.

    Keys are the generated Python names or the vendor's names; a key starting
    with a dict prefix (``customfield-UUID``) goes into that dict parameter
    (``customfield_param={'UUID': value}``).

    :param endpoint: the endpoint record.
    :param pairs: ``(key, value)`` pairs.
    :raises CliError: an unknown key, or a required parameter missing (exit 2).
    :return: ``(kwargs, raw)``.
    """
    names, prefixed = _param_index(endpoint)
    kwargs: Dict[str, Any] = {}
    raw: Dict[str, Any] = {}
    for key, value in pairs:
        param = names.get(key)
        if param is not None and param['dict_prefix'] is None:
            kwargs[param['python_name']] = value
            continue
        holder = _prefixed_param(prefixed, key)
        if holder is not None:
            inner = key[len(holder['dict_prefix']):] if key.startswith(holder['dict_prefix']) else key
            if param is not None and isinstance(value, dict):
                kwargs.setdefault(holder['python_name'], {}).update(value)
            else:
                kwargs.setdefault(holder['python_name'], {})[inner] = value
            continue
        if key.startswith(RAW_PREFIXES):
            raw[key] = value
            continue
        raise CliError('unknown parameter {0!r} of {1}; known: {2} (ambra call {3} {4} --help)'.format(
            key, endpoint['url'], ', '.join(sorted({p['python_name'] for p in endpoint['params']})) or 'none',
            endpoint['namespace'], endpoint['method']))
    missing = [p['python_name'] for p in endpoint['params'] if p['required'] and p['python_name'] not in kwargs]
    if missing:
        raise CliError('missing required parameter(s) of {0}: {1}'.format(endpoint['url'], ', '.join(missing)))
    return kwargs, raw


def _prefixed_param(prefixed: List[Dict[str, Any]], key: str) -> Optional[Dict[str, Any]]:
    for param in prefixed:
        if key == param['python_name'] or (param['dict_prefix'] and key.startswith(param['dict_prefix'])):
            return param
    for param in prefixed:
        if param['dict_prefix'] == '' and not key.startswith(RAW_PREFIXES):
            return param
    return None


def build_query(api: Any, endpoint: Dict[str, Any], pairs: Sequence[Tuple[str, Any]]) -> Any:
    """Return the query object of one call (nothing is sent).

    :param api: the Api.
    :param endpoint: the endpoint record.
    :param pairs: ``(key, value)`` pairs (see :func:`parse_pairs`).
    """
    kwargs, raw = parse_pairs(endpoint, pairs)
    method = getattr(getattr(api, endpoint['namespace']), endpoint['method'])
    try:
        query = method(**kwargs)
    except TypeError as error:
        raise CliError('bad arguments for {0}: {1}'.format(endpoint['url'], error)) from None
    if raw:
        data = query.request_args.data or {}
        data.update(raw)
        query.request_args.data = data
    return query


class MethodCommand(click.Command):
    """One service method; its help lists the parameters of the data spec."""

    def __init__(self, endpoint: Dict[str, Any], **kwargs: Any) -> None:
        self.endpoint = endpoint
        super().__init__(**kwargs)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Write the parameters, the errors, and the notes of the method."""
        rows = []
        for param in self.endpoint['params']:
            name = param['python_name']
            if param['dict_prefix']:
                name = '{0} ({1}KEY=...)'.format(name, param['dict_prefix'])
            label = '{0}{1}'.format(name, ' *' if param['required'] else '')
            rows.append((label, ' '.join((param['description'] or '').split())))
        with formatter.section('Parameters (KEY=VALUE, or KEY:=JSON; * required)'):
            if rows:
                formatter.write_dl(rows)
            else:
                formatter.write_text('none')
        errors = self.endpoint.get('errors') or []
        if errors:
            with formatter.section('Errors'):
                formatter.write_dl([(e['type'] + ('/' + e['subtype'] if e.get('subtype') else ''),
                                     ' '.join((e.get('description') or '').split())) for e in errors])
        if self.endpoint.get('notes'):
            with formatter.section('Notes'):
                formatter.write_text(' '.join(self.endpoint['notes'].split()))


def _method_command(endpoint: Dict[str, Any]) -> click.Command:
    paginated = bool(endpoint.get('paginated_field'))
    params: List[click.Parameter] = [click.Argument(['pairs'], nargs=-1, metavar='[KEY=VALUE]...')]
    if paginated:
        params += [
            click.Option(['--all', 'all_rows'], is_flag=True,
                         help='stream every row of every page (instead of the first page as JSON)'),
            *format_parameters(),
            click.Option(['--limit'], type=click.IntRange(min=0), help='with --all: at most this many rows'),
            click.Option(['--page-size'], type=click.IntRange(1, 5000), default=1000, show_default=True,
                         help='with --all: rows per request'),
        ]

    @pass_cli
    def callback(state: CliContext, pairs: Sequence[str], **options: Any) -> None:
        parsed = [_secret_value(endpoint['url'], *_split_pair(pair)) for pair in pairs]
        if state.batch_csv is not None:
            from ambra_sdk.cli.batch import run_batch

            run_batch(state, endpoint, parsed)
            return
        query = build_query(state.api, endpoint, parsed)
        if options.get('all_rows'):
            query = query.set_rows_in_page(options['page_size'])
            query.return_constructor = _identity
            rows = query.all()
            if options.get('limit') is not None:
                rows = rows[:options['limit']]
            write_rows(rows, chosen_format() or 'json', _requested_fields(query, endpoint))
            return
        _print_result(query.get())

    summary = ' '.join((endpoint.get('description') or endpoint['url']).split())
    return MethodCommand(
        endpoint, name=endpoint['method'], params=params, callback=callback,
        help='{0} ({1}).'.format(summary.rstrip('.'), endpoint['url']), short_help=summary[:70],
    )


def _requested_fields(query: Any, endpoint: Dict[str, Any]) -> Optional[List[str]]:
    """The columns a ``fields.<object>`` argument asked for (so an empty CSV result still has its header)."""
    data = query.request_args.data or {}
    for key, value in data.items():
        if str(key).startswith('fields.') and isinstance(value, str):
            try:
                names = bounded_json_loads(value, MAX_ARGUMENT_JSON)
            except ValueError:
                return None
            if isinstance(names, list) and all(isinstance(name, str) for name in names):
                return names
    return None


def secret_refusal(key: str) -> str:
    """The message refusing a secret given as ``KEY=VALUE`` (it shows the syntax that works)."""
    return refusal(key, ['write {0}=- to type it at a prompt or pipe it on stdin'.format(key),
                         '{0}=@FILE to read it from a file'.format(key)])


def _secret_value(url: str, key: str, value: Any) -> Tuple[str, Any]:
    """Read a secret parameter (:mod:`ambra_sdk.secret_params`) given as ``KEY=-`` or ``KEY=@FILE``.

    :raises CliError: the secret is written in the arguments (exit 2).
    """
    if not is_secret_param(key, url):
        return key, value
    if value == '-':
        from ambra_sdk.cli.login import read_secret

        secret = read_secret(key)
    elif isinstance(value, str) and value.startswith('@') and len(value) > 1:
        secret = _read_secret_file(key, Path(value[1:]))
    else:
        raise CliError(secret_refusal(key))
    from ambra_sdk.redact import register_secret

    register_secret(secret)
    return key, secret


def _read_secret_file(key: str, path: Path) -> str:
    """The first line of a secret file (:func:`ambra_sdk.secret_input.read_secret_file`)."""
    try:
        return read_secret_file(key, path)
    except SecretInputError as error:
        raise CliError(str(error)) from None


def _identity(row: Any) -> Any:
    return row


def _print_result(result: Any) -> None:
    dump_json(mask_secrets(plain(require_json(result))))


_SECRET_NAMES = secret_param_names()


def mask_secrets(value: Any) -> Any:
    """Replace the values of secret keys (:mod:`ambra_sdk.secret_params`) with ``***``, at any depth."""
    if isinstance(value, dict):
        return {key: '***' if str(key).lower() in _SECRET_NAMES and value[key] else mask_secrets(value[key])
                for key in value}
    if isinstance(value, list):
        return [mask_secrets(item) for item in value]
    return value


class NamespaceGroup(TextGroup):
    """The methods of one namespace, built when asked for."""

    def __init__(self, namespace: str) -> None:
        super().__init__(name=namespace, help='Methods of the {0} namespace.'.format(namespace))
        self._endpoints = endpoints_of(namespace)

    def list_commands(self, ctx: click.Context) -> List[str]:
        """The method names."""
        return sorted(self._endpoints)

    def get_command(self, ctx: click.Context, cmd_name: str) -> Optional[click.Command]:
        """The command of one method."""
        endpoint = self._endpoints.get(cmd_name) or self._endpoints.get(cmd_name.replace('-', '_'))
        return _method_command(endpoint) if endpoint is not None else None


class CallGroup(TextGroup):
    """``ambra call``: one sub-group per namespace (any case)."""

    def list_commands(self, ctx: click.Context) -> List[str]:
        """The namespace names."""
        return namespaces()

    def get_command(self, ctx: click.Context, cmd_name: str) -> Optional[click.Command]:
        """The group of one namespace."""
        for name in namespaces():
            if name.lower() == cmd_name.lower():
                return NamespaceGroup(name)
        return None


@click.group(cls=CallGroup)
@click.option('--csv', 'csv_file', type=click.Path(exists=True, dir_okay=False, allow_dash=True), metavar='FILE',
              help='one call per row of FILE (columns = parameter names; "-" for stdin)')
@click.option('--chunk-size', type=click.IntRange(1, 1000), default=100, show_default=True,
              help='with --csv: calls per bundled request')
@click.option('--workers', type=click.IntRange(1, 16), default=1, show_default=True,
              help='with --csv: bundled requests in parallel')
@click.option('--report', type=click.Path(dir_okay=False, writable=True), metavar='FILE',
              help='with --csv: write the failed rows and their error to FILE (CSV)')
@click.option('--json', 'json_results', is_flag=True, help='with --csv: print each result as a JSON line')
@pass_cli
def call(
    state: CliContext, csv_file: Optional[str], chunk_size: int, workers: int, report: Optional[str],
    json_results: bool,
) -> None:
    """Call any service method: ambra call NAMESPACE METHOD KEY=VALUE...

    \b
    Examples:
      ambra call Study get uuid=UUID
      ambra call Study list --all --csv filter.modality.equals=CT
      ambra call Study set uuid=UUID customfield-FIELD_UUID=value
      ambra call --csv fields.csv --report failed.csv Study set
      ambra call Study set --help        (the parameters of /study/set)
    """
    state.batch_csv = csv_file
    state.batch_options = {'chunk_size': chunk_size, 'workers': workers, 'report': report,
                           'json_results': json_results}
