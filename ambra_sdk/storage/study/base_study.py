"""The reference's ``base_study`` import path.

``BaseStudy`` is :class:`~ambra_sdk.storage.study.study.Study` (the SDK is
synchronous: there is no async twin to share a base with).
"""

from typing import Any

from ambra_sdk.storage.args import check_size
from ambra_sdk.storage.boxes import ImageJsonBox, JsonBox
from ambra_sdk.storage.study.study import Study

BaseStudy = Study


def validate_size(size_str: Any) -> None:
    """Accept ``None``, an integer (``512``, ``'512'``) or ``'WIDTHxHEIGHT'``.

    :param size_str: the ``size`` argument (the reference's keyword).
    :raises ValueError: any other value.
    """
    check_size(size_str)


def validate_size_x_string(size_str: Any) -> None:
    """Accept only ``'WIDTHxHEIGHT'`` (lowercase ``x``, two integers).

    :param size_str: the size text (the reference's keyword).
    :raises ValueError: any other value.
    """
    size = size_str
    if not isinstance(size, str) or 'x' not in size:
        raise ValueError(
            "Wrong size format: size={size!r}; expected 'WIDTHxHEIGHT' such as '640x480'".format(size=size),
        )
    check_size(size)


__all__ = ['BaseStudy', 'ImageJsonBox', 'JsonBox', 'validate_size', 'validate_size_x_string']
