"""HTTPS for the emulator: a certificate authority and a server certificate made at start-up.

:mod:`trustme` (the ``emulator`` extra) makes a throw-away CA and a
certificate for the emulator's own names; the CA is written to a file so
that clients can trust it (``REQUESTS_CA_BUNDLE=<file>``). Nothing is kept
between runs: every start makes a new CA.
"""

from __future__ import annotations

import shutil
import ssl
import tempfile
from pathlib import Path
from typing import Optional

__all__ = ['TlsMaterial', 'make_tls_material', 'certificate_names']

#: Names every certificate covers, whatever the bound interface.
_LOOPBACK_NAMES = ('127.0.0.1', 'localhost', '::1')


def certificate_names(host: str) -> list[str]:
    """Names the server certificate covers: the bound host and the loopback names.

    A wildcard bind (``0.0.0.0``, ``::``) adds the machine's host name.

    :param host: the interface the emulator binds.
    """
    names = [host] if host not in ('', '0.0.0.0', '::') else []  # noqa: S104 - names, not a bind
    if not names:
        import socket

        names.append(socket.gethostname())
    for name in _LOOPBACK_NAMES:
        if name not in names:
            names.append(name)
    return names


class TlsMaterial:
    """A CA file on disk and the server-side :class:`ssl.SSLContext` signed by it.

    :ivar ca_file: path of the CA certificate (PEM) clients must trust.
    :ivar context: the server's TLS context.
    """

    def __init__(self, ca_file: Path, context: ssl.SSLContext, folder: Path) -> None:
        self.ca_file = ca_file
        self.context = context
        self._folder: Optional[Path] = folder

    def close(self) -> None:
        """Remove the CA file (the certificate is useless once the emulator stops)."""
        folder, self._folder = self._folder, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def make_tls_material(host: str) -> TlsMaterial:
    """Make a CA and a server certificate for ``host``.

    :param host: the interface the emulator binds.
    :raises ImportError: the ``trustme`` package (``emulator`` extra) is missing.
    """
    import trustme

    ca = trustme.CA(organization_name='ambra-sdk emulator')
    server_cert = ca.issue_cert(*certificate_names(host))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(context)
    folder = Path(tempfile.mkdtemp(prefix='ambra-emulator-tls-'))
    ca_file = folder / 'emulator-ca.pem'
    ca.cert_pem.write_to_path(str(ca_file))
    return TlsMaterial(ca_file, context, folder)
