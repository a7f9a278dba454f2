"""Reading DICOM headers with pydicom (imported only here, and only when called)."""

import os
from pathlib import Path
from typing import Any, Union

PathType = Union[str, 'os.PathLike[str]']

#: Tags the uploader needs from every file.
HEADER_TAGS = ('SOPInstanceUID', 'StudyInstanceUID', 'SeriesInstanceUID', 'PatientName', 'StudyDate', 'StudyTime')


class NotDicom(ValueError):  # noqa: N818
    """The file is not a DICOM file the storage would accept."""


def require_pydicom() -> None:
    """Check that pydicom can be imported.

    :raises ImportError: with the install hint when it cannot.
    """
    try:
        import pydicom  # noqa: F401
    except ImportError as error:
        raise ImportError(
            'api.Addon needs pydicom to read DICOM files: pip install "ambra-sdk[dicom]"',
        ) from error


def read_header(path: PathType) -> Any:
    """Read the identifying tags of a DICOM file (no pixel data).

    A file without the ``DICM`` preamble is accepted when it still parses
    and has a SOP Instance UID and a Study Instance UID (as the storage does).

    :param path: the file.
    :return: a pydicom ``Dataset`` with the tags of :data:`HEADER_TAGS`.
    :raises OSError: the file is missing or cannot be read.
    :raises NotDicom: it is not DICOM, or lacks the UIDs.
    """
    require_pydicom()
    from pydicom import dcmread
    from pydicom.errors import InvalidDicomError

    name = os.fspath(path)
    try:
        try:
            dataset = dcmread(name, stop_before_pixels=True, specific_tags=list(HEADER_TAGS))
        except InvalidDicomError:
            dataset = dcmread(name, stop_before_pixels=True, specific_tags=list(HEADER_TAGS), force=True)
    except OSError:
        raise
    except Exception as error:  # noqa: BLE001 (pydicom raises many kinds on garbage)
        raise NotDicom('not a DICOM file ({})'.format(type(error).__name__)) from None
    missing = [tag for tag in ('SOPInstanceUID', 'StudyInstanceUID') if not str(dataset.get(tag, '') or '').strip()]
    if missing:
        raise NotDicom('not a DICOM image: no {}'.format(', '.join(missing)))
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
