"""Reading DICOM headers with pydicom (imported only here, and only when called).

:func:`read_header` parses from memory: it reads the first
:data:`HEADER_PREFIX` bytes of the file in one call and lets pydicom walk that
buffer. Parsing a real file costs an ``lseek`` system call per ``tell()``
(about 600 for a CT slice), each of which also hands the GIL to another
thread, so with many upload threads the in-memory parse is about twice as
cheap. When
the parse of the prefix needed bytes beyond it (a header larger than the
prefix), the file itself is parsed, exactly as before.
"""

import functools
import io
import os
from pathlib import Path
from typing import Any, BinaryIO, Callable, FrozenSet, List, Optional, Tuple, Union

from ambra_sdk.addon.header_walk import ReducedHeader, reduced, wanted_tags

PathType = Union[str, 'os.PathLike[str]']

#: Tags the uploader needs from every file.
HEADER_TAGS = ('SOPInstanceUID', 'StudyInstanceUID', 'SeriesInstanceUID', 'PatientName', 'StudyDate', 'StudyTime')
#: Bytes of a file that :func:`read_header` reads at once and parses from memory.
HEADER_PREFIX = 64 * 1024


class NotDicom(ValueError):  # noqa: N818
    """The file is not a DICOM file the storage would accept."""


def require_pydicom() -> None:
    """Check that pydicom can be imported.

    :raises ImportError: with the install hint when it cannot.
    """
    try:
        import pydicom  # noqa: F401
    except ImportError as error:
        from ambra_sdk.extras import missing_extra_message

        raise ImportError(missing_extra_message('dicom', 'api.Addon (reading DICOM files)', 'pydicom')) from error
    from ambra_sdk.redact import install_dicom_redaction

    install_dicom_redaction()  # pydicom quotes malformed values (patient data) in its warnings


@functools.lru_cache(maxsize=16)
def _wanted(tags: Tuple[str, ...]) -> Optional[FrozenSet[int]]:
    """The tag numbers of ``tags`` for :func:`~ambra_sdk.addon.header_walk.reduced`.

    None when a keyword is unknown (the whole header is parsed then).
    """
    from pydicom.datadict import tag_for_keyword

    numbers = [tag_for_keyword(keyword) for keyword in tags]
    if any(number is None for number in numbers):
        return None
    return wanted_tags(number for number in numbers if number is not None)


@functools.lru_cache(maxsize=16)
def _parser(tags: Tuple[str, ...]) -> Callable[[Callable[[], Any]], Any]:
    """``parse(source)``: read ``tags`` (no pixel data) from ``source()``, forcing a file without preamble.

    The function has the tags' numbers as ``parse.wanted`` (see :func:`_parse_bytes`); it is made
    once per tag set (it keeps no state).
    """
    from pydicom import dcmread
    from pydicom.errors import InvalidDicomError

    def parse(source: Callable[[], Any]) -> Any:
        try:
            return dcmread(source(), stop_before_pixels=True, specific_tags=list(tags))
        except InvalidDicomError:
            return dcmread(source(), stop_before_pixels=True, specific_tags=list(tags), force=True)

    parse.wanted = _wanted(tags)  # type: ignore[attr-defined]
    return parse


def _parse_reduced(short: ReducedHeader, wanted: FrozenSet[int]) -> Any:
    """The data set of a short file from :func:`~ambra_sdk.addon.header_walk.reduced`, read by pydicom.

    The walk vouched for the file meta information and found where the data
    set starts and its transfer syntax (Explicit or Implicit VR Little
    Endian): pydicom reads the data set's elements (``read_dataset``, the
    reader ``dcmread`` uses) without parsing the file meta information again
    (about 40 % of ``dcmread``'s cost on such a file). The values are
    decoded by pydicom as before (the Specific Character Set is among the
    kept elements).

    :param short: the short file and what the walk learnt of it.
    :param wanted: the tags to keep (with the Specific Character Set).
    :return: a pydicom ``Dataset`` with the elements of ``wanted`` it holds.
    """
    from pydicom.filereader import read_dataset

    return read_dataset(io.BytesIO(short.data[short.body:]), short.implicit, True, specific_tags=sorted(wanted))


def _checked(dataset: Any) -> Any:
    missing = [tag for tag in ('SOPInstanceUID', 'StudyInstanceUID') if not str(dataset.get(tag, '') or '').strip()]
    if missing:
        raise NotDicom('not a DICOM image: no {}'.format(', '.join(missing)))
    return dataset


def read_header(path: PathType) -> Any:
    """Read the identifying tags of a DICOM file (no pixel data).

    A file without the ``DICM`` preamble is accepted when it still parses
    and has a SOP Instance UID and a Study Instance UID (as the storage does).

    :param path: the file.
    :return: a pydicom ``Dataset`` with the tags of :data:`HEADER_TAGS`.
    :raises OSError: the file is missing or cannot be read.
    :raises NotDicom: it is not DICOM, or lacks the UIDs.
    """
    return read_header_and_content(path)[0]


def read_header_and_content(path: PathType) -> Tuple[Any, Optional[bytes]]:
    """:func:`read_header`, and the file's bytes when that read took the whole file.

    A file shorter than :data:`HEADER_PREFIX` is read whole by the header
    probe: the uploader sends those bytes instead of opening and reading the
    file a second time.

    :param path: the file.
    :return: ``(dataset, content)``; ``content`` is None for a file of
        :data:`HEADER_PREFIX` bytes or more.
    :raises OSError: the file is missing or cannot be read.
    :raises NotDicom: it is not DICOM, or lacks the UIDs.
    """
    require_pydicom()
    parse = _parser(HEADER_TAGS)
    name = os.fspath(path)
    whole: List[bytes] = []
    try:
        dataset = _parse_prefix(name, parse, whole) if isinstance(name, str) else None
        if dataset is None:  # the header goes beyond the prefix (or a bytes path: pydicom's answer)
            dataset = parse(lambda: name)
    except OSError:
        raise
    except Exception as error:  # noqa: BLE001 (pydicom raises many kinds on garbage)
        raise NotDicom('not a DICOM file ({})'.format(type(error).__name__)) from None
    return _checked(dataset), (whole[0] if whole else None)


def read_file_header(dicom_file: BinaryIO, tags: Tuple[str, ...] = HEADER_TAGS) -> Any:
    """Read tags of an open DICOM file (no pixel data), leaving the file where it was.

    As :func:`read_header`, from the file's current position: its next
    :data:`HEADER_PREFIX` bytes are read at once and parsed from memory;
    only a header larger than that is parsed from the file itself.

    :param dicom_file: a seekable binary file at the start of the DICOM data.
    :param tags: the keywords to read.
    :return: a pydicom ``Dataset`` with those tags.
    :raises NotDicom: it is not DICOM, or lacks the Study or SOP Instance UID.
    """
    require_pydicom()
    parse = _parser(tuple(tags))
    position = dicom_file.tell()
    try:
        prefix = dicom_file.read(HEADER_PREFIX)
        dataset = _parse_bytes(prefix, parse)
        if dataset is None:
            dicom_file.seek(position)
            dataset = parse(lambda: _rewound(dicom_file, position))
    except Exception as error:  # noqa: BLE001 (pydicom raises many kinds on garbage)
        raise NotDicom('dicom_file: not a DICOM file ({0})'.format(type(error).__name__)) from None
    finally:
        dicom_file.seek(position)
    try:
        return _checked(dataset)
    except NotDicom as error:
        raise NotDicom('dicom_file: {0}'.format(error)) from None


def _rewound(dicom_file: BinaryIO, position: int) -> BinaryIO:
    dicom_file.seek(position)
    return dicom_file


class _Prefix(io.BytesIO):
    """The first bytes of a longer file; remembers whether a read wanted more than them."""

    overrun = False

    def read(self, size: Optional[int] = -1) -> bytes:
        """Read like :meth:`io.BytesIO.read`; a short read sets :attr:`overrun`.

        :param size: bytes wanted (negative or None: up to the end).
        """
        data = super().read(size)
        if size is None or size < 0 or len(data) < size:
            self.overrun = True
        return data


def _parse_prefix(
    name: str, parse: Callable[[Callable[[], Any]], Any], whole: Optional[List[bytes]] = None,
) -> Optional[Any]:
    """Parse a file from its first :data:`HEADER_PREFIX` bytes.

    :param name: the file.
    :param parse: ``parse(source)`` reads a dataset from ``source()`` (a
        fresh file object at every call).
    :param whole: receives the file's bytes when they are fewer than
        :data:`HEADER_PREFIX` (the whole file was read).
    :return: the dataset, or None when the parse read past the prefix of a
        longer file (only the whole file gives the right answer then).
    :raises OSError: the file cannot be opened or read.
    :raises Exception: what pydicom raises, when the parse stayed inside
        the prefix (or the prefix is the whole file).
    """
    with open(name, 'rb') as src:
        prefix = src.read(HEADER_PREFIX)
    if whole is not None and len(prefix) < HEADER_PREFIX:
        whole.append(prefix)
    dataset = _parse_bytes(prefix, parse)
    if dataset is not None:
        dataset.filename = name
    return dataset


def _parse_bytes(prefix: bytes, parse: Callable[[Callable[[], Any]], Any]) -> Optional[Any]:
    """Parse the first bytes of a file (see :func:`_parse_prefix`); None: they were not enough.

    When :func:`~ambra_sdk.addon.header_walk.reduced` vouches for the
    header, pydicom reads only the wanted elements (:func:`_parse_reduced`:
    same tags, a fraction of the CPU); otherwise, or when that read fails,
    the whole header as before.
    """
    whole = len(prefix) < HEADER_PREFIX
    wanted = getattr(parse, 'wanted', None)
    short = reduced(prefix, whole, wanted) if wanted is not None else None
    if short is not None:
        try:
            return _parse_reduced(short, wanted)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001, S110 (the whole header decides, below)
            pass
    if whole:  # the whole file: a plain buffer gives the same answer
        return parse(lambda: io.BytesIO(prefix))
    buffers = []

    def source() -> _Prefix:
        buffers.append(_Prefix(prefix))
        return buffers[-1]

    try:
        dataset = parse(source)
    except Exception:  # noqa: BLE001 (decided below)
        if any(buffer.overrun for buffer in buffers):
            return None
        raise
    if any(buffer.overrun for buffer in buffers):
        return None
    return dataset


def text(dataset: Any, keyword: str) -> str:
    """Return a tag's value as text (``''`` when missing); PersonName becomes its string.

    :param dataset: a pydicom Dataset.
    :param keyword: the tag keyword.
    """
    value = dataset.get(keyword)
    return '' if value is None else str(value)


def read_dataset(file_obj: Any) -> Any:
    """Read a whole DICOM dataset from an open binary file.

    :param file_obj: file positioned at the start of the DICOM data.
    :return: a pydicom ``FileDataset``.
    """
    require_pydicom()
    from pydicom import dcmread

    return dcmread(file_obj, force=True)


def as_path(value: PathType) -> Path:
    """Return ``value`` as a :class:`~pathlib.Path`.

    :param value: str or path-like.
    :raises TypeError: for anything else.
    """
    if isinstance(value, Path):
        return value
    if isinstance(value, (str, os.PathLike)):
        return Path(value)
    raise TypeError('expected a path (str or os.PathLike), got {!r}'.format(value))
