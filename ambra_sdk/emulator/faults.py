"""Fault injection: make chosen requests fail, stall, drop or lose their sid.

``emu.faults.add('/study/list', status=503, retry_after=2, times=1)``

Patterns are shell-style (:mod:`fnmatch`) and are matched against the path
relative to ``/api/v3`` (``/study/list``, ``/storage/study/*``) and against
the full path (``/api/v3/study/list``). ``times=None`` keeps the rule
forever; otherwise it fires that many times and is removed.

When ``status`` is not given, a rule answers 503 only if it has no other
effect; a rule with only ``delay`` (or ``expire_sid``, or ``corrupt_body``)
slows down (or un-authenticates, or damages) the request and then lets it
run normally. ``corrupt_body`` flips one bit of the first byte of the request
body as the handler reads it: the bytes that "arrived" differ from the ones
sent, as after a fault on the wire.
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Optional, Union

__all__ = ['CorruptingStream', 'Fault', 'FaultInjector', 'DEFAULT']


class _Default:
    def __repr__(self) -> str:
        return 'DEFAULT'


#: Sentinel for "status not given".
DEFAULT: Any = _Default()


@dataclass
class Fault:
    """One fault rule.

    :ivar path_pattern: fnmatch pattern for the path.
    :ivar status: HTTP status to answer with, or None to run the request normally.
    :ivar retry_after: value of the ``Retry-After`` header (seconds), if any.
    :ivar delay: seconds to sleep before answering.
    :ivar drop_connection: close the socket without answering.
    :ivar truncate_body: send the headers and half the body, then close the socket.
    :ivar expire_sid: expire the request's session first (the call gets a 401).
    :ivar corrupt_body: the handler reads the request body with one bit flipped.
    :ivar times: how many more times the rule fires (None = forever).
    :ivar error_type: for a 412 (or any status): answer the vendor error JSON with this type.
    :ivar method: only match this HTTP method (None = any).
    """

    path_pattern: str
    status: Optional[int] = None
    retry_after: Optional[Union[int, float, str]] = None
    delay: float = 0.0
    drop_connection: bool = False
    truncate_body: bool = False
    expire_sid: bool = False
    times: Optional[int] = 1
    error_type: Optional[str] = None
    method: Optional[str] = None
    corrupt_body: bool = False
    id: int = field(default=0)
    fired: int = field(default=0)

    def matches(self, method: str, path: str, full_path: str) -> bool:
        """True when the rule applies to this request."""
        if self.method and self.method.upper() != method.upper():
            return False
        return fnmatch.fnmatchcase(path, self.path_pattern) or fnmatch.fnmatchcase(
            full_path, self.path_pattern
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (used by the control endpoint)."""
        return asdict(self)


class FaultInjector:
    """Thread-safe list of :class:`Fault` rules."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(
        self,
        path_pattern: str,
        status: Any = DEFAULT,
        retry_after: Optional[Union[int, float, str]] = None,
        delay: float = 0,
        drop_connection: bool = False,
        truncate_body: bool = False,
        expire_sid: bool = False,
        times: Optional[int] = 1,
        error_type: Optional[str] = None,
        method: Optional[str] = None,
        corrupt_body: bool = False,
    ) -> Fault:
        """Add a rule and return it. See the module docstring for the semantics."""
        if status is DEFAULT:
            other_effect = delay or drop_connection or truncate_body or expire_sid or corrupt_body
            status = None if other_effect else 503
        if times is not None and int(times) < 1:
            raise ValueError('times must be >= 1 or None')
        with self._lock:
            fault = Fault(
                path_pattern=path_pattern,
                status=None if status is None else int(status),
                retry_after=retry_after,
                delay=float(delay or 0),
                drop_connection=bool(drop_connection),
                truncate_body=bool(truncate_body),
                expire_sid=bool(expire_sid),
                times=None if times is None else int(times),
                error_type=error_type,
                method=method,
                corrupt_body=bool(corrupt_body),
                id=self._next_id,
            )
            self._next_id += 1
            self._faults.append(fault)
        return fault

    def remove(self, fault: Union[Fault, int]) -> None:
        """Remove one rule (by object or id)."""
        fault_id = fault.id if isinstance(fault, Fault) else int(fault)
        with self._lock:
            self._faults = [f for f in self._faults if f.id != fault_id]

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._faults = []

    def list(self) -> list[Fault]:
        """Return the active rules."""
        with self._lock:
            return list(self._faults)

    def __len__(self) -> int:
        with self._lock:
            return len(self._faults)

    def take(self, method: str, path: str, full_path: str) -> Optional[Fault]:
        """Return the first matching rule and use up one of its ``times``."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path, full_path):
                    fault.fired += 1
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self._faults.remove(fault)
                    return fault
        return None


class CorruptingStream:
    """A request body stream that hands out its first byte with one bit flipped.

    :param stream: the body stream the handler would have read.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._done = False

    def read(self, size: int = -1) -> bytes:
        """Read like the wrapped stream; the first non-empty read has its first byte altered."""
        data = self._stream.read(size)
        if data and not self._done:
            self._done = True
            data = bytes([data[0] ^ 0x01]) + data[1:]
        return bytes(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
