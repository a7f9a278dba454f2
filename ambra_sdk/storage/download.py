"""Saving streamed storage responses (frames, PDFs, attachments, ZIP bundles...).

:func:`save_response` writes a streamed body in constant memory:

* to a path: into a temporary file in the same directory, renamed over the
  final name with :func:`os.replace` only when every byte arrived, so a
  partial file is never left under the final name;
* or into an open binary file.

It checks ``Content-Length`` and can report progress to a callback
``progress(done_bytes, total_bytes_or_None)`` or, with ``progress=True``, to a
``tqdm`` bar when tqdm is installed (imported only then).
"""

import logging
import os
import secrets
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable, Optional, Union

from requests import Response
from requests.exceptions import ChunkedEncodingError

from ambra_sdk.api.transport import DEFAULT_MAX_DOWNLOAD_EXPANSION
from ambra_sdk.exceptions.base import ResponseTooLarge
from ambra_sdk.exceptions.storage import IncompleteDownload

logger = logging.getLogger(__name__)

#: Bytes read per chunk.
DEFAULT_CHUNK_SIZE = 1024 * 1024

#: How many times a compressed body may grow once decoded (``api.max_download_expansion``).
DEFAULT_MAX_EXPANSION = DEFAULT_MAX_DOWNLOAD_EXPANSION
#: Decoded bytes always allowed on top of the expansion limit.
EXPANSION_ALLOWANCE = 1024 * 1024

ProgressCallback = Callable[[int, Optional[int]], None]
Progress = Union[None, bool, ProgressCallback]
PathType = Union[str, 'os.PathLike[str]']


@dataclass(frozen=True)
class DownloadTarget:
    """Where and how to save a streamed response.

    :param to_path: destination path.
    :param to_file: open binary file to write into.
    :param progress: callback, ``True`` for a tqdm bar, or ``None``.
    :param chunk_size: bytes per chunk.
    """

    to_path: Optional[PathType] = None
    to_file: Optional[BinaryIO] = None
    progress: Progress = None
    chunk_size: int = DEFAULT_CHUNK_SIZE

    @classmethod
    def from_args(
        cls,
        to_path: Optional[PathType],
        to_file: Optional[BinaryIO],
        progress: Progress,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> Optional['DownloadTarget']:
        """Validate the download arguments of a streaming method.

        :param to_path: destination path or ``None``.
        :param to_file: open binary file or ``None``.
        :param progress: callback, ``True`` or ``None``.
        :param chunk_size: bytes per chunk.
        :return: a target, or ``None`` when nothing is to be saved.
        :raises ValueError: inconsistent arguments.
        """
        if to_path is None and to_file is None:
            if progress is not None and progress is not False:
                raise ValueError('progress needs to_path or to_file')
            return None
        target = cls(to_path=to_path, to_file=to_file, progress=progress, chunk_size=chunk_size)
        target.check()
        return target

    def check(self) -> None:
        """Check the target before anything is sent.

        :raises ValueError: both or neither of ``to_path``/``to_file``, bad chunk size,
            a closed or read-only ``to_file``, or a progress that is not callable.
        :raises FileNotFoundError: the destination directory does not exist.
        :raises IsADirectoryError: ``to_path`` is a directory.
        """
        if (self.to_path is None) == (self.to_file is None):
            raise ValueError('Give exactly one of to_path and to_file')
        if not isinstance(self.chunk_size, int) or self.chunk_size <= 0:
            raise ValueError('chunk_size must be a positive int, got {size!r}'.format(size=self.chunk_size))
        if self.progress not in (None, True, False) and not callable(self.progress):
            raise ValueError('progress must be None, True or a callable(done_bytes, total_bytes)')
        if self.to_file is not None:
            if getattr(self.to_file, 'closed', False):
                raise ValueError('to_file is closed')
            writable = getattr(self.to_file, 'writable', None)
            if not hasattr(self.to_file, 'write') or (writable is not None and not writable()):
                raise ValueError('to_file must be a file opened for writing in binary mode')
            return
        path = os.fspath(self.to_path)  # type: ignore[arg-type]
        if os.path.isdir(path):
            raise IsADirectoryError('to_path: {path!r} is a directory'.format(path=path))
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise FileNotFoundError('to_path: directory {directory!r} does not exist'.format(directory=directory))

    def save(self, response: Response, max_expansion: Optional[int] = None) -> int:
        """Save ``response`` here.

        :param response: a streamed response.
        :param max_expansion: see :func:`save_response` (None: the default).
        :return: the number of bytes written.
        """
        return save_response(
            response,
            to_path=self.to_path,
            to_file=self.to_file,
            progress=self.progress,
            chunk_size=self.chunk_size,
            max_expansion=max_expansion,
        )


def _content_length(response: Response) -> Optional[int]:
    header = response.headers.get('Content-Length')
    if header is None:
        return None
    try:
        length = int(header)
    except ValueError:
        return None
    return length if length >= 0 else None


def _is_encoded(response: Response) -> bool:
    encoding = response.headers.get('Content-Encoding', 'identity').strip().lower()
    return encoding not in ('', 'identity')


class _Reporter:
    """Progress reporting to a callback or a tqdm bar."""

    def __init__(self, progress: Progress, total: Optional[int]) -> None:
        self._callback: Optional[ProgressCallback] = None
        self._bar: Any = None
        self._total = total
        if progress is True:
            self._bar = _tqdm_bar(total)
        elif callable(progress):
            self._callback = progress

    def update(self, done: int, chunk: int) -> None:
        if self._callback is not None:
            self._callback(done, self._total)
        if self._bar is not None:
            self._bar.update(chunk)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _tqdm_bar(total: Optional[int]) -> Any:
    try:
        from tqdm import tqdm  # optional dependency, imported lazily
    except ImportError:
        logger.debug('tqdm is not installed: no progress bar')
        return None
    return tqdm(total=total, unit='B', unit_scale=True, unit_divisor=1024)


class _ExpansionLimit:
    """Decoded bytes allowed so far for a compressed body (see :func:`save_response`)."""

    def __init__(self, response: Response, ratio: Optional[int]) -> None:
        self._response = response
        self._ratio = ratio if _is_encoded(response) else None
        self._declared = _content_length(response)

    def check(self, decoded: int) -> None:
        if self._ratio is None:
            return
        encoded = self._declared if self._declared is not None else _raw_bytes(self._response)
        limit = self._ratio * encoded + EXPANSION_ALLOWANCE
        if decoded > limit:
            raise ResponseTooLarge(
                'The download grew past {0} times its {1} compressed bytes once decoded '
                '(api.max_download_expansion): a decompression bomb?'.format(self._ratio, encoded),
            )


def _copy(
    response: Response, out: BinaryIO, reporter: _Reporter, chunk_size: int, max_expansion: Optional[int] = None,
) -> int:
    done = 0
    total = _content_length(response)
    expansion = _ExpansionLimit(response, max_expansion)
    try:
        for chunk in response.iter_content(chunk_size=chunk_size):
            if chunk:
                expansion.check(done + len(chunk))
                out.write(chunk)
                done += len(chunk)
                reporter.update(done, len(chunk))
    except ChunkedEncodingError as exc:
        if total is not None:
            raise IncompleteDownload(total, max(done, _raw_bytes(response))) from exc
        raise
    if total is not None and _received(response, done) != total:
        raise IncompleteDownload(total, _received(response, done))
    return done


def _raw_bytes(response: Response) -> int:
    """Return the bytes read from the socket so far (0 when unknown)."""
    tell = getattr(response.raw, 'tell', None)
    try:
        return int(tell()) if tell is not None else 0
    except (TypeError, ValueError, OSError):
        return 0


def _received(response: Response, done: int) -> int:
    """Return the bytes received on the wire (raw bytes for an encoded body)."""
    if _is_encoded(response):
        tell = getattr(response.raw, 'tell', None)
        if tell is not None:
            return int(tell())
    return done


def save_response(
    response: Response,
    to_path: Optional[PathType] = None,
    to_file: Optional[BinaryIO] = None,
    progress: Progress = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    max_expansion: Optional[int] = None,
) -> int:
    """Write a streamed response body to a path or an open file, in constant memory.

    With ``to_path`` the bytes go to a temporary file next to the destination,
    which replaces the destination only when the download is complete; on any
    error the temporary file is removed and the destination is untouched.
    The response is closed at the end.

    :param response: a response obtained with ``stream=True``.
    :param to_path: destination path.
    :param to_file: open binary file to write into (not closed).
    :param progress: ``callback(done_bytes, total_bytes_or_None)``, or ``True``
        for a tqdm bar (when tqdm is installed).
    :param chunk_size: bytes per chunk.
    :param max_expansion: a body with a ``Content-Encoding`` may decode to at
        most this many times its encoded length (as declared in
        ``Content-Length``, else as received) plus :data:`EXPANSION_ALLOWANCE`
        bytes (None: :data:`DEFAULT_MAX_EXPANSION`).
    :return: the number of bytes written.
    :raises IncompleteDownload: fewer bytes than ``Content-Length`` arrived.
    :raises ResponseTooLarge: the body expanded past the limit (no file is left with ``to_path``).
    """
    if max_expansion is None:
        max_expansion = DEFAULT_MAX_EXPANSION
    DownloadTarget(to_path=to_path, to_file=to_file, progress=progress, chunk_size=chunk_size).check()
    total = None if _is_encoded(response) else _content_length(response)
    reporter = _Reporter(progress, total)
    try:
        if to_file is not None:
            return _copy(response, to_file, reporter, chunk_size, max_expansion)
        path = os.fspath(to_path)  # type: ignore[arg-type]
        return _save_to_path(response, path, reporter, chunk_size, max_expansion)
    finally:
        reporter.close()
        response.close()


def _save_to_path(
    response: Response, path: str, reporter: _Reporter, chunk_size: int, max_expansion: Optional[int],
) -> int:
    directory, name = os.path.split(os.path.abspath(path))
    temp_path = os.path.join(directory, '.{name}.{token}.part'.format(name=name, token=secrets.token_hex(6)))
    descriptor = os.open(temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_BINARY', 0), 0o666)
    try:
        with os.fdopen(descriptor, 'wb') as out:
            written = _copy(response, out, reporter, chunk_size, max_expansion)
        # no fsync: the rename is atomic for readers; syncing 1 GiB would cost
        # more than the download itself (call os.sync() yourself if needed)
        os.replace(temp_path, path)
    except BaseException:
        if os.path.exists(temp_path):
            os.unlink(temp_path)
        raise
    return written
