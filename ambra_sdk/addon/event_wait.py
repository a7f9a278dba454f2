"""Wait for a server-side change: woken by a websocket event when the channel is there, else by polling.

The one helper of every addon wait (``Study.wait``, ``Job.wait`` and the
``*_and_get`` / ``*_and_wait`` helpers built on them); use it for any new
wait::

    outcome = wait_event_or_poll(
        api, probe, channel='study.{0}'.format(namespace_id), event='READY',
        timeout=timeout, ws_timeout=ws_timeout,
    )
    if outcome.done:
        return outcome.value

``probe()`` returns ``(done, value)``; it decides the outcome (the event only
cuts a pause short, as in the reference). With the ``ws`` extra installed
and a server that accepts the channel and the subscription, ``probe`` runs
once after subscribing, then after each matching event (or a re-subscribe
after a reconnect, since events may have been missed) and at least every
``ws_timeout`` seconds. Without the extra, or when the server refuses (no
endpoint, HTTP error, refused subscribe, no answer), it polls with back-off
(:func:`ambra_sdk.addon.polling.poll`, pauses capped at ``ws_timeout``).

Each wait logs its outcome at DEBUG on ``ambra_sdk.addon.event_wait``; the
record's ``wait_outcome`` attribute is the :class:`WaitOutcome`.
"""

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Generic, Iterable, NamedTuple, Optional, Tuple, TypeVar, Union

from ambra_sdk.addon.polling import interval_cap, poll

if TYPE_CHECKING:
    from ambra_sdk.service.ws.message import WSMessage
    from ambra_sdk.service.ws.ws import WSManager

T = TypeVar('T')

logger = logging.getLogger(__name__)

#: ``woken_by``: the first probe found it done.
WOKEN_FIRST = 'first'
#: ``woken_by``: a matching event (or a re-subscribe) came.
WOKEN_EVENT = 'event'
#: ``woken_by``: a pause ended (polling, or no event within ``ws_timeout``).
WOKEN_POLL = 'poll'
#: Longest wait for the channel's subscribe answer, in seconds (the reference's 10 s).
SUBSCRIBE_TIMEOUT = 10.0
#: Longest wait to open the channel, in seconds.
OPEN_TIMEOUT = 10.0


@dataclass
class WaitOutcome(Generic[T]):
    """How a wait ended.

    :ivar done: the probe reported done.
    :ivar value: the probe's last value.
    :ivar woken_by: what came just before the last probe: :data:`WOKEN_FIRST`,
        :data:`WOKEN_EVENT` or :data:`WOKEN_POLL`.
    :ivar subscribed: the wait listened to the channel (False: it polled).
    :ivar probes: how many times the probe ran.
    :ivar fallback: why it polled (None when subscribed).
    """

    done: bool
    value: T
    woken_by: str
    subscribed: bool
    probes: int
    fallback: Optional[str] = None


class OpenedChannel(NamedTuple):
    """What :func:`open_channel` gives.

    :ivar manager: the running, subscribed manager (None: not opened).
    :ivar sid: the sid it subscribed with.
    :ivar reason: why it was not opened (``''`` when it was).
    """

    manager: Optional['WSManager']
    sid: str = ''
    reason: str = ''


def _refused(reason: str) -> OpenedChannel:
    return OpenedChannel(None, '', reason)


def open_channel(api: Any, channel: str, timeout: float) -> OpenedChannel:
    """Open the websocket channel of ``api`` and subscribe, or say why not.

    :param api: the :class:`~ambra_sdk.api.Api`.
    :param channel: e.g. ``study.<namespace_id>``.
    :param timeout: seconds left for opening and subscribing.
    :return: an :class:`OpenedChannel` (stop its manager when done).
    """
    try:
        from ambra_sdk.service.ws.tls import ssl_context_for
        from ambra_sdk.service.ws.ws import WSError, WSManager
    except ImportError as error:  # pragma: no cover (the package itself needs no extra)
        return _refused(type(error).__name__)
    try:
        manager = WSManager(
            api.ws_url,
            ssl_context=ssl_context_for(api.service_session, api.ws_url),
            open_timeout=max(min(OPEN_TIMEOUT, timeout), 0.1),
            headers=dict(api.default_headers),
        )
    except ImportError:
        return _refused('the ws extra is not installed')
    except (ValueError, OSError) as error:
        return _refused(type(error).__name__)
    try:
        sid = api.sid
        manager.run()
        manager.subscribe(sid, channel, timeout=max(min(SUBSCRIBE_TIMEOUT, timeout), 0.1))
    except (WSError, TimeoutError, OSError, ValueError) as error:
        manager.stop()
        return _refused(str(error) if isinstance(error, WSError) else type(error).__name__)
    return OpenedChannel(manager, sid)


def _wakes(channel: str, events: Tuple[str, ...], sid: str) -> Callable[['WSMessage'], bool]:
    from ambra_sdk.service.ws.message import json_fields
    from ambra_sdk.service.ws.ws import sid_md5

    digest = sid_md5(sid)

    def matches(message: 'WSMessage') -> bool:
        body = json_fields(message)
        if body.get('channel') != channel:
            return False
        if 'event' in body:
            return body.get('event') in events and body.get('sid_md5') == digest
        return body.get('status') == 'OK'  # subscribed again after a reconnect: events may be lost

    return matches


def _listen(
    manager: 'WSManager',
    probe: Callable[[], Tuple[bool, T]],
    matches: Callable[['WSMessage'], bool],
    deadline: float,
    ws_timeout: float,
) -> WaitOutcome[T]:
    from ambra_sdk.service.ws.ws import WSError

    woken_by, probes = WOKEN_FIRST, 0
    while True:
        done, value = probe()
        probes += 1
        remaining = deadline - time.monotonic()
        if done or remaining <= 0:
            return WaitOutcome(done, value, woken_by, True, probes)
        try:
            manager.wait_for(matches, timeout=min(ws_timeout, remaining))
        except TimeoutError:
            woken_by = WOKEN_POLL
        except WSError:  # pragma: no cover (the worker only stops on stop())
            done, value = poll(probe, max(deadline - time.monotonic(), 0.0), ws_timeout)
            return WaitOutcome(done, value, WOKEN_POLL, True, probes + 1)
        else:
            woken_by = WOKEN_EVENT


def wait_event_or_poll(
    api: Any,
    probe: Callable[[], Tuple[bool, T]],
    *,
    channel: str,
    event: Union[str, Iterable[str]],
    timeout: float,
    ws_timeout: Optional[float],
    use_channel: bool = True,
) -> WaitOutcome[T]:
    """Call ``probe`` until it reports done or ``timeout`` passed, woken by ``event`` on ``channel``.

    :param api: the :class:`~ambra_sdk.api.Api` (its ``ws_url``, ``sid`` and TLS settings).
    :param probe: returns ``(done, value)``; its exceptions propagate (the channel is closed).
    :param channel: e.g. ``study.<namespace_id>`` or ``job.<namespace_id>``.
    :param event: the event that may mean done, e.g. ``READY`` or ``DONE``
        (or several, e.g. ``('READY', 'EDIT')``).
    :param timeout: seconds in all.
    :param ws_timeout: longest pause between two probes (None/non-positive: 5 s).
    :param use_channel: False: poll without trying the channel.
    :return: a :class:`WaitOutcome`.
    """
    deadline = time.monotonic() + max(float(timeout), 0.0)
    cap = interval_cap(ws_timeout)
    events = (event,) if isinstance(event, str) else tuple(event)
    opened = open_channel(api, channel, timeout) if use_channel else _refused('use_channel=False')
    manager = opened.manager
    if manager is None:
        reason = opened.reason
        logger.debug('Waiting on %s by polling: %s', channel, reason)
        probes = 0

        def counted() -> Tuple[bool, T]:
            nonlocal probes
            probes += 1
            return probe()

        done, value = poll(counted, max(deadline - time.monotonic(), 0.0), cap)
        woken_by = WOKEN_FIRST if probes == 1 else WOKEN_POLL
        outcome = WaitOutcome(done, value, woken_by, False, probes, reason)
    else:
        try:
            outcome = _listen(manager, probe, _wakes(channel, events, opened.sid), deadline, cap)
        finally:
            manager.stop()
    logger.debug(
        'Wait on %s ended: done=%s, woken by %s, %d probe(s), %s',
        channel, outcome.done, outcome.woken_by, outcome.probes,
        'subscribed' if outcome.subscribed else 'polled',
        extra={'wait_outcome': outcome},
    )
    return outcome


__all__ = [
    'WaitOutcome', 'OpenedChannel', 'wait_event_or_poll', 'open_channel', 'WOKEN_FIRST', 'WOKEN_EVENT', 'WOKEN_POLL',
]
