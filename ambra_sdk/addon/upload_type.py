"""How ``Addon.Dicom.upload`` sends a file: in one request, in chunks, or chosen by size.

The later vendor SDK lets a user choose with class attributes of
``api.Addon.Dicom``; this SDK has them too and maps them onto its
``multipart_threshold`` keyword (see :func:`multipart_threshold_for`):

=======================  ===================================================
``UPLOAD_TYPE``          files in chunks (when the storage has the multipart upload)
=======================  ===================================================
``UploadType.AUTO``      larger than ``MULTIPART_THRESHOLD`` bytes (20 MiB)
``UploadType.PLAIN``     none: every file in one request
``UploadType.MULTIPART`` every (seekable, non-empty) file
=======================  ===================================================
"""

from enum import Enum
from typing import Any, Optional, Union

from ambra_sdk.request_args import sentinel

__all__ = ['UploadType', 'multipart_threshold_for']


class UploadType(str, Enum):
    """How a DICOM file is uploaded (``'auto'``, ``'plain'`` or ``'multipart'`` work too)."""

    #: By size: in chunks above the threshold, else in one request.
    AUTO = 'auto'
    #: In one request (``POST /namespace/{namespace}/image``).
    PLAIN = 'plain'
    #: In chunks (``/multipart/...``), whatever the size.
    MULTIPART = 'multipart'


def multipart_threshold_for(
    upload_type: Optional[Union[UploadType, str]],
    multipart_threshold: Any,
    default_type: Union[UploadType, str],
    default_threshold: Optional[int],
) -> Optional[int]:
    """Return the size above which a file goes in chunks (None: never).

    An explicit ``multipart_threshold`` keeps its meaning (None: one
    request; an int: chunks above it) when ``upload_type`` is not given.
    Otherwise the upload type (the argument, else ``default_type``, the
    class attribute) decides: ``PLAIN`` -> None, ``MULTIPART`` -> 0,
    ``AUTO`` -> ``multipart_threshold`` if given, else ``default_threshold``.

    :param upload_type: the ``upload_type`` argument (None: not given).
    :param multipart_threshold: the ``multipart_threshold`` argument
        (:data:`~ambra_sdk.request_args.sentinel`: not given).
    :param default_type: ``Dicom.UPLOAD_TYPE``.
    :param default_threshold: ``Dicom.MULTIPART_THRESHOLD``.
    :raises ValueError: an unknown upload type, or a threshold given with
        ``PLAIN`` or ``MULTIPART``.
    """
    given = multipart_threshold is not sentinel
    if upload_type is None and given:
        return multipart_threshold  # type: ignore[no-any-return]
    kind = _upload_type(upload_type if upload_type is not None else default_type)
    if kind is UploadType.AUTO:
        return multipart_threshold if given else default_threshold  # type: ignore[no-any-return]
    if given:
        raise ValueError('multipart_threshold applies to UploadType.AUTO only, not to UploadType.{0}'.format(kind.name))
    return None if kind is UploadType.PLAIN else 0


def _upload_type(value: Union[UploadType, str]) -> UploadType:
    try:
        return UploadType(value)
    except ValueError:
        names = ', '.join(repr(kind.value) for kind in UploadType)
        raise ValueError('upload_type must be an UploadType ({0}), got {1!r}'.format(names, value)) from None
