"""The emulator's event bus: what the state tells the websocket channel.

:class:`~ambra_sdk.emulator.state.State` owns one :class:`EventBus` and calls
its two hook points after a write:

* :meth:`EventBus.study_saved` (``add_study``, ``update_study``,
  ``merge_study``): ``READY`` on ``study.<storage_namespace>`` when the study
  is not a phantom and was one (or did not exist) before, else ``EDIT``;
* :meth:`EventBus.job_saved` (``add_job``, ``update_job``): ``DONE`` on
  ``job.<namespace>`` when the job finishes (reaches ``DONE`` or
  ``FAILED``; the event's ``state`` says which).

Listeners (the channel hub of :mod:`ambra_sdk.emulator.channel`) get
``(channel, event, fields)`` and must not block: they only queue the event.
An event can come out of a transaction that later rolls back; clients
confirm with a service call (as the SDK does), so a spurious event costs one
extra ``/study/get``.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Mapping, Optional

__all__ = ['EventBus', 'Listener', 'READY', 'EDIT', 'DONE', 'study_channel', 'job_channel']

logger = logging.getLogger(__name__)

#: Event of ``study.<namespace>``: a study stopped being a phantom.
READY = 'READY'
#: Event of ``study.<namespace>``: a study changed.
EDIT = 'EDIT'
#: Event of ``job.<namespace>``: a storage job finished.
DONE = 'DONE'

#: Job states after which a job is finished.
_FINAL_JOB_STATES = frozenset((DONE, 'FAILED'))

#: ``listener(channel, event, fields)``.
Listener = Callable[[str, str, Mapping[str, Any]], None]


def study_channel(namespace: str) -> str:
    """Channel name of the studies of a storage namespace."""
    return 'study.{0}'.format(namespace)


def job_channel(namespace: str) -> str:
    """Channel name of the storage jobs of a namespace."""
    return 'job.{0}'.format(namespace)


def _is_phantom(study: Optional[Mapping[str, Any]]) -> bool:
    if study is None:
        return True
    try:
        return int(study.get('phantom') or 0) != 0
    except (TypeError, ValueError):
        return True


class EventBus:
    """Thread-safe fan-out of emulator events to listeners."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._closers: list[Callable[[], None]] = []
        #: The emulator's fault rules (the app sets them; the channel applies message-level faults).
        self.faults: Optional[Any] = None

    def listen(self, listener: Listener, on_close: Optional[Callable[[], None]] = None) -> None:
        """Add a listener (and what to call when the bus closes)."""
        with self._lock:
            self._listeners.append(listener)
            if on_close is not None:
                self._closers.append(on_close)

    def publish(self, channel: str, event: str, **fields: Any) -> None:
        """Hand one event to every listener (a failing listener is logged and skipped)."""
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(channel, event, fields)
            except Exception:  # noqa: BLE001 - an event must never fail a state write
                logger.exception('Emulator event listener failed for %s %s', channel, event)

    def close(self) -> None:
        """Tell the listeners the emulator stops (the channel closes its connections)."""
        with self._lock:
            closers, self._closers, self._listeners = self._closers, [], []
        for closer in closers:
            closer()

    # ------------------------------------------------------------ hook points

    def study_saved(self, before: Optional[Mapping[str, Any]], after: Optional[Mapping[str, Any]]) -> None:
        """Hook of the state: a study row was written (``before`` None: it is new)."""
        if after is None or not after.get('storage_namespace'):
            return
        ready = not _is_phantom(after) and _is_phantom(before)
        self.publish(
            study_channel(str(after['storage_namespace'])),
            READY if ready else EDIT,
            study_uid=after.get('study_uid'),
            uuid=after.get('uuid'),
            storage_namespace=after.get('storage_namespace'),
        )

    def job_saved(self, before: Optional[Mapping[str, Any]], after: Optional[Mapping[str, Any]]) -> None:
        """Hook of the state: a job row was written (``before`` None: it is new)."""
        state = str((after or {}).get('state') or '').upper()
        if after is None or state not in _FINAL_JOB_STATES:
            return
        if before is not None and str(before.get('state') or '').upper() == state:
            return
        namespace = after.get('namespace')
        if not namespace:
            return
        self.publish(job_channel(str(namespace)), DONE, job_id=after.get('id'), state=state)
