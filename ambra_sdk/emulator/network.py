"""The shape of a real network on loopback: round-trip latency and throughput caps.

``python -m ambra_sdk.emulator --network rtt=40ms,conn=50Mbit,total=1Gbit``
(or ``Emulator(network='rtt=40ms,conn=50Mbit,total=1Gbit')``) makes every
connection of the emulator behave as if it crossed a link with:

* ``rtt``: a round trip added to every request (its answer starts ``rtt``
  later than without the profile) and one more to the first request of a
  connection (the TCP handshake);
* ``conn``: a cap on each connection's throughput, in each direction
  (request bodies the server reads, answers it writes);
* ``total``: a cap on the throughput of all connections together, in each
  direction (a full-duplex link: uploads and downloads do not share it).

The caps are token buckets kept as a virtual clock (:class:`TokenBucket`):
bytes are handed over in pieces of at most :data:`PIECE` bytes, each piece
waits until both the connection's and the total bucket have room for it.
The shaping is applied in one place: :meth:`NetworkShaper.wrap` replaces the
reader and the writer of each connection of the server
(:meth:`ambra_sdk.emulator.handler.EmulatorRequestHandler.setup`). A
request body the client sends faster than the cap waits in the kernel's
socket buffers, as it would in a router's queue; the server reads it at the
capped rate, so the upload ends at that rate.

Profile syntax: comma-separated ``key=value``; keys ``rtt`` (``40ms``,
``0.04s``, ``500us``, ``0``), ``conn`` and ``total`` (``50Mbit``, ``1Gbit``,
``800kbit``, ``10MB``, ``10MiB`` per second; ``0``/``none``: no cap).
Decimal units as network rates are written (``1Mbit`` = 10**6 bits/s,
``1MB`` = 10**6 bytes/s); ``KiB``/``MiB``/``GiB`` are binary.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any, List, NamedTuple, Optional, Tuple, Union

__all__ = ['NetworkProfile', 'NetworkShaper', 'TokenBucket', 'Traffic', 'parse_network', 'PIECE', 'BURST_SECONDS']

#: Largest piece of bytes handed over at once (smaller pieces: smoother, more CPU).
PIECE = 64 * 1024
#: Seconds of traffic a bucket may let through at once after an idle time.
BURST_SECONDS = 0.02

_RATE_UNITS = {
    'bit': 1 / 8, 'kbit': 1e3 / 8, 'mbit': 1e6 / 8, 'gbit': 1e9 / 8,
    'b': 1.0, 'kb': 1e3, 'mb': 1e6, 'gb': 1e9,
    'kib': 1024.0, 'mib': 1024.0 ** 2, 'gib': 1024.0 ** 3,
}
_TIME_UNITS = {'us': 1e-6, 'ms': 1e-3, 's': 1.0}
_VALUE = re.compile(r'\s*([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*([a-zA-Z]*)(?:/s)?\s*\Z')


class NetworkProfile(NamedTuple):
    """A parsed profile: seconds and bytes per second (None: no cap)."""

    rtt: float = 0.0
    conn: Optional[float] = None
    total: Optional[float] = None

    def limit(self, streams: int) -> Optional[float]:
        """The physical limit of ``streams`` parallel connections, bytes/s: ``min(total, streams x conn)``.

        :param streams: connections transferring at once.
        :return: bytes per second, None when neither cap is set.
        """
        caps = [cap for cap in (self.total, None if self.conn is None else streams * self.conn) if cap is not None]
        return min(caps) if caps else None

    def __str__(self) -> str:
        """The profile in the syntax :func:`parse_network` reads."""
        parts = ['rtt={0:g}ms'.format(self.rtt * 1000)]
        for key in ('conn', 'total'):
            rate = getattr(self, key)
            if rate is not None:
                parts.append('{0}={1:g}Mbit'.format(key, rate * 8 / 1e6))
        return ','.join(parts)


def _number(key: str, value: str, units: dict, default_unit: Optional[str]) -> float:
    match = _VALUE.match(value)
    unit = match.group(2).lower() if match else ''
    if match and not unit and default_unit is not None and float(match.group(1)) == 0:
        unit = default_unit
    if not match or unit not in units:
        raise ValueError('network profile: {0}={1!r} is not a {2} ({3})'.format(
            key, value, 'duration' if key == 'rtt' else 'rate', ', '.join(sorted(units))))
    return float(match.group(1)) * units[unit]


def parse_network(text: Union[str, NetworkProfile, None]) -> NetworkProfile:
    """Read a profile such as ``rtt=40ms,conn=50Mbit,total=1Gbit`` (see the module docstring).

    :param text: the profile, an already parsed one, or None / ``''`` (no shaping).
    :return: the profile (a missing key: no latency, no cap).
    :raises ValueError: an unknown key, a repeated key, or a value without a known unit.
    """
    if isinstance(text, NetworkProfile):
        return text
    if text is None or not text.strip():
        return NetworkProfile()
    if not isinstance(text, str):
        raise ValueError('network profile must be a str, got {0}'.format(type(text).__name__))
    values: dict = {}
    for item in text.split(','):
        key, sep, value = item.partition('=')
        key = key.strip().lower()
        if not sep or key not in ('rtt', 'conn', 'total'):
            raise ValueError('network profile: {0!r} is not rtt=..., conn=... or total=...'.format(item.strip()))
        if key in values:
            raise ValueError('network profile: {0} given twice'.format(key))
        if key == 'rtt':
            values[key] = _number(key, value, _TIME_UNITS, 'ms')
        elif value.strip().lower() in ('none', 'off', '0'):
            values[key] = None
        else:
            rate = _number(key, value, _RATE_UNITS, None)
            if rate <= 0:
                raise ValueError('network profile: {0} must be positive'.format(key))
            values[key] = rate
    return NetworkProfile(**values)


class TokenBucket:
    """A rate cap shared by threads, kept as a virtual clock.

    The bucket's clock is the time at which the bytes reserved so far will
    have passed at ``rate``; it never lags the real time by more than
    ``burst`` seconds (an idle bucket refills up to ``burst x rate`` bytes).

    :param rate: bytes per second.
    :param burst: seconds of traffic allowed at once.
    """

    def __init__(self, rate: float, burst: float = BURST_SECONDS) -> None:
        self.rate = float(rate)
        self.burst = burst
        self._clock = 0.0
        self._lock = threading.Lock()

    def reserve(self, size: int, now: float) -> float:
        """Reserve ``size`` bytes; return the monotonic time at which they may pass.

        :param size: bytes.
        :param now: ``time.monotonic()``.
        """
        with self._lock:
            clock = max(self._clock, now - self.burst) + size / self.rate
            self._clock = clock
        return clock


def _pass(buckets: Tuple[TokenBucket, ...], size: int) -> None:
    """Wait until ``size`` bytes may pass every bucket."""
    now = time.monotonic()
    until = max(bucket.reserve(size, now) for bucket in buckets)
    if until > now:
        time.sleep(until - now)


class _Link:
    """The state of one connection: its buckets per direction and the round trips owed."""

    def __init__(self, shaper: NetworkShaper) -> None:
        profile = shaper.profile
        conn = () if profile.conn is None else (TokenBucket(profile.conn),)
        self.up = conn + shaper.total_up
        self.down = (() if profile.conn is None else (TokenBucket(profile.conn),)) + shaper.total_down
        self.rtt = profile.rtt
        self.traffic = shaper.traffic
        #: Round trips to wait before the next request is read: the handshake, then one per request.
        self.owed = 2 if profile.rtt else 0

    def arrived(self) -> None:
        """Bytes of a new request arrived: wait the round trips owed."""
        if self.owed:
            time.sleep(self.owed * self.rtt)
            self.owed = 0


class ShapedReader:
    """The connection's reader, at the capped rate; a new request waits its round trip.

    :param raw: the buffered reader of the socket.
    :param link: the connection's state.
    """

    def __init__(self, raw: Any, link: _Link) -> None:
        self._raw = raw
        self._link = link

    def _shaped(self, data: bytes) -> bytes:
        if data:
            self._link.arrived()
            self._link.traffic.count(len(data), 0)
            if self._link.up:
                _pass(self._link.up, len(data))
        return data

    def read(self, size: Optional[int] = -1) -> bytes:
        """Read up to ``size`` bytes (all until EOF when negative), in shaped pieces."""
        pieces: List[bytes] = []
        if size is None or size < 0:
            while True:
                piece = self._shaped(self._raw.read1(PIECE))
                if not piece:
                    return b''.join(pieces)
                pieces.append(piece)
        left = size
        while left > 0:
            piece = self._shaped(self._raw.read(min(left, PIECE)))
            if not piece:
                break
            pieces.append(piece)
            left -= len(piece)
        return pieces[0] if len(pieces) == 1 else b''.join(pieces)

    def read1(self, size: int = -1) -> bytes:
        """At most one piece (``BufferedReader.read1``)."""
        return self._shaped(self._raw.read1(PIECE if size is None or size < 0 else min(size, PIECE)))

    def readinto(self, buffer: Any) -> int:
        """Read into ``buffer`` (one piece at most)."""
        view = memoryview(buffer)
        data = self.read1(len(view))
        view[:len(data)] = data
        return len(data)

    def readline(self, size: Optional[int] = -1) -> bytes:
        """Read one line (shaped as a whole)."""
        return self._shaped(self._raw.readline(-1 if size is None else size))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


class ShapedWriter:
    """The connection's writer, at the capped rate; it marks the end of a request.

    :param raw: the socket writer.
    :param link: the connection's state.
    """

    def __init__(self, raw: Any, link: _Link) -> None:
        self._raw = raw
        self._link = link

    def write(self, data: Any) -> int:
        """Write ``data`` in shaped pieces."""
        view = memoryview(data).cast('B')
        self._link.owed = 1 if self._link.rtt else 0  # the next bytes read are a new request
        self._link.traffic.count(0, len(view))
        buckets = self._link.down
        if not buckets:
            return int(self._raw.write(data) or len(view))
        for start in range(0, len(view), PIECE):
            piece = view[start:start + PIECE]
            _pass(buckets, len(piece))
            self._raw.write(piece)
        return len(view)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


class Traffic:
    """Bytes that crossed the shaped connections, each way (thread-safe counters).

    Everything read from and written to the sockets counts: request lines,
    headers and bodies, so a bench can tell the physical limit of what
    really crossed the link (:meth:`NetworkProfile.limit` covers the rate,
    these the bytes).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.received = 0
        self.sent = 0

    def count(self, received: int, sent: int) -> None:
        """Add bytes read from clients (``received``) and written to them (``sent``)."""
        with self._lock:
            self.received += received
            self.sent += sent

    def snapshot(self) -> Tuple[int, int]:
        """``(received, sent)`` so far."""
        with self._lock:
            return self.received, self.sent


class NetworkShaper:
    """A server's profile with its total buckets; :meth:`wrap` shapes one connection.

    :param profile: the profile (or its text, see :func:`parse_network`).
    """

    def __init__(self, profile: Union[str, NetworkProfile]) -> None:
        self.profile = parse_network(profile)
        total = self.profile.total
        self.total_up: Tuple[TokenBucket, ...] = () if total is None else (TokenBucket(total),)
        self.total_down: Tuple[TokenBucket, ...] = () if total is None else (TokenBucket(total),)
        #: Bytes of every shaped connection, each way.
        self.traffic = Traffic()

    @property
    def shapes(self) -> bool:
        """False when the profile adds nothing (rtt 0, no cap)."""
        return bool(self.profile.rtt or self.profile.conn or self.profile.total)

    def wrap(self, reader: Any, writer: Any) -> Tuple[Any, Any]:
        """Return the reader and writer of a new connection, shaped.

        :param reader: the buffered reader of the connection.
        :param writer: its writer.
        """
        link = _Link(self)
        return ShapedReader(reader, link), ShapedWriter(writer, link)
