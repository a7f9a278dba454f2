"""The joined file of a multipart upload, built while its chunks arrive.

Clients send the chunks of an upload roughly in number order (the SDK sends
them so, ``part_workers`` at a time). After a chunk is stored,
:func:`advance` appends to one file of the upload folder (:data:`JOINED_FILE`)
every present chunk from the first one not joined yet onwards, hashing the
bytes on the way (sha1: the image version), and keeps the sha1 state and the
offset of each chunk boundary. A chunk stored again below that point cuts
the file back to its offset and joins again from there. One thread joins at
a time, in a thread of its own outside the upload's lock, so no chunk
request waits for it. ``complete`` then
finds the bytes joined and hashed (:func:`take`), so the background store
files them at once instead of making a second pass over every byte after
``complete`` (:func:`ambra_sdk.emulator.storage.multipart_store.join_chunks`
stays the fallback: an emulator restarted mid-upload, a file removed).

The chunk files stay the source of truth (their checks, replacements and
races are unchanged); :func:`take` runs under the upload's lock
(``multipart_store.LOCKS``) once ``complete`` was accepted, and the state
is in memory, one small entry per open upload.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import threading
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from ambra_sdk.emulator.private_files import create_private_file

__all__ = ['JOINED_FILE', 'advance', 'take', 'forget']

#: Name of the joined file inside an upload folder.
JOINED_FILE = 'joined.part'
_PIECE = 1024 * 1024


class _Assembly:
    """Sha1 states and offsets at each chunk boundary of the joined file (index ``n``: chunks 0..n-1 joined)."""

    def __init__(self) -> None:
        #: Held by the one thread joining (the others leave their chunk to it).
        self.lock = threading.Lock()
        self.states: List[Any] = [hashlib.sha1()]
        self.offsets: List[int] = [0]
        #: A chunk was stored since the joiner last looked (guarded by ``_GUARD``).
        self.pending = False
        #: The lowest chunk number replaced since then (guarded by ``_GUARD``).
        self.cut: Optional[int] = None

    @property
    def joined(self) -> int:
        """Number of chunks joined so far."""
        return len(self.offsets) - 1


_GUARD = threading.Lock()
_ASSEMBLIES: Dict[str, _Assembly] = {}


def _entry(folder: Path, create: bool) -> Optional[_Assembly]:
    with _GUARD:
        assembly = _ASSEMBLIES.get(str(folder))
        if assembly is None and create:
            assembly = _ASSEMBLIES[str(folder)] = _Assembly()
        return assembly


def forget(folder: Path) -> None:
    """Drop the state of an upload (its joined file, if any, is left to the caller)."""
    with _GUARD:
        _ASSEMBLIES.pop(str(folder), None)


def _note(assembly: _Assembly, replaced: Optional[int]) -> None:
    with _GUARD:
        assembly.pending = True
        if replaced is not None:
            assembly.cut = replaced if assembly.cut is None else min(assembly.cut, replaced)


def advance(
    folder: Path, number: int, replaced: bool, chunk_name: Callable[[int], str], complete_file: str,
) -> None:
    """Chunk ``number`` was stored (call it after releasing the upload's lock): join what follows the joined part.

    The join runs in a thread of its own, one per upload at a time (a chunk
    stored while it runs is left to it), so no chunk's answer waits for
    it. Once ``complete_file`` exists in the folder, only :func:`take` joins.

    :param folder: the upload folder.
    :param number: the chunk just stored.
    :param replaced: it replaced a chunk of that number (joined bytes may be stale).
    :param chunk_name: ``number -> file name`` of a chunk in ``folder``.
    :param complete_file: name of the file ``complete`` writes in ``folder``.
    """
    if (folder / complete_file).exists():  # completed meanwhile: take() joins what is left
        return
    assembly = _entry(folder, create=True)
    assert assembly is not None  # noqa: S101 (created above)
    _note(assembly, number if replaced else None)
    if assembly.lock.acquire(blocking=False):
        threading.Thread(
            target=_joiner, args=(folder, assembly, chunk_name, complete_file),
            name=f'emulator-multipart-join-{folder.name}', daemon=True,
        ).start()


def _joiner(folder: Path, assembly: _Assembly, chunk_name: Callable[[int], str], complete_file: str) -> None:
    """Join until no chunk is pending (started with ``assembly.lock`` held; releases it)."""
    while True:
        try:
            if not (folder / complete_file).exists():
                _join(folder, assembly, chunk_name)
        finally:
            assembly.lock.release()
        with _GUARD:
            if not assembly.pending:
                return
        if not assembly.lock.acquire(blocking=False):  # another joiner (or take) has it
            return


def _join(folder: Path, assembly: _Assembly, chunk_name: Callable[[int], str]) -> None:
    """Append the present chunks after the joined part, until no chunk was stored meanwhile (lock held)."""
    path = folder / JOINED_FILE
    try:
        while True:
            with _GUARD:
                if not assembly.pending:
                    return
                assembly.pending, cut, assembly.cut = False, assembly.cut, None
            if not path.exists():
                create_private_file(path)
                del assembly.states[1:]
                del assembly.offsets[1:]
            if cut is not None and cut < assembly.joined:  # a joined chunk was replaced: cut back to its offset
                del assembly.states[cut + 1:]
                del assembly.offsets[cut + 1:]
            out = os.open(path, os.O_RDWR)
            try:
                while _append(out, folder / chunk_name(assembly.joined), assembly):
                    pass
                os.ftruncate(out, assembly.offsets[-1])
            finally:
                os.close(out)
    except OSError:  # the folder went away (state wiped, upload expired): nothing to join
        forget(folder)


def _append(out: int, source: Path, assembly: _Assembly) -> bool:
    """Append chunk file ``source`` at the joined part's end of ``out`` and record its boundary.

    The bytes are hashed through a memory map and copied by the kernel
    (:func:`_copy`): no copy of them passes through Python.

    :return: False when the chunk is not there.
    """
    digest = assembly.states[-1].copy()
    try:
        with open(source, 'rb') as src:
            size = os.fstat(src.fileno()).st_size
            if size:
                with mmap.mmap(src.fileno(), 0, access=mmap.ACCESS_READ) as view:
                    digest.update(view)
                _copy(src.fileno(), out, size, assembly.offsets[-1])
    except FileNotFoundError:
        return False
    assembly.states.append(digest)
    assembly.offsets.append(assembly.offsets[-1] + size)
    return True


def _copy(src: int, out: int, size: int, offset: int) -> None:
    """Copy ``size`` bytes of ``src`` (from its start) to ``out`` at ``offset``, in the kernel when it can."""
    done = 0
    copy_file_range = getattr(os, 'copy_file_range', None)
    while done < size and copy_file_range is not None:
        try:
            copied = copy_file_range(src, out, size - done, done, offset + done)
        except OSError:  # not supported between these files: copy below
            break
        if not copied:
            break
        done += copied
    while done < size:
        piece = os.pread(src, min(_PIECE, size - done), done)
        if not piece:
            raise OSError('chunk file shrank while it was joined')
        done += os.pwrite(out, piece, offset + done)


def take(folder: Path, sizes: Dict[int, int], chunk_name: Callable[[int], str]) -> Optional[Tuple[Path, int, str]]:
    """The joined file of a complete upload, when it holds exactly the chunks ``sizes`` (under the upload's lock).

    Waits for a thread still joining, then joins what is left itself.

    :param sizes: chunk number -> size of every chunk of the upload.
    :param chunk_name: ``number -> file name`` of a chunk.
    :return: ``(path, size, sha1 hex digest)``, or None (the caller joins the chunks itself).
    """
    assembly = _entry(folder, create=False)
    forget(folder)
    if assembly is None:
        return None
    path = folder / JOINED_FILE
    with assembly.lock:
        with _GUARD:
            assembly.pending = True
        _join(folder, assembly, chunk_name)
    count = len(sizes)
    if assembly.joined != count or not path.exists():
        return None
    expected = [sum(sizes[number] for number in range(end)) for end in range(count + 1)]
    if assembly.offsets != expected or path.stat().st_size != expected[-1]:
        return None
    return path, expected[-1], assembly.states[-1].hexdigest()
