"""The joined file of a multipart upload, written in place as its chunks arrive, and hashed once in order.

Clients send the chunks of an upload in 2 MiB pieces (the vendor's client;
the SDK sends ``part_workers`` of them at a time, roughly in number order).
A checked chunk that fits the upload's *stride* (the size of the first
chunk placed: every chunk but the last has it) is written straight to its
place ``number x stride`` of one file of the upload folder
(:data:`JOINED_FILE`, ``os.pwrite``) by :func:`place`, and an empty marker
``placed-<number>-<offset>-<size>`` records it. A chunk that does not fit
(larger than the stride, too far past the chunks placed, or an upload
without the in-memory state: an emulator restarted mid-upload) stays a
chunk file of its own, as before. :func:`chunk_sources` lists both kinds,
so the checks of ``complete`` and the fallback join
(:func:`ambra_sdk.emulator.storage.multipart_store.join_chunks`) see every
chunk, wherever its bytes are.

The sha1 of the bytes (the image version) is computed once, in chunk-number
order, by :func:`advance` in the request that made the next chunks ready:
from the chunk's bytes still in memory when it is there (chunks that arrive
ahead of a missing one are kept, within :data:`BUFFER_BUDGET` bytes for all
uploads), else read back from the joined file. The sha1 state at each chunk
boundary is kept, so a chunk stored again below the hashed part cuts the
hash back to it. ``complete`` then finds the bytes joined and hashed
(:func:`take`): the store files them at once, with no pass over the bytes
after ``complete``, and no chunk is ever copied from one file into another.

Locks: :func:`place` and :func:`take` run under the upload's lock
(``multipart_store.LOCKS``); one thread hashes an upload at a time (the
others leave their chunk to it); the in-memory state is guarded by one
module lock, held only for bookkeeping.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Tuple

from ambra_sdk.emulator.private_files import PRIVATE_FILE_MODE, create_private_file

__all__ = [
    'JOINED_FILE', 'BUFFER_BUDGET', 'MAX_IN_MEMORY_CHUNK', 'ChunkSource', 'start', 'place', 'unplace', 'advance',
    'take', 'forget', 'chunk_sources', 'is_chunk_file', 'read_pieces',
]

#: Name of the joined file inside an upload folder.
JOINED_FILE = 'joined.part'
#: Chunks up to this size are read into memory, checked, then written in place; larger ones are spooled to a file.
MAX_IN_MEMORY_CHUNK = 8 * 1024 * 1024
#: Bytes of chunks kept in memory, for all uploads, while they wait for a missing chunk before them to be hashed.
BUFFER_BUDGET = 64 * 1024 * 1024
#: A chunk is placed at most this many strides past the end of the chunks placed (no huge sparse files).
MAX_GAP_STRIDES = 16
_PIECE = 1024 * 1024
_CHUNK_FILE = re.compile(r'^chunk-(\d{5})$')
_PLACED = re.compile(r'^placed-(\d{5})-(\d{1,20})-(\d{1,20})$')


class ChunkSource(NamedTuple):
    """Where the bytes of one chunk are: ``size`` bytes of ``path`` from ``offset``."""

    path: Path
    offset: int
    size: int


def read_pieces(source: ChunkSource, piece: int = _PIECE) -> Iterator[bytes]:
    """The bytes of ``source``, in order, in pieces of at most ``piece`` bytes.

    :raises OSError: the file cannot be read, or ends before ``source.size`` bytes.
    """
    with open(source.path, 'rb') as src:
        src.seek(source.offset)
        left = source.size
        while left > 0:
            data = src.read(min(piece, left))
            if not data:
                raise OSError('the chunk file ends before the chunk')
            yield data
            left -= len(data)


class _Assembly:
    """The in-memory state of one open upload (guarded by ``_GUARD``)."""

    def __init__(self) -> None:
        #: Held by the one thread hashing (the others leave their chunk to it).
        self.hashing = threading.Lock()
        #: Size of every chunk placed but the last; None until the first chunk is placed.
        self.stride: Optional[int] = None
        #: Chunk number -> (offset, size, placement) of the chunks in the joined file (``placement``
        #: tells a chunk placed again at the same place from the one the hasher read).
        self.placed: Dict[int, Tuple[int, int, int]] = {}
        self.placements = 0
        #: End of the furthest chunk placed.
        self.extent = 0
        #: Chunk number -> bytes of a placed chunk not hashed yet.
        self.buffers: Dict[int, bytes] = {}
        #: sha1 states and offsets at each chunk boundary (index ``n``: chunks 0..n-1 hashed).
        self.states: List[Any] = [hashlib.sha1()]  # noqa: S324 (a content id, as the storage's image versions)
        self.offsets: List[int] = [0]
        #: The lowest hashed chunk placed again since the hasher last looked.
        self.cut: Optional[int] = None

    @property
    def hashed(self) -> int:
        """Number of chunks hashed so far."""
        return len(self.offsets) - 1


_GUARD = threading.Lock()
_ASSEMBLIES: Dict[str, _Assembly] = {}
_buffered = [0]  # bytes held in ``_Assembly.buffers`` of every upload (guarded by ``_GUARD``)


def _marker(number: int, offset: int, size: int) -> str:
    return f'placed-{number:05d}-{offset}-{size}'


def is_chunk_file(name: str) -> bool:
    """Tell whether ``name`` (in an upload folder) holds or records a chunk (removed once the upload is stored)."""
    return bool(_CHUNK_FILE.match(name) or _PLACED.match(name)) or name == JOINED_FILE


def start(folder: Path) -> None:
    """Create the in-memory state of a new upload (and drop that of uploads whose folder is gone)."""
    with _GUARD:
        for key in [key for key in _ASSEMBLIES if not os.path.isdir(key)]:
            _drop(key)
        _ASSEMBLIES[str(folder)] = _Assembly()


def forget(folder: Path) -> None:
    """Drop the in-memory state of an upload (its files are left to the caller)."""
    with _GUARD:
        _drop(str(folder))


def _drop(key: str) -> None:
    assembly = _ASSEMBLIES.pop(key, None)
    if assembly is not None:
        _buffered[0] -= sum(len(data) for data in assembly.buffers.values())
        assembly.buffers.clear()


def _entry(folder: Path) -> Optional[_Assembly]:
    with _GUARD:
        return _ASSEMBLIES.get(str(folder))


def chunk_sources(folder: Path) -> Dict[int, ChunkSource]:
    """Chunk number -> where its bytes are, for every chunk stored in ``folder`` (placed or a file of its own)."""
    found: Dict[int, ChunkSource] = {}
    joined = folder / JOINED_FILE
    for entry in os.scandir(folder):
        match = _PLACED.match(entry.name)
        if match:
            found[int(match.group(1))] = ChunkSource(joined, int(match.group(2)), int(match.group(3)))
            continue
        match = _CHUNK_FILE.match(entry.name)
        if match:
            found.setdefault(int(match.group(1)), ChunkSource(Path(entry.path), 0, entry.stat().st_size))
    return found


def place(folder: Path, number: int, data: bytes, chunk_file: Path) -> bool:
    """Store checked chunk ``number`` in the joined file when it fits there (under the upload's lock).

    Writes ``data`` at ``number x stride``, records the marker, removes what
    held that chunk number before (its marker or ``chunk_file``) and keeps
    ``data`` for :func:`advance` (within :data:`BUFFER_BUDGET`).

    :param folder: the upload folder.
    :param number: the chunk number.
    :param data: the chunk's bytes (size and crc32 checked).
    :param chunk_file: the path the chunk would have as a file of its own.
    :return: False when it does not fit (the caller stores it as ``chunk_file``).
    """
    size = len(data)
    with _GUARD:
        assembly = _ASSEMBLIES.get(str(folder))
        if assembly is None or not size:
            return False
        stride = assembly.stride or size
        offset = number * stride
        if size > stride or offset > assembly.extent + MAX_GAP_STRIDES * stride:
            return False
        previous = assembly.placed.get(number)
    try:
        _write_at(folder / JOINED_FILE, data, offset)
    except BaseException:  # the place may hold part of these bytes: the chunk there before is gone too
        if previous is not None:
            try:
                unplace(folder, number)
            except OSError:  # the folder went away: nothing left to forget
                pass
        raise
    if previous is not None and previous[:2] != (offset, size):
        _unlink(folder / _marker(number, previous[0], previous[1]))
    _unlink(chunk_file)
    create_private_file(folder / _marker(number, offset, size))
    with _GUARD:
        assembly.stride = stride
        assembly.placements += 1
        assembly.placed[number] = (offset, size, assembly.placements)
        assembly.extent = max(assembly.extent, offset + size)
        old = assembly.buffers.pop(number, None)
        if old is not None:
            _buffered[0] -= len(old)
        if _buffered[0] + size <= BUFFER_BUDGET:
            assembly.buffers[number] = data
            _buffered[0] += size
        _note_replaced(assembly, number)
    return True


def _write_at(path: Path, data: bytes, offset: int) -> None:
    """Write ``data`` at ``offset`` of ``path`` (created when missing)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, 'O_BINARY', 0), PRIVATE_FILE_MODE)
    try:
        view = memoryview(data)
        done = 0
        while done < len(data):
            done += os.pwrite(fd, view[done:], offset + done)
    finally:
        os.close(fd)


def unplace(folder: Path, number: int) -> None:
    """Chunk ``number`` was stored as a file of its own (under the upload's lock): forget its placed copy, if any."""
    with _GUARD:
        assembly = _ASSEMBLIES.get(str(folder))
        if assembly is not None:
            assembly.placed.pop(number, None)
            old = assembly.buffers.pop(number, None)
            if old is not None:
                _buffered[0] -= len(old)
            _note_replaced(assembly, number)
    for entry in os.scandir(folder):  # also a marker the in-memory state does not know (restarted emulator)
        match = _PLACED.match(entry.name)
        if match and int(match.group(1)) == number:
            _unlink(Path(entry.path))


def _note_replaced(assembly: _Assembly, number: int) -> None:
    """Cut the hash back to chunk ``number`` when it was hashed already (``_GUARD`` held)."""
    if number < assembly.hashed:
        assembly.cut = number if assembly.cut is None else min(assembly.cut, number)


def advance(folder: Path) -> None:
    """Hash the chunks that follow the hashed part, when this thread can (call it after releasing the upload's lock).

    One thread hashes an upload at a time: when another one is at it, the
    chunk just placed is left to it.
    """
    assembly = _entry(folder)
    while assembly is not None and assembly.hashing.acquire(blocking=False):
        try:
            _hash_ready(folder, assembly)
        finally:
            assembly.hashing.release()
        with _GUARD:  # a chunk placed while the lock was being released is hashed by this thread
            if not _next_ready(assembly):
                return


def _next_ready(assembly: _Assembly) -> bool:
    """Tell whether there is hashing to do (``_GUARD`` held)."""
    if assembly.cut is not None:
        return True
    where = assembly.placed.get(assembly.hashed)
    return where is not None and where[0] == assembly.offsets[-1]


def _hash_ready(folder: Path, assembly: _Assembly) -> None:
    """Hash, in order, the placed chunks that follow the hashed part without a gap (``assembly.hashing`` held)."""
    while True:
        with _GUARD:
            if assembly.cut is not None:
                del assembly.states[assembly.cut + 1:]
                del assembly.offsets[assembly.cut + 1:]
                assembly.cut = None
            number = assembly.hashed
            where = assembly.placed.get(number)
            if where is None or where[0] != assembly.offsets[-1]:
                return
            data = assembly.buffers.pop(number, None)
            if data is not None:
                _buffered[0] -= len(data)
            digest = assembly.states[-1].copy()
        try:
            _update(digest, data, folder / JOINED_FILE, where[0], where[1])
        except OSError:  # the folder went away (state wiped, upload expired): nothing to hash
            forget(folder)
            return
        with _GUARD:
            if assembly.cut is not None and assembly.cut <= number:
                continue  # placed again while it was hashed: hash it again
            if assembly.placed.get(number) != where or assembly.hashed != number:
                continue
            assembly.states.append(digest)
            assembly.offsets.append(where[0] + where[1])


def _update(digest: Any, data: Optional[bytes], path: Path, offset: int, size: int) -> None:
    """Hash a chunk: its bytes when in memory, else read back from the joined file."""
    if data is not None:
        digest.update(data)
        return
    for piece in read_pieces(ChunkSource(path, offset, size)):
        digest.update(piece)


def take(folder: Path, sizes: Dict[int, int]) -> Optional[Tuple[Path, int, str]]:
    """The joined file of a complete upload, when it holds exactly the chunks ``sizes`` (under the upload's lock).

    Waits for a thread still hashing, hashes what is left, drops the
    in-memory state and cuts the file to the chunks' total.

    :param sizes: chunk number -> size of every chunk of the upload.
    :return: ``(path, size, sha1 hex digest)``, or None (the caller joins the chunks itself).
    """
    assembly = _entry(folder)
    if assembly is None:
        return None
    with assembly.hashing:
        _hash_ready(folder, assembly)
    forget(folder)
    path = folder / JOINED_FILE
    count = len(sizes)
    expected = [0]
    for number in range(count):
        expected.append(expected[-1] + sizes[number])
    if assembly.hashed != count or assembly.offsets != expected:
        return None
    if any(assembly.placed.get(number, ())[:2] != (expected[number], sizes[number]) for number in range(count)):
        return None
    try:
        if path.stat().st_size < expected[-1]:
            return None
        os.truncate(path, expected[-1])  # a longer chunk placed and replaced by a shorter last one left a tail
    except OSError:
        return None
    return path, expected[-1], assembly.states[-1].hexdigest()


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
