"""A bounded thread pool map and the retry policy for transient HTTP failures."""

import logging
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Callable, Dict, Iterable, Iterator, Set, Tuple, TypeVar

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


def is_transient(error: BaseException) -> bool:
    """Tell whether another attempt of the same request may succeed.

    Connection errors (refused, reset, dropped), timeouts, truncated bodies,
    exhausted urllib3 retries and 502/503/504 answers are transient.

    :param error: the exception of an attempt.
    """
    if isinstance(error, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
        return True
    if isinstance(error, (requests.exceptions.ChunkedEncodingError, requests.exceptions.RetryError)):
        return True
    if isinstance(error, AmbraResponseException):
        return error.code in TRANSIENT_STATUSES
    from ambra_sdk.exceptions.storage import IncompleteDownload

    return isinstance(error, (IncompleteDownload, ConnectionError))


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
            if tries >= retries or not is_transient(error):
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
    completion order with their (done) future.

    :param func: the work of one item.
    :param items: the items.
    :param max_workers: threads.
    :yields: ``(item, future)``.
    """
    window = 2 * max_workers
    source = iter(items)
    pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix='ambra-addon')
    pending: Set[Future[R]] = set()
    owners: Dict[Future[R], T] = {}
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) < window:
                item = next(source, _END)
                if item is _END:
                    exhausted = True
                    break
                future = pool.submit(func, item)  # type: ignore[arg-type]
                pending.add(future)
                owners[future] = item  # type: ignore[assignment]
            if not pending:
                return
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                yield owners.pop(future), future
    finally:
        # on an error or an interrupt (or a consumer that stops early) queued
        # items are dropped; the ones already running finish
        pool.shutdown(wait=True, cancel_futures=True)


_END = object()
