"""What storage refuses to file: UIDs that are not DICOM UIDs, files that end too early.

* :func:`is_valid_uid`: a UID as DICOM PS3.5 section 9.1 defines it: digits and
  dots, no empty component, no component with a leading zero (``0`` alone is
  fine), at most 64 characters.
* :func:`truncation`: walks the data elements of a Part-10 file by their
  headers only (:func:`ambra_sdk.dicom_walk.truncation_of`, over the bytes
  or a memory map: values are never read), so a file whose last value, item
  or sequence ends after the end of the file is found whatever its size.
"""

from __future__ import annotations

import mmap
import os
import re
from typing import Any, Optional, Tuple

from ambra_sdk.dicom_walk import truncation_of

__all__ = ['MAX_UID_LENGTH', 'is_valid_uid', 'truncation', 'dataset_truncation']

#: Longest UID DICOM allows.
MAX_UID_LENGTH = 64
_UID = re.compile(r'(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*\Z')

#: Deflated transfer syntaxes: the data set is compressed, its elements are not walked.
DEFLATED = frozenset({'1.2.840.10008.1.2.1.99', '1.2.840.10008.1.2.8.1'})
#: The one big-endian transfer syntax (retired, still met).
EXPLICIT_BIG_ENDIAN = '1.2.840.10008.1.2.2'


def is_valid_uid(value: str) -> bool:
    """True when ``value`` is a DICOM UID (trailing NUL padding already removed by the caller)."""
    return len(value) <= MAX_UID_LENGTH and _UID.match(value) is not None


def truncation(
    path: str, little_endian: bool = True, data: Optional[bytes] = None, resume: Optional[Tuple[int, bool]] = None,
) -> Optional[str]:
    """Where a DICOM file ends too early, or None when every element is complete.

    Explicit or implicit VR is told from the first element of the data set, as
    pydicom does (some files say one in their transfer syntax and use the other).

    :param path: the file (with or without the 128-byte preamble and ``DICM``).
    :param little_endian: the data set is little endian.
    :param data: the whole content of ``path`` when the caller has read it
        already (then the file is not opened again).
    :param resume: with ``data``: where a clean walk of it stopped (see
        :func:`~ambra_sdk.dicom_walk.truncation_of`).
    :returns: e.g. ``'the file ends inside (7FE0,0010)'``.
    """
    if data is not None:
        return truncation_of(data, little_endian, resume)
    if os.path.getsize(path) == 0:
        return 'the file is empty'
    with open(path, 'rb') as src, mmap.mmap(src.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        return truncation_of(mapped, little_endian)


def dataset_truncation(
    path: str, ds: Any, data: Optional[bytes] = None, resume: Optional[Tuple[int, bool]] = None,
) -> Optional[str]:
    """:func:`truncation` of a file pydicom has read as ``ds`` (None for a deflated data set).

    :param data: the file's content, when the caller holds it (see :func:`truncation`).
    :param resume: see :func:`truncation`.
    """
    meta = getattr(ds, 'file_meta', None)
    syntax = str(meta.get('TransferSyntaxUID', '')) if meta is not None else ''
    if syntax in DEFLATED:
        return None
    return truncation(path, little_endian=syntax != EXPLICIT_BIG_ENDIAN, data=data, resume=resume)
