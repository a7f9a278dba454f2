"""``ambra call --csv FILE NAMESPACE METHOD``: one call per CSV row, bundled when the SDK can.

Rows are read and sent ``chunk_size`` at a time, so the memory stays flat
for any number of rows. When the Api has ``bundle()`` (the vendor's
``/bundle`` call, :mod:`ambra_sdk.service.bundle`) a chunk goes in one
request; otherwise the calls are made one at a time. A row whose call
failed is reported on stderr (and with ``--report FILE`` written to a CSV
with an ``error`` column); the exit code is then 1. Columns of secret
parameters (:mod:`ambra_sdk.secret_params`) may be given in the file (a file
is not the command line), their values are masked in messages, and the
report never holds them; the report is created with mode 0600.
"""

import csv
import os
from itertools import islice
from typing import IO, Any, Dict, Iterator, List, Optional, Sequence, Tuple

import requests

from ambra_sdk.cli.call import build_query, mask_secrets, parse_pairs
from ambra_sdk.cli.context import CliContext
from ambra_sdk.cli.errors import CliError, describe, first_line
from ambra_sdk.cli.exit_codes import ExitCode
from ambra_sdk.cli.output import json_line, message, plain, problem
from ambra_sdk.cli.streams import text_stream
from ambra_sdk.exceptions.base import MissingCredentials
from ambra_sdk.exceptions.service_base import AuthorizationRequired
from ambra_sdk.redact import register_secret
from ambra_sdk.secret_params import is_secret_param

__all__ = ['open_private', 'run_batch', 'run_chunk']

#: Failures that stop the batch (they are not about one row).
FATAL = (requests.exceptions.ConnectionError, MissingCredentials, AuthorizationRequired)

#: ``(row number, row, query or None, error message or None)``.
Prepared = Tuple[int, Dict[str, str], Any, Optional[str]]


def open_private(path: str) -> IO[str]:
    """Create (or truncate) a text file only its owner can read and write (mode 0600), for writing.

    :param path: the file.
    """
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # an existing file keeps its mode with O_CREAT: tighten it
    except (AttributeError, OSError):  # pragma: no cover (Windows)
        pass
    return os.fdopen(descriptor, 'w', newline='', encoding='utf-8')


def _open(path: str) -> IO[str]:
    if path == '-':
        return text_stream('stdin')
    return open(path, newline='', encoding='utf-8-sig')  # noqa: SIM115 (closed by the caller)


def _check_header(endpoint: Dict[str, Any], header: Sequence[str], constants: Sequence[Tuple[str, Any]]) -> None:
    probe = [(name, '') for name in header if name] + list(constants)
    try:
        parse_pairs(endpoint, probe)
    except CliError as error:
        if 'missing required' in error.message:
            raise
        raise CliError('CSV column: {0}'.format(error.message)) from None


def _prepare(api: Any, endpoint: Dict[str, Any], rows: Iterator[Tuple[int, Dict[str, str]]],
             constants: Sequence[Tuple[str, Any]]) -> Iterator[Prepared]:
    secret_columns = None
    for number, row in rows:
        if secret_columns is None:
            secret_columns = [key for key in row if key and is_secret_param(key, endpoint['url'])]
        for key in secret_columns:
            register_secret(row.get(key))
        pairs = list(constants) + [(key, value) for key, value in row.items() if key and value not in (None, '')]
        try:
            yield number, row, build_query(api, endpoint, pairs), None
        except CliError as error:
            yield number, row, None, error.message


def run_chunk(api: Any, queries: List[Any], chunk_size: int, workers: int) -> List[Tuple[bool, Any]]:
    """Run calls: bundled when ``api.bundle`` exists, else one by one.

    :return: ``(ok, result or exception)`` per query, in order.
    """
    if hasattr(api, 'bundle'):
        items = api.bundle(chunk_size=chunk_size, workers=workers).run(queries)
        for item in items:
            if isinstance(item.error, FATAL):
                raise item.error  # a chunk that could not be sent: every other row would fail the same way
        return [(True, item.result()) if item.ok else (False, item.error) for item in items]
    outcomes: List[Tuple[bool, Any]] = []
    for query in queries:
        try:
            outcomes.append((True, query.get()))
        except FATAL:
            raise  # the server is gone or the session is refused: every other row would fail the same way
        except Exception as error:  # noqa: BLE001 - one failed row must not stop the others
            outcomes.append((False, error))
    return outcomes


def run_batch(state: CliContext, endpoint: Dict[str, Any], constants: Sequence[Tuple[str, Any]]) -> None:
    """Make one call per row of ``state.batch_csv``; report the failed rows; exit 1 if any.

    :param state: the run's context (its ``batch_options``: ``chunk_size``, ``workers``, ``report``,
        ``json_results``).
    :param endpoint: the endpoint record of the method.
    :param constants: ``key=value`` pairs of the command line, added to every row.
    """
    options = state.batch_options
    chunk_size = int(options.get('chunk_size') or 100)
    stream = _open(str(state.batch_csv))
    report_stream: Optional[IO[str]] = None
    totals = {'rows': 0, 'ok': 0, 'failed': 0}
    try:
        reader = csv.DictReader(stream)
        header = list(reader.fieldnames or [])
        if not header:
            raise CliError('the CSV file {0} has no header row'.format(state.batch_csv))
        _check_header(endpoint, header, constants)
        report_writer = None
        if options.get('report'):
            report_stream = open_private(options['report'])
            columns = [name for name in header if not is_secret_param(name, endpoint['url'])]
            report_writer = csv.DictWriter(report_stream, fieldnames=['row'] + columns + ['error'],
                                           extrasaction='ignore')
            report_writer.writeheader()
        api = state.api
        prepared = _prepare(api, endpoint, enumerate(reader, start=1), constants)
        while True:
            chunk = list(islice(prepared, chunk_size))
            if not chunk:
                break
            try:
                _run_and_report(api, chunk, options, totals, report_writer)
            except Exception:
                message('stopped at row {0}; rows before it: {ok} ok, {failed} failed.'.format(
                    chunk[0][0], **totals))
                raise
    finally:
        if stream is not text_stream('stdin'):
            stream.close()
        if report_stream is not None:
            report_stream.close()
    message('{rows} row(s): {ok} ok, {failed} failed.'.format(**totals))
    if totals['failed']:
        raise SystemExit(ExitCode.PARTIAL)


def _run_and_report(api: Any, chunk: List[Prepared], options: Dict[str, Any], totals: Dict[str, int],
                    report_writer: Any) -> None:
    runnable = [item for item in chunk if item[2] is not None]
    outcomes = iter(run_chunk(api, [item[2] for item in runnable], int(options.get('chunk_size') or 100),
                              int(options.get('workers') or 1)))
    for number, row, query, error_message in chunk:
        totals['rows'] += 1
        if query is not None:
            ok, value = next(outcomes)
            if ok:
                totals['ok'] += 1
                if options.get('json_results'):
                    json_line({'row': number, 'result': mask_secrets(plain(value))})
                continue
            error_message = first_line(describe(value)[1])
        totals['failed'] += 1
        problem('row {0}: {1}'.format(number, error_message))
        if report_writer is not None:
            report_writer.writerow({**row, 'row': number, 'error': error_message})
