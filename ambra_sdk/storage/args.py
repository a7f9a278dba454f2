"""Conversions and local validation of storage method arguments.

Everything here runs before a request is built, so a bad value raises
before anything is sent (also with ``only_prepare=True``).
"""

import os
from typing import Any, Dict, List, Optional, Tuple

DEPTHS = (8, 16)
BUNDLES = ('dicom', 'iso', 'osx', 'win')
JOB_ID_HEADER = 'X-AmbraHealth-Job-Id'
JSON_CONTENT_TYPE = 'application/json; charset=utf-8'


def bool_to_int(bool_value: Any, name: str = 'value') -> Optional[int]:
    """Convert a flag for the query string: ``None`` stays, ``True`` -> 1, ``False`` -> 0.

    :param bool_value: the flag (a bool, an int or a text such as ``'1'``; the reference's keyword).
    :param name: the argument name, used in the error message.
    :return: ``None``, 0, 1 or ``int(bool_value)``.
    :raises ValueError: the value is not a flag.
    """
    value = bool_value
    if value is None:
        return None
    if value is True:
        return 1
    if value is False:
        return 0
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(
            '{name} must be a bool, 0, 1 or None, got {value!r}'.format(name=name, value=value),
        ) from None


def true_false(value: Any) -> Optional[str]:
    """Return ``None`` for ``None``, else ``'true'`` or ``'false'``.

    :param value: a flag.
    :return: the text sent on the wire.
    """
    if value is None:
        return None
    return 'true' if value else 'false'


def check_depth(depth: Any) -> None:
    """Accept ``None``, 8 or 16.

    :param depth: the ``depth`` argument.
    :raises ValueError: any other value.
    """
    if depth is not None and (isinstance(depth, bool) or depth not in DEPTHS):
        raise ValueError(
            'Depth must be in (8, 16): depth={depth!r}; allowed values: None, 8, 16'.format(depth=depth),
        )


def check_size(size: Any) -> None:
    """Accept ``None``, an integer (``512``, ``'512'``) or ``'WIDTHxHEIGHT'`` (lowercase x).

    :param size: the ``size`` argument.
    :raises ValueError: any other value.
    """
    if size is None:
        return
    allowed = "allowed values: None, an integer such as 512 or '512', or 'WIDTHxHEIGHT' such as '640x480'"
    try:
        int(size)
    except (TypeError, ValueError):
        pass
    else:
        return
    if not isinstance(size, str):
        raise ValueError('Wrong size format: size={size!r}; {allowed}'.format(size=size, allowed=allowed))
    parts = size.split('x')
    if len(parts) != 2:
        raise ValueError('Wrong size format: size={size!r}; {allowed}'.format(size=size, allowed=allowed))
    for label, part in zip(('width', 'height'), parts):
        try:
            int(part)
        except ValueError:
            raise ValueError(
                'Wrong {label} value: size={size!r}; {allowed}'.format(label=label, size=size, allowed=allowed),
            ) from None


def check_bundle(bundle: Any) -> None:
    """Accept only ``dicom``, ``iso``, ``osx`` or ``win``.

    :param bundle: the ``bundle`` argument.
    :raises ValueError: any other value.
    """
    if bundle not in BUNDLES:
        raise ValueError(
            'Boundle not in ("dicom", "iso", "osx", "win"): bundle={bundle!r}; '
            'allowed values: dicom, iso, osx, win'.format(bundle=bundle),
        )


def job_headers(job_id: Optional[str], **extra: str) -> Dict[str, str]:
    """Return the request headers of a method with a job id argument.

    :param job_id: ``x_ambrahealth_job_id`` (the header is set only when not None).
    :param extra: other headers (set first).
    :return: a header dict (possibly empty).
    """
    headers = dict(extra)
    if job_id is not None:
        headers[JOB_ID_HEADER] = job_id
    return headers


def drop_none(params: Dict[str, Any]) -> Dict[str, Any]:
    """Return ``params`` without the ``None`` values, in the same order.

    :param params: query parameters.
    :return: a new dict.
    """
    return {key: param for key, param in params.items() if param is not None}


def _is_path(value: Any) -> bool:
    return isinstance(value, (str, os.PathLike))


def open_path(path: Any, name: str) -> Any:
    """Open a file given by path for reading in binary mode.

    :param path: a str or path-like object.
    :param name: the argument name, used in error messages.
    :return: an open binary file (the caller closes it).
    :raises FileNotFoundError: no such file.
    :raises IsADirectoryError: the path is a directory.
    """
    fspath = os.fspath(path)
    if os.path.isdir(fspath):
        raise IsADirectoryError('{name}: {path!r} is a directory, not a file'.format(name=name, path=fspath))
    if not os.path.exists(fspath):
        raise FileNotFoundError('{name}: no such file {path!r}'.format(name=name, path=fspath))
    return open(fspath, 'rb')  # noqa: SIM115 (closed by the caller)


def check_file_object(file_obj: Any, name: str) -> None:
    """Check that a file object can be sent.

    :param file_obj: a file object, or the bytes/str content of a tuple spec.
    :param name: the argument name, used in error messages.
    :raises ValueError: the file is closed or not readable.
    :raises TypeError: the value cannot be sent as a file.
    """
    if isinstance(file_obj, (bytes, bytearray, str)):
        return
    if not hasattr(file_obj, 'read'):
        raise TypeError(
            '{name} must be a file opened in binary mode (or a path), got {kind}'.format(
                name=name, kind=type(file_obj).__name__,
            ),
        )
    if getattr(file_obj, 'closed', False):
        raise ValueError('{name} is closed'.format(name=name))
    readable = getattr(file_obj, 'readable', None)
    if readable is not None and not readable():
        raise ValueError('{name} is not opened for reading'.format(name=name))


def file_argument(value: Any, name: str, allow_tuple: bool = True) -> Tuple[Any, List[Any]]:
    """Validate a file argument, opening it when a path is given.

    :param value: a binary file object, a path, or (when ``allow_tuple``) a
        ``(filename, fileobj[, content_type[, headers]])`` tuple.
    :param name: the argument name, used in error messages.
    :param allow_tuple: whether the requests tuple spec is accepted.
    :return: the value to send and the files opened here (the caller closes them).
    :raises TypeError: a value that cannot be sent.
    """
    if value is None:
        raise TypeError('{name} is required'.format(name=name))
    if _is_path(value):
        opened = open_path(value, name)
        return opened, [opened]
    if isinstance(value, tuple):
        if not allow_tuple:
            raise TypeError('{name} must be a file opened in binary mode or a path'.format(name=name))
        if len(value) < 2 or len(value) > 4:
            raise TypeError('{name}: a tuple must be (filename, fileobj[, content_type[, headers]])'.format(
                name=name,
            ))
        check_file_object(value[1], name)
        return value, []
    check_file_object(value, name)
    return value, []


def file_size(value: Any) -> int:
    """Return the full size of the file to send (``X-File-Size``).

    A real OS file uses ``fstat`` (the read position is ignored, as in the
    reference); other seekable objects (``BytesIO``) are measured by seeking.

    :param value: a file object, or a tuple whose second item is the file.
    :return: the size in bytes.
    """
    file_obj = value[1] if isinstance(value, tuple) else value
    if isinstance(file_obj, (bytes, bytearray)):
        return len(file_obj)
    if isinstance(file_obj, str):
        return len(file_obj.encode('utf-8'))
    try:
        fileno = file_obj.fileno()
    except (AttributeError, OSError, ValueError):
        position = file_obj.tell()
        size = file_obj.seek(0, os.SEEK_END)
        file_obj.seek(position)
        return int(size)
    return os.fstat(fileno).st_size
