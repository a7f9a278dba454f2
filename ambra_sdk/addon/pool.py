"""A bounded thread pool map, the retry policy for transient failures, and the stop on permanent ones."""

import json
import logging
import queue
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from enum import Enum
from typing import Callable, Dict, Iterable, Iterator, Optional, Tuple, TypeVar

import requests

from ambra_sdk.exceptions.base import AmbraResponseException

logger = logging.getLogger(__name__)

T = TypeVar('T')
R = TypeVar('R')

#: Default number of parallel transfers.
DEFAULT_MAX_WORKERS = 4
#: Default number of extra attempts per file after a transient failure.
DEFAULT_RETRIES = 3
#: First pause before a retry (seconds); it doubles each time.
RETRY_BACKOFF = 0.2
#: Statuses worth another attempt (the storage session's own retry list).
TRANSIENT_STATUSES = frozenset((502, 503, 504))


def check_workers(max_workers: int) -> int:
    """Validate ``max_workers``.

    :param max_workers: positive int.
    :raises ValueError: otherwise.
    :return: the value.
    """
    if isinstance(max_workers, bool) or not isinstance(max_workers, int) or max_workers < 1:
        raise ValueError('max_workers must be a positive int, got {!r}'.format(max_workers))
    return max_workers


class ErrorKind(Enum):
    """What an error of one item (a file, an image) says about the others."""

    #: Another attempt of the same request may succeed (retried).
    TRANSIENT = 'transient'
    #: No attempt of any item can succeed (TLS trust, authorization, a missing
    #: namespace, an invalid argument): the run stops.
    PERMANENT = 'permanent'
    #: This item failed; the others may still succeed.
    ITEM = 'item'


#: Texts of TLS errors that no retry fixes: the certificate is not trusted or
#: names another host, or the server speaks plain HTTP (the message
#: :func:`ambra_sdk.api.errors.plain_http_message` gives the sessions' errors).
TLS_PERMANENT_MARKERS = (
    'CERTIFICATE_VERIFY_FAILED',
    'certificate verify failed',
    "doesn't match",
    'does not match',
    'Hostname mismatch',
    'self signed certificate',
    'self-signed certificate',
    'speaks plain HTTP',
)
#: Statuses meaning "not allowed" (after the one re-login of ``api.retry_with_new_sid``).
DENIED_STATUSES = frozenset((401, 403))


def _is_permanent_tls(error: BaseException) -> bool:
    text = str(error)
    return any(marker in text for marker in TLS_PERMANENT_MARKERS)


def _is_permanent_not_found(error: AmbraResponseException) -> bool:
    """A 404 that is not about one object (image, series, attachment): the namespace or the endpoint."""
    from ambra_sdk.exceptions import storage

    per_object = (
        storage.ImageNotFound, storage.ImagesNotFound, storage.SeriesNotFound,
        storage.AttachmentNotFoundException, storage.DownstreamNotAvailable,
    )
    return error.code == 404 and not isinstance(error, per_object)


def _is_invalid_argument(error: BaseException) -> bool:
    """A ``ValueError``/``TypeError`` of the SDK's argument checks (the same for every item)."""
    if not isinstance(error, (ValueError, TypeError)):
        return False
    from ambra_sdk.addon.dicom_io import NotDicom
    from ambra_sdk.addon.exceptions import AddonException

    item_errors = (json.JSONDecodeError, UnicodeError, requests.exceptions.RequestException, NotDicom, AddonException)
    return not isinstance(error, item_errors)


def classify_error(error: BaseException) -> ErrorKind:
    """Tell whether an item's error is worth a retry, stops the whole run, or concerns that item only.

    THE classification of the addon's pool (uploads, downloads, chunks):

    * permanent: a TLS certificate that is not trusted or names another
      host, a TLS handshake answered in plain HTTP; a 401 or 403 (the
      session already logged in again once); a 404 that is not about one
      image, series or attachment (the namespace or the endpoint is not
      there); an invalid argument (a ``ValueError``/``TypeError`` of the
      SDK's checks);
    * transient: connection errors (refused, reset, dropped), timeouts,
      truncated bodies, exhausted urllib3 retries, 502/503/504 answers;
    * anything else concerns the item (a file the server refuses, an image
      that does not match its schema...).

    :param error: the exception of an attempt.
    :return: its :class:`ErrorKind`.
    """
    if isinstance(error, requests.exceptions.SSLError):
        return ErrorKind.PERMANENT if _is_permanent_tls(error) else ErrorKind.TRANSIENT
    if isinstance(error, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
        return ErrorKind.TRANSIENT
    if isinstance(error, (requests.exceptions.ChunkedEncodingError, requests.exceptions.RetryError)):
        return ErrorKind.TRANSIENT
    if isinstance(error, AmbraResponseException):
        if error.code in TRANSIENT_STATUSES:
            return ErrorKind.TRANSIENT
        if error.code in DENIED_STATUSES or _is_permanent_not_found(error):
            return ErrorKind.PERMANENT
        return ErrorKind.ITEM
    from ambra_sdk.exceptions.storage import IncompleteDownload

    if isinstance(error, (IncompleteDownload, ConnectionError)):
        return ErrorKind.TRANSIENT
    return ErrorKind.PERMANENT if _is_invalid_argument(error) else ErrorKind.ITEM


def is_transient(error: BaseException) -> bool:
    """Tell whether another attempt of the same request may succeed (see :func:`classify_error`).

    :param error: the exception of an attempt.
    """
    return classify_error(error) is ErrorKind.TRANSIENT


def is_permanent(error: BaseException) -> bool:
    """Tell whether no item of the run can succeed after ``error`` (see :func:`classify_error`).

    :param error: the exception of an attempt.
    """
    return classify_error(error) is ErrorKind.PERMANENT


class StopSwitch:
    """Stops a pool run at its first permanent error (thread safe).

    Each item's work asks :attr:`stopped` before starting (an item not
    started is reported as not done) and hands its final error to
    :meth:`record`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._error: Optional[BaseException] = None

    @property
    def stopped(self) -> bool:
        """True once a permanent error was recorded."""
        return self._error is not None

    @property
    def stopped_by(self) -> Optional[BaseException]:
        """The first permanent error, or None."""
        return self._error

    def record(self, error: BaseException) -> bool:
        """Stop the run when ``error`` is permanent.

        :param error: the final error of one item.
        :return: True when it is permanent.
        """
        if not is_permanent(error):
            return False
        with self._lock:
            if self._error is None:
                self._error = error
                logger.warning('Stopping: %s cannot be fixed by a retry', type(error).__name__)
        return True


def with_retries(
    attempt: Callable[[], R],
    retries: int,
    what: str,
    sleep: Callable[[float], None] = time.sleep,
) -> R:
    """Call ``attempt`` until it succeeds, retrying transient failures.

    :param attempt: one try (it must rewind whatever it sends).
    :param retries: extra attempts allowed after the first.
    :param what: names the operation in log lines.
    :param sleep: the sleep function.
    :return: what ``attempt`` returns.
    :raises Exception: the last error, or the first non-transient one.
    """
    pause = RETRY_BACKOFF
    tries = 0
    while True:
        try:
            return attempt()
        except Exception as error:  # noqa: BLE001 (classified below)
            if tries >= retries or not is_transient(error):  # permanent and item errors are not retried
                raise
            tries += 1
            logger.info('%s: transient %s, attempt %d of %d', what, type(error).__name__, tries + 1, retries + 1)
            sleep(pause)
            pause *= 2


def bounded_map(
    func: Callable[[T], R],
    items: Iterable[T],
    max_workers: int,
) -> Iterator[Tuple[T, 'Future[R]']]:
    """Run ``func`` on ``items`` in a thread pool with a bounded queue.

    At most ``2 * max_workers`` items are in flight, so a huge iterable is
    never turned into a huge list of futures. Finished items are yielded in
    completion order with their (done) future. Each future puts itself on
    a queue when done, so a completion costs the same whatever the window
    (``concurrent.futures.wait`` installs and removes a waiter on every
    pending future at each call).

    :param func: the work of one item.
    :param items: the items.
    :param max_workers: threads.
    :yields: ``(item, future)``.
    """
    window = 2 * max_workers
    source = iter(items)
    pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix='ambra-addon')
    done: queue.SimpleQueue[Future[R]] = queue.SimpleQueue()
    owners: Dict[Future[R], T] = {}
    exhausted = False
    try:
        while True:
            while not exhausted and len(owners) < window:
                item = next(source, _END)
                if item is _END:
                    exhausted = True
                    break
                future = pool.submit(func, item)  # type: ignore[arg-type]
                owners[future] = item  # type: ignore[assignment]
                future.add_done_callback(done.put)
            if not owners:
                return
            future = done.get()
            yield owners.pop(future), future
    finally:
        # on an error or an interrupt (or a consumer that stops early) queued
        # items are dropped; the ones already running finish
        pool.shutdown(wait=True, cancel_futures=True)


_END = object()
