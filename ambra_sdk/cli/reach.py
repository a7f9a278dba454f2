"""Can the server be reached? A connect probe before the first call, and what a connection error means.

The SDK retries a failed connection a few times with back-off (right for a
long job, 40 s and more for a server that drops packets); a person at a
terminal wants to know within the connect timeout. :func:`probe` opens one
TCP connection to the service host (never through a proxy: then the probe
is skipped) and reports failure at once. :func:`describe_connection_error`
turns the SDK's connection errors into a line that keeps the SDK's precise
hint (a TLS handshake answered in plain HTTP...) and names the options.
"""

import re
import socket
from typing import Optional, Tuple
from urllib.parse import urlsplit

import requests

from ambra_sdk.cli.exit_codes import ExitCode
from ambra_sdk.redact import redact_text

__all__ = ['describe_connection_error', 'probe']

#: OpenSSL's source position at the end of its messages (`` (_ssl.c:1006)``).
_SSL_SOURCE = re.compile(r'\s*\(_ssl\.c:\d+\)')
_PLAIN_HTTP_HINT = (
    "; with ambra: --url http://... and --storage-base-url 'http://{engine_fqdn}/api/v3/storage'"
)


def probe(url: str, connect_timeout: float) -> None:
    """Open (and close) one TCP connection to the host of ``url``.

    :param url: the service URL.
    :param connect_timeout: seconds to wait for the connection.
    :raises CliError: (exit 6) the host does not resolve, refuses or does not answer in time.
    """
    from ambra_sdk.cli.errors import CliError

    parts = urlsplit(url)
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        return
    if requests.utils.get_environ_proxies(url):
        return  # the proxy connects, not us
    port = parts.port or (443 if parts.scheme == 'https' else 80)
    where = '{0}:{1}'.format(parts.hostname, port)
    try:
        connection = socket.create_connection((parts.hostname, port), timeout=connect_timeout)
    except socket.timeout:
        reason = 'no answer within the connect timeout ({0:g} s)'.format(connect_timeout)
    except socket.gaierror:
        reason = 'the host name does not resolve'
    except ConnectionRefusedError:
        reason = 'connection refused (nothing listens on that port)'
    except OSError as error:
        reason = error.strerror or type(error).__name__
    else:
        connection.close()
        return
    raise CliError('cannot reach {0}: {1}; check the URL (--url, AMBRA_URL or the profile) and the '
                   'network'.format(redact_text(where), reason), ExitCode.UNREACHABLE)


def describe_connection_error(error: requests.exceptions.RequestException) -> Optional[Tuple[int, str]]:
    """Return ``(exit code, message)`` for a connection-level error, else None.

    :param error: an exception of the SDK's sessions (already cleaned of secrets).
    """
    text = str(error)
    if isinstance(error, requests.exceptions.SSLError):
        if 'speaks plain HTTP' in text:
            return ExitCode.UNREACHABLE, text + _PLAIN_HTTP_HINT
        return ExitCode.UNREACHABLE, 'TLS error talking to the server ({0}); check the URL (https?) and the ' \
            'certificates (REQUESTS_CA_BUNDLE)'.format(_short(text))
    if isinstance(error, requests.exceptions.Timeout):
        return ExitCode.UNREACHABLE, 'the server did not answer in time ({0}); check the URL or try ' \
            'again later'.format(type(error).__name__)
    if isinstance(error, requests.exceptions.ConnectionError):
        return ExitCode.UNREACHABLE, 'cannot reach the server ({0}); check the URL (--url, AMBRA_URL or the ' \
            'profile) and the network'.format(_short(text))
    return None


def _short(text: str) -> str:
    """The innermost reason of a urllib3 message (``... Caused by X('...: [Errno 111] Connection refused')``)."""
    for marker in ('[Errno', '[SSL:', 'Errno', 'SSL:', 'certificate verify failed'):
        at = text.find(marker)
        if at >= 0:
            reason = _SSL_SOURCE.sub('', text[at:].split('\n')[0])  # the host a certificate names is kept
            return reason.rstrip(')"\' ').rstrip('.').strip()[:200]
    return text[:200]
