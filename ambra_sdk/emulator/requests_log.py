"""Log of the requests the emulator received (secrets masked with the SDK's table, every content type)."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Iterator, Mapping, Optional

from ambra_sdk.secret_params import is_secret_param, secret_param_names

__all__ = ['LoggedRequest', 'RequestLog', 'mask', 'MASK', 'SECRET_KEYS']

#: Every name of the secret parameter table (:mod:`ambra_sdk.secret_params`, shared with the
#: command line): the keys whose values the log masks, whatever their method.
SECRET_KEYS = secret_param_names()

MASK = '***'


def mask(values: Any) -> Any:
    """Return a copy of ``values`` with the value of every secret key masked, at any depth (JSON).

    A key is a secret when the SDK's one table says so
    (:data:`SECRET_KEYS`, from :mod:`ambra_sdk.secret_params`); lists and nested mappings are
    masked item by item, other values are returned as they are.
    """
    if isinstance(values, Mapping):
        return {key: (MASK if is_secret_param(str(key)) else mask(value)) for key, value in values.items()}
    if isinstance(values, list):
        return [mask(value) for value in values]
    return values


@dataclass
class LoggedRequest:
    """One request as the emulator saw it.

    :ivar method: HTTP method.
    :ivar path: path relative to ``/api/v3`` (e.g. ``/study/list``).
    :ivar params: query-string parameters (masked).
    :ivar form: form fields (masked; uploaded files are listed by name).
    :ivar json: the JSON body of a service call (a bundle: its calls), masked; None otherwise.
    :ivar status: HTTP status of the answer (None if the connection was dropped).
    :ivar basic_auth: True when basic authentication was used.
    :ivar time: epoch seconds when the request arrived.
    """

    method: str
    path: str
    params: dict[str, Any]
    form: dict[str, Any]
    status: Optional[int] = None
    basic_auth: bool = False
    time: float = field(default_factory=time.time)
    json: Any = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return asdict(self)


class RequestLog:
    """Thread-safe, list-like log of :class:`LoggedRequest` (bounded)."""

    def __init__(self, max_entries: int = 10000) -> None:
        self._lock = threading.Lock()
        self._entries: list[LoggedRequest] = []
        self._max = max_entries

    def append(self, entry: LoggedRequest) -> None:
        """Add an entry (old entries are dropped past ``max_entries``)."""
        with self._lock:
            self._entries.append(entry)
            if len(self._entries) > self._max:
                del self._entries[: len(self._entries) - self._max]

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries = []

    def entries(self) -> list[LoggedRequest]:
        """Return a snapshot of the entries."""
        with self._lock:
            return list(self._entries)

    def paths(self) -> list[str]:
        """Return the paths in order (handy in assertions)."""
        return [e.path for e in self.entries()]

    def __iter__(self) -> Iterator[LoggedRequest]:
        return iter(self.entries())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __getitem__(self, index: int) -> LoggedRequest:
        with self._lock:
            return self._entries[index]
