"""URL templates shared by the storage namespaces, and the one function that fills them."""

import functools
import ipaddress
import re
from typing import Any, Dict, Optional, Tuple
from urllib.parse import quote

STUDY = '/study/{namespace}/{study_uid}'
IMAGE = STUDY + '/image/{image_uid}/version/{image_version}'
FRAME = IMAGE + '/frame/{frame_number}'


def image_path(namespace: str, study_uid: str, image_uid: str, image_version: str) -> Dict[str, Any]:
    """Return the path arguments of an image URL.

    :param namespace: storage namespace.
    :param study_uid: study UID.
    :param image_uid: image UID.
    :param image_version: image version.
    :return: path arguments for :data:`IMAGE`.
    """
    return {
        'namespace': namespace,
        'study_uid': study_uid,
        'image_uid': image_uid,
        'image_version': image_version,
    }


def frame_path(
    namespace: str, study_uid: str, image_uid: str, image_version: str, frame_number: Any,
) -> Dict[str, Any]:
    """Return the path arguments of a frame URL.

    :param namespace: storage namespace.
    :param study_uid: study UID.
    :param image_uid: image UID.
    :param image_version: image version.
    :param frame_number: frame number.
    :return: path arguments for :data:`FRAME`.
    """
    path_args = image_path(namespace, study_uid, image_uid, image_version)
    path_args['frame_number'] = frame_number
    return path_args


# --------------------------------------------------------------------------- URL building
# The ONE place where storage path arguments and ``engine_fqdn`` enter a URL
# (``Storage.format_url`` calls :func:`format_storage_url`). Every storage
# method, multipart and DICOMweb included, must build its URL through it.

#: Characters sent as they are inside one path segment (RFC 3986 ``pchar``
#: without ``%``): UIDs, uuids and namespaces are unchanged on the wire.
SEGMENT_SAFE = "-._~!$&'()*+,;=:@"

_CONTROL_RE = re.compile(r'[\x00-\x1f\x7f-\x9f]')
_FORBIDDEN_IN_SEGMENT = ('/', '?', '#', '\\')
_LABEL_RE = re.compile(r'[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?')
_PORT_RE = re.compile(r'[0-9]{1,5}')


def encode_path_segment(name: str, value: Any) -> str:
    """Validate one storage path argument and percent-encode it as one path segment.

    :param name: the argument name (used in the error message).
    :param value: a ``str`` (or an ``int``, such as ``frame_number``).
    :return: the segment as sent on the wire.
    :raises ValueError: not a str/int, empty, ``.`` or ``..``, or holding ``/``,
        ``\\``, ``?``, ``#`` or a control character.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ValueError('{0} must be a str, got {1}'.format(name, type(value).__name__))
    if value in ('', '.', '..'):
        raise ValueError('{0} must be a non-empty path segment other than "." and "..", got {1!r}'.format(name, value))
    bad = [char for char in _FORBIDDEN_IN_SEGMENT if char in value]
    if bad:
        raise ValueError('{0} must be one path segment: it may not contain {1!r}'.format(name, bad[0]))
    if _CONTROL_RE.search(value):
        raise ValueError('{0} may not contain control characters'.format(name))
    return quote(value, safe=SEGMENT_SAFE)


def check_engine_fqdn(engine_fqdn: Any) -> str:
    """Validate ``engine_fqdn``: a host name (IDNA), an IPv4 address or ``[IPv6]``, with an optional port.

    :param engine_fqdn: the storage engine host, e.g. ``'storelpt.ambrahealth.com'``
        or ``'127.0.0.1:8080'``.
    :return: the value to put in the URL (an internationalised name in its IDNA form).
    :raises ValueError: anything else (``None``, ``'host:1@other:2'``, a path, ...).
    """
    if not isinstance(engine_fqdn, str):
        raise ValueError('engine_fqdn must be a str (a host name with an optional port), got {0}'.format(
            type(engine_fqdn).__name__,
        ))
    return _checked_host(str(engine_fqdn))


@functools.lru_cache(maxsize=256)
def _checked_host(engine_fqdn: str) -> str:
    """:func:`check_engine_fqdn` of a str, kept per value (every storage call checks the same few hosts)."""
    host, port = _split_port(engine_fqdn)
    if port is not None and not (_PORT_RE.fullmatch(port) and 0 < int(port) < 65536):
        raise ValueError('engine_fqdn has an invalid port: {0!r}'.format(engine_fqdn))
    if host.startswith('['):
        if not host.endswith(']'):
            raise ValueError('engine_fqdn is not a valid [IPv6] address: {0!r}'.format(engine_fqdn))
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise ValueError('engine_fqdn is not a valid [IPv6] address: {0!r}'.format(engine_fqdn)) from None
        return engine_fqdn
    ascii_host = _idna(host, engine_fqdn)
    labels = ascii_host[:-1].split('.') if ascii_host.endswith('.') else ascii_host.split('.')
    if not ascii_host or len(ascii_host) > 253 or not all(_LABEL_RE.fullmatch(label) for label in labels):
        raise ValueError(
            'engine_fqdn must be a host name or address with an optional port, got {0!r}'.format(engine_fqdn),
        )
    return ascii_host if port is None else '{0}:{1}'.format(ascii_host, port)


def _split_port(value: str) -> Tuple[str, Optional[str]]:
    if value.startswith('['):
        host, end, rest = value.partition(']')
        if not end:
            return value, None
        if not rest:
            return host + end, None
        if not rest.startswith(':'):
            raise ValueError('engine_fqdn must be [IPv6] or [IPv6]:port, got {0!r}'.format(value))
        return host + end, rest[1:]
    if value.count(':') == 1:
        host, _, port = value.partition(':')
        return host, port
    return value, None


def _idna(host: str, original: str) -> str:
    if host.isascii():
        return host
    try:
        return host.encode('idna').decode('ascii')
    except UnicodeError:
        raise ValueError('engine_fqdn is not a valid internationalised host name: {0!r}'.format(original)) from None


def format_storage_url(base_template: str, url_template: str, engine_fqdn: Any, path_args: Dict[str, Any]) -> str:
    """Build an absolute storage URL: THE function every storage method goes through.

    ``engine_fqdn`` is checked by :func:`check_engine_fqdn`; each path argument
    by :func:`encode_path_segment` (validated, percent-encoded as one segment).

    :param base_template: the base URL template with ``{engine_fqdn}``.
    :param url_template: the path template, e.g. ``/study/{namespace}/{study_uid}/schema``.
    :param engine_fqdn: the storage engine host.
    :param path_args: the path arguments by name.
    :return: the absolute URL.
    :raises ValueError: a bad argument, named in the message.
    """
    base = base_template.format(engine_fqdn=check_engine_fqdn(engine_fqdn))
    segments = {name: encode_path_segment(name, value) for name, value in path_args.items()}
    return base + url_template.format(**segments)
