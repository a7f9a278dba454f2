"""The emulator's processing step: work the real server does after a storage upload answers.

On the real server a stored image reaches the service API (``/study/get``,
``/study/list``, the ``study.<namespace>`` channel event) only after a
processing step that runs after the upload answered. :class:`Processor`
models it: storage hands it one piece of work per study (a callable) and a
single background thread runs it ``delay`` seconds later.

* ``delay == 0``: the work runs inline, in the request (the emulator's
  synchronous behaviour before processing was modelled).
* Work for a study that is still pending replaces the pending work (same
  key; it keeps its place and its due time): a study uploaded image by image
  is processed once per ``delay``, never once per image, so the queue holds
  at most one entry per study. At :attr:`Processor.max_pending` different
  studies pending, new work runs inline (the queue never grows without bound).
* :meth:`Processor.clear` drops what is pending (``emu.reset()``, a state
  wipe) and waits for the work that is running; :meth:`Processor.close`
  also stops the thread (the emulator stops).
* :meth:`Processor.wait` blocks until nothing is pending or running (tests of
  the emulator itself; an SDK user waits as on the real server, by polling or
  by the channel's events).

A failing piece of work is logged and dropped: processing never stops the
emulator.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Callable, Hashable, Optional, Tuple

__all__ = ['Processor', 'DEFAULT_PROCESSING_DELAY', 'MAX_PENDING', 'check_delay']

logger = logging.getLogger(__name__)

#: Seconds between a storage upload's answer and its service study (see ``docs/source/emulator.rst``).
DEFAULT_PROCESSING_DELAY = 0.2
#: Studies that may wait for processing at once; more run inline.
MAX_PENDING = 10_000

Work = Callable[[], None]


def check_delay(value: float) -> float:
    """``value`` as a processing delay in seconds.

    :raises ValueError: not a finite number >= 0.
    """
    delay = float(value)
    if not 0 <= delay < float('inf'):
        raise ValueError('processing delay must be a finite number of seconds >= 0')
    return delay


class Processor:
    """One background thread that runs deferred work ``delay`` seconds after it was submitted.

    :param delay: seconds between :meth:`submit` and the run (0: inline).
    :param max_pending: most keys pending at once (more run inline).
    """

    def __init__(self, delay: float = 0.0, max_pending: int = MAX_PENDING) -> None:
        self._cond = threading.Condition()
        self._pending: OrderedDict[Hashable, Tuple[float, Work]] = OrderedDict()
        self._running = 0
        self._closed = False
        self._thread: Optional[threading.Thread] = None
        self._delay = 0.0
        self.max_pending = int(max_pending)
        self.delay = delay

    @property
    def delay(self) -> float:
        """Seconds between a submit and its run (0: work runs inline)."""
        return self._delay

    @delay.setter
    def delay(self, value: float) -> None:
        delay = check_delay(value)
        with self._cond:
            self._delay = delay
            self._cond.notify_all()

    @property
    def pending(self) -> int:
        """Pieces of work waiting or running."""
        with self._cond:
            return len(self._pending) + self._running

    def submit(self, key: Hashable, work: Work) -> None:
        """Run ``work`` after :attr:`delay` seconds (inline when 0, when closed or when the queue is full).

        :param key: what the work is about (e.g. a study); pending work of the
            same key is replaced by ``work``.
        """
        with self._cond:
            if key in self._pending and not self._closed:
                due, _ = self._pending[key]
                self._pending[key] = (due, work)
                return
            if self._delay > 0 and not self._closed and len(self._pending) < self.max_pending:
                self._pending[key] = (time.monotonic() + self._delay, work)
                self._start()
                self._cond.notify_all()
                return
        work()

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Block until no work is pending or running; False when ``timeout`` seconds passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._pending or self._running:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def clear(self, timeout: float = 5.0) -> int:
        """Drop the pending work and wait (at most ``timeout`` s) for the running one; return how many went."""
        with self._cond:
            dropped = len(self._pending)
            self._pending.clear()
            self._cond.notify_all()
            deadline = time.monotonic() + timeout
            while self._running and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
        return dropped

    def close(self, timeout: float = 5.0) -> None:
        """Drop the pending work and stop the thread (later submits run inline)."""
        with self._cond:
            self._closed = True
            self._pending.clear()
            self._cond.notify_all()
            thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    # ------------------------------------------------------------ the thread

    def _start(self) -> None:
        """Start the thread (under the condition's lock) unless it runs."""
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name='ambra-emulator-processing', daemon=True)
            self._thread.start()

    def _next(self) -> Optional[Work]:
        """The next due work (waiting for it), or None when closed."""
        with self._cond:
            while not self._closed:
                if not self._pending:
                    self._cond.wait()
                    continue
                key, (due, work) = next(iter(self._pending.items()))
                left = due - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                del self._pending[key]
                self._running += 1
                return work
        return None

    def _loop(self) -> None:
        while True:
            work = self._next()
            if work is None:
                return
            try:
                work()
            except Exception:  # noqa: BLE001 - a failed piece of processing must not stop the emulator
                logger.exception('Emulator processing step failed; its result is dropped')
            finally:
                with self._cond:
                    self._running -= 1
                    self._cond.notify_all()
