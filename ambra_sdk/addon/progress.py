"""Progress reporting of multi-file operations: a callback and/or a tqdm bar."""

import logging
import threading
from typing import Any, Callable, Optional, Union

logger = logging.getLogger(__name__)

#: ``callback(done_files, total_files)``, called after each file (from any thread).
ProgressCallback = Callable[[int, int], None]
#: ``None`` (quiet), ``True`` (a tqdm bar when tqdm is installed) or a callback.
Progress = Union[None, bool, ProgressCallback]


def check_progress(progress: Any) -> None:
    """Reject a ``progress`` argument that is neither None, a bool nor a callable.

    :param progress: the argument.
    :raises TypeError: for any other value.
    """
    if progress is None or isinstance(progress, bool) or callable(progress):
        return
    raise TypeError('progress must be None, True or a callable(done, total), got {!r}'.format(progress))


class FileProgress:
    """Counts finished files (or bytes) and reports them; thread-safe.

    :param progress: see :data:`Progress`.
    :param total: number of files (or bytes).
    :param description: label of the tqdm bar.
    :param unit: ``'file'``, or ``'B'`` for a bar in bytes (KiB, MiB...).
    """

    def __init__(self, progress: Progress, total: int, description: str, unit: str = 'file') -> None:
        check_progress(progress)
        self._lock = threading.Lock()
        self._done = 0
        self.total = total
        self._callback: Optional[ProgressCallback] = None
        self._bar: Any = None
        if progress is True:
            self._bar = _tqdm_bar(total, description, unit)
        elif callable(progress):
            self._callback = progress

    @property
    def done(self) -> int:
        """Files finished so far."""
        return self._done

    def advance(self, amount: int = 1) -> None:
        """Count one more finished file (or ``amount`` more bytes) and report it."""
        with self._lock:
            self._done += amount
            done = self._done
            if self._bar is not None:
                self._bar.update(amount)
        if self._callback is not None:
            self._callback(done, self.total)

    def close(self) -> None:
        """Close the bar (if any)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> 'FileProgress':
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


def _tqdm_bar(total: int, description: str, unit: str = 'file') -> Any:
    try:
        from tqdm import tqdm  # optional dependency, imported only when a bar is wanted
    except ImportError:
        logger.info('tqdm is not installed: no progress bar (pip install tqdm)')
        return None
    if unit == 'B':
        return tqdm(total=total, desc=description, unit='B', unit_scale=True, unit_divisor=1024)
    return tqdm(total=total, desc=description, unit=unit)
