"""Which requests come from where they should: the ``Host`` a request names and the address it comes from.

One check, :func:`foreign_host_refusal`, runs for every request the app
answers (service, storage, websocket channel, control API): a ``Host``
header that does not name the emulator is answered ``403``. A web page in
the developer's browser cannot then reach the emulator through a DNS name
it controls (DNS rebinding), whatever the path.

:func:`is_loopback` tells whether an address is the machine itself (the
published default password is accepted from there only, see
:func:`ambra_sdk.emulator.accounts.password_accepted`).
"""

from __future__ import annotations

import ipaddress
import json
from typing import TYPE_CHECKING, Optional

from werkzeug.wrappers import Response

if TYPE_CHECKING:  # pragma: no cover
    from werkzeug.wrappers import Request

__all__ = ['allowed_hosts', 'host_is_own', 'is_loopback', 'foreign_host_refusal', 'FOREIGN_HOST']

#: ``error`` of the 403 answer to a foreign ``Host``.
FOREIGN_HOST = 'the Host header does not name this emulator'

_LOOPBACK = ('127.0.0.1', 'localhost', '[::1]')
_WILDCARD = ('0.0.0.0', '::', '[::]', '')  # noqa: S104 - names of a wildcard bind, not a bind


def is_loopback(address: Optional[str]) -> bool:
    """True for ``localhost`` and loopback IP addresses (``127.0.0.0/8``, ``::1``, brackets allowed)."""
    if not address:
        return False
    name = address.strip().strip('[]').lower()
    if name == 'localhost':
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def allowed_hosts(engine_fqdn: str) -> set[str]:
    """``Host`` values naming the emulator: its ``host:port`` and the loopback names with its port.

    :param engine_fqdn: ``host:port`` the emulator serves on.
    """
    host, _, port = engine_fqdn.rpartition(':')
    hosts = {engine_fqdn.lower()}
    hosts.update('{0}:{1}'.format(name, port) for name in _LOOPBACK)
    if host not in _WILDCARD:
        hosts.add(host.lower() + ':' + port)
    return hosts


def host_is_own(host: str, engine_fqdn: str) -> bool:
    """True when a ``Host`` header names the emulator serving on ``engine_fqdn``.

    A ``Host`` without a port counts as one with the emulator's port. A wildcard
    bind (``0.0.0.0``, ``::``) also accepts any IP address of the machine with the
    emulator's port (DNS rebinding needs a name, never an address).
    """
    bound, _, port = engine_fqdn.rpartition(':')
    host = host.strip().lower()
    if ':' not in host.rpartition(']')[2]:
        host = '{0}:{1}'.format(host, port)  # no port: one of our names still names us
    if host in allowed_hosts(engine_fqdn):
        return True
    if bound not in _WILDCARD:
        return False
    name, sep, host_port = host.rpartition(':')
    if not sep or host_port != port:
        return False
    try:
        ipaddress.ip_address(name.strip('[]'))
    except ValueError:
        return False
    return True


def foreign_host_refusal(request: Request, engine_fqdn: str) -> Optional[Response]:
    """The ``403`` answer when the request's ``Host`` does not name the emulator, else None.

    A request without ``Host`` (HTTP/1.0) passes: a browser always sends one, and
    a client that does not is not a web page led here by a DNS name.
    """
    host = request.headers.get('Host')
    if host is None or host_is_own(host, engine_fqdn):
        return None
    body = {'status': 'ERROR', 'error_type': 'FORBIDDEN_HOST', 'error': FOREIGN_HOST}
    return Response(json.dumps(body), status=403, content_type='application/json')
