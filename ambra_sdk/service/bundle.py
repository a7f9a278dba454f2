"""Bundled service calls: many query objects in few ``POST /bundle`` requests.

The vendor API runs a JSON array of calls in one request ("Bundled calls" in
the API document) and answers a JSON array of their answers, each with an
extra ``HTTP_STATUS_CODE``. :class:`Bundle` sends any service query objects
that way, in chunks of ``chunk_size`` calls (``workers`` chunks at a time)::

    with api.bundle(chunk_size=200) as bundle:
        items = [bundle.add(api.Study.set(uuid=uuid, customfield_param={cf: 'x'})) for uuid in uuids]
    failed = [item for item in items if not item.ok]

    items = api.bundle().run([api.Study.get(uuid=u) for u in uuids])
    studies = [item.result() for item in items]

Each :class:`BundleItem` gets what the single call's ``get()`` returns, or
the exception it raises: answers go through the same mapper
(:func:`ambra_sdk.service.response.check_response`) with the query's own
error mapping. As for single calls:

* sid: added to every call that needs it; calls answered 401 are sent once
  more with a new sid (the server did not run them);
* rate limits: one request per chunk, limited as the URL ``/bundle``
  (``RateLimits(special={'/bundle': ...})`` sets its own limit);
* retries: the transport resends a chunk only when it provably never reached
  the server; a chunk of reads only (``get``, ``list``... see
  :func:`ambra_sdk.api.retry.is_service_read`) is also resent after a
  connection error, a broken answer or 429/502/503/504;
* redaction: the body (sids, form values) is never logged; log lines name
  the URLs only.
"""

import json
import logging
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Type

import requests

from ambra_sdk.api.retry import is_service_read
from ambra_sdk.bounded_json import UnreadableJson, bounded_json_loads
from ambra_sdk.exceptions.base import AmbraException, MissingCredentials
from ambra_sdk.exceptions.service_base import AuthorizationRequired, ServiceResponseError
from ambra_sdk.request_args import RequestArgs, cast_argument
from ambra_sdk.service.query.base_query import BaseQuery
from ambra_sdk.service.response import build_result, check_response

if TYPE_CHECKING:
    from ambra_sdk.api.api import Api

logger = logging.getLogger(__name__)

#: Relative URL of the vendor's bundle method.
BUNDLE_URL = '/bundle'
#: Most calls in one chunk / most parallel chunks accepted.
MAX_CHUNK_SIZE = 5000
MAX_WORKERS = 32
#: Statuses after which a chunk of reads is sent again.
READ_RETRY_STATUSES = frozenset({429, 502, 503, 504})
#: Resends of a chunk of reads.
READ_RESENDS = 2
_BACKOFF = 0.2
_NOT_RUN = object()


class BundleItem:
    """One call of a bundle and, once the bundle ran, its result or error.

    :param query: the service query object.
    """

    def __init__(self, query: BaseQuery, call: Optional[Dict[str, Any]] = None) -> None:
        self.query = query
        self._call = call  # the encoded call without its sid (made by Bundle.add)
        self._result: Any = _NOT_RUN
        self._error: Optional[Exception] = None

    @property
    def done(self) -> bool:
        """True once the bundle has run this call (successfully or not)."""
        return self._result is not _NOT_RUN or self._error is not None

    @property
    def ok(self) -> bool:
        """True when the call ran and succeeded."""
        return self._result is not _NOT_RUN and self._error is None

    @property
    def error(self) -> Optional[Exception]:
        """The exception the single call would raise (an :class:`~ambra_sdk.exceptions.base.AmbraException`
        for every answer of the server; a ``requests`` exception when the chunk could not be sent), or None."""
        return self._error

    def result(self) -> Any:
        """Return what the single call's ``get()`` returns, or raise the exception it raises.

        :raises RuntimeError: the bundle has not run yet.
        """
        if self._error is not None:
            raise self._error
        if self._result is _NOT_RUN:
            raise RuntimeError('This call has not been sent yet: run the bundle first')
        return self._result

    def _set(self, result: Any = _NOT_RUN, error: Optional[Exception] = None) -> None:
        self._result = result
        self._error = error

    def __repr__(self) -> str:
        state = 'ok' if self.ok else ('error: ' + type(self._error).__name__ if self._error else 'pending')
        return '<BundleItem {0} {1}>'.format(self.query.url, state)


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, (tuple, set, frozenset, list)):
        return [_json_value(item) for item in value]
    return str(value)


class Bundle:
    """Calls to send together (see the module documentation).

    :param api: the :class:`~ambra_sdk.api.Api`.
    :param chunk_size: calls per ``/bundle`` request (1 to :data:`MAX_CHUNK_SIZE`).
    :param workers: chunks sent at the same time (1 to :data:`MAX_WORKERS`).
    :raises ValueError: a bad ``chunk_size`` or ``workers`` (the message names it).
    """

    def __init__(self, api: 'Api', chunk_size: int = 100, workers: int = 1) -> None:
        self._api = api
        self.chunk_size = _bounded_int('chunk_size', chunk_size, MAX_CHUNK_SIZE)
        self.workers = _bounded_int('workers', workers, MAX_WORKERS)
        self._items: List[BundleItem] = []
        self._sent = 0  # items before this index were sent (or dropped)
        self._lock = threading.Lock()

    def add(self, query: BaseQuery) -> BundleItem:
        """Add a call; it is sent by :meth:`run` (or when the ``with`` block ends).

        :param query: a service query object (``api.Study.set(...)``), not sent yet.
        :raises TypeError: ``query`` is not a service query object.
        :raises ValueError: ``query`` sends files or is not a POST form call (``data`` a dict),
            or one of its values cannot be encoded as JSON (the message names the parameter;
            the bundle is unchanged and stays usable).
        :return: the item that will hold the result.
        """
        if not isinstance(query, BaseQuery):
            raise TypeError('query must be a service query object (like api.Study.get(uuid=...)), got {0}'.format(
                type(query).__name__))
        args = query.request_args
        if args.files is not None or args.json is not None or args.params is not None or args.method != 'POST' \
                or not isinstance(args.data, (dict, type(None))):
            raise ValueError('query {0} cannot be bundled: only form POST calls without files can'.format(query.url))
        if not query.url.startswith('/') or query.url.rstrip('/') == BUNDLE_URL:
            raise ValueError('query URL {0!r} cannot be bundled'.format(query.url))
        item = BundleItem(query, self._encode(query))
        with self._lock:
            self._items.append(item)
        return item

    def run(self, queries: Optional[Iterable[BaseQuery]] = None) -> List[BundleItem]:
        """Add ``queries`` (if given) and send every call not sent yet.

        Errors of single calls do not stop the others: each item holds its
        result or its error.

        :param queries: service query objects to add first.
        :return: the items sent by this run, in the order they were added.
        """
        for query in queries or ():
            self.add(query)
        with self._lock:
            first, end = self._sent, len(self._items)
            self._sent = end
        if first == end:
            return []
        size = self.chunk_size
        count = -(-(end - first) // size)
        logger.info('Bundle: %d calls in %d chunks', end - first, count)
        everything = self._items
        chunks = (everything[start:min(start + size, end)] for start in range(first, end, size))  # one at a time
        if self.workers == 1 or count == 1:
            for chunk in chunks:
                self._run_chunk(chunk)
        else:
            self._run_parallel(chunks, min(self.workers, count))
        return everything[first:end]

    def _run_parallel(self, chunks: Iterator[List[BundleItem]], workers: int) -> None:
        """Send the chunks with ``workers`` threads, never more than ``workers`` chunks in flight."""
        with ThreadPoolExecutor(max_workers=workers) as pool:
            running: Set[Future] = set()
            for chunk in chunks:
                if len(running) >= workers:
                    finished, running = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        future.result()
                running.add(pool.submit(self._run_chunk, chunk))
            for future in running:
                future.result()

    @property
    def items(self) -> List[BundleItem]:
        """Every item added to this bundle, sent or not, in order."""
        with self._lock:
            return list(self._items)

    def __enter__(self) -> 'Bundle':
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Any) -> None:
        if exc_type is None:
            self.run()
        else:
            with self._lock:
                self._sent = len(self._items)

    # ------------------------------------------------------------------ chunks
    def _run_chunk(self, items: Sequence[BundleItem]) -> None:
        """Send one chunk, then once more the calls refused for a stale sid."""
        pending = list(items)
        relogged = False
        while pending:
            needs_sid = any(item.query._required_sid for item in pending)
            try:
                sid = self._api.get_sid() if needs_sid else None
                answers = self._send(pending, sid)
            except (AmbraException, requests.RequestException) as error:
                for item in pending:
                    item._set(error=error)
                return
            stale = []
            for item, answer in zip(pending, answers):
                if _status(answer) == 401 and item.query._required_sid and not relogged:
                    stale.append(item)
                else:
                    _resolve(item, answer)
            if not stale:
                return
            try:
                self._api._refresh_sid(sid)
            except MissingCredentials:
                for item in stale:
                    item._set(error=AuthorizationRequired())
                return
            except (AmbraException, requests.RequestException) as error:  # the new login failed
                for item in stale:
                    item._set(error=error)
                return
            pending, relogged = stale, True

    def _send(self, items: Sequence[BundleItem], sid: Optional[str]) -> List[Any]:
        """POST one chunk and return the list of answers (one per item)."""
        calls = [_with_sid(item, sid) for item in items]
        body = json.dumps(calls, separators=(',', ':'), allow_nan=False).encode('utf-8')  # checked by add()
        request_args = RequestArgs(
            method='POST',
            url=BUNDLE_URL,
            full_url=self._api.service_full_url(BUNDLE_URL),
            data=body,
            headers={'Content-Type': 'application/json'},
        )
        reads_only = all(is_service_read(item.query.url) for item in items)
        attempt = 0
        while True:
            try:
                response = self._api.service_request(request_args=request_args, required_sid=False)
                if response.status_code in READ_RETRY_STATUSES and reads_only and attempt < READ_RESENDS:
                    raise _Resend()
                check_response(response, None)
                return _answers(response, len(items))
            except (_Resend, requests.ConnectionError, requests.exceptions.ChunkedEncodingError,
                    BundleAnswerError) as error:
                if not reads_only or attempt >= READ_RESENDS:
                    raise
                attempt += 1
                logger.info('Bundle chunk of %d reads failed (%s); sending it again', len(items),
                            type(error).__name__)
                time.sleep(_BACKOFF * attempt)

    def _encode(self, query: BaseQuery) -> Dict[str, Any]:
        """The call of ``query`` as it goes in the bundle (without the sid), checked to encode as JSON.

        :raises ValueError: a value cannot be cast or encoded (the message names the parameter, not the value).
        """
        data = query.request_args.data or {}
        call: Dict[str, Any] = {'URL': query.url}
        for key, value in data.items():
            if value is None or key == 'URL':
                continue
            try:
                encoded = _json_value(cast_argument(value) if self._api._autocast_arguments else value)
                json.dumps(encoded, allow_nan=False)
            except (TypeError, ValueError, RecursionError) as error:
                reason = type(error).__name__
            else:
                call[str(key)] = encoded
                continue
            raise ValueError('query {0}: the value of {1!r} cannot be encoded as JSON ({2}); '
                             'the call was not added'.format(query.url, str(key)[:100], reason))
        return call


def _with_sid(item: BundleItem, sid: Optional[str]) -> Dict[str, Any]:
    call = dict(item._call or {'URL': item.query.url})
    if item.query._required_sid and sid is not None:
        call['sid'] = sid
    return call


class _Resend(Exception):  # noqa: N818 (internal signal)
    """A chunk of reads got a status worth sending it again."""


class BundleAnswerError(ServiceResponseError):
    """The answer of a chunk is not a JSON array of one answer per call."""


def _bounded_int(name: str, value: Any, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise ValueError('{0} must be an int from 1 to {1}, got {2!r}'.format(name, maximum, value))
    return value


def _status(answer: Any) -> Optional[int]:
    status = answer.get('HTTP_STATUS_CODE') if isinstance(answer, dict) else None
    if isinstance(status, str) and status.isdigit():
        status = int(status)
    return status if isinstance(status, int) and not isinstance(status, bool) else None


def _answers(response: requests.Response, expected: int) -> List[Any]:
    """Decode the answer of a chunk: a JSON array with one object per call."""
    try:
        answers = bounded_json_loads(response.content, max_bytes=None)  # read within api.max_body_bytes
    except UnreadableJson:
        answers = None
    if not isinstance(answers, list) or len(answers) != expected:
        raise BundleAnswerError(
            code=response.status_code,
            description='The bundle answer is not a JSON array of {0} answers'.format(expected),
            response_text=None,
        )
    return answers


def _resolve(item: BundleItem, answer: Any) -> None:
    """Turn one answer of a bundle into the item's result or error, as a single call would."""
    response = requests.Response()
    response.status_code = _status(answer) or 0
    body = {key: value for key, value in answer.items() if key != 'HTTP_STATUS_CODE'} if isinstance(
        answer, dict) else answer
    try:
        response._content = json.dumps(body).encode('utf-8')
    except (ValueError, RecursionError):  # absurdly nested
        item._set(error=BundleAnswerError(code=response.status_code, description='The answer cannot be read'))
        return
    response.encoding = 'utf-8'
    response.headers['Content-Type'] = 'application/json'
    query = item.query
    try:
        check_response(response, query._errors_mapping)
        item._set(result=build_result(response, query.return_constructor))
    except AmbraException as error:
        item._set(error=error)
