"""TLS for the websocket channel: trust exactly what requests trusts.

``wss://`` connections use an :class:`ssl.SSLContext` built from the
requests session's settings, merged with the environment as requests does:
``session.verify`` (``True``: requests' CA bundle, a path: that bundle or
folder, ``False``: no verification), ``REQUESTS_CA_BUNDLE`` /
``CURL_CA_BUNDLE`` when the session trusts the environment, and
``session.cert`` (a client certificate).
"""

import os
import ssl
from typing import Optional

import requests
import requests.utils


def ssl_context_for(session: requests.Session, url: str) -> Optional[ssl.SSLContext]:
    """Return the TLS context for ``url`` (None for a plain ``ws://``/``http://`` URL).

    :param session: the requests session whose trust settings apply.
    :param url: the channel URL (``http(s)://`` or ``ws(s)://``).
    """
    if not url.lower().startswith(('https://', 'wss://')):
        return None
    https_url = 'https://' + url.split('://', 1)[1]
    verify = session.merge_environment_settings(https_url, {}, None, None, None)['verify']
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif isinstance(verify, str) and os.path.isdir(verify):
        context = ssl.create_default_context(capath=verify)
    elif isinstance(verify, str):
        context = ssl.create_default_context(cafile=verify)
    else:
        context = ssl.create_default_context(cafile=requests.utils.DEFAULT_CA_BUNDLE_PATH)
    cert = session.cert
    if isinstance(cert, str):
        context.load_cert_chain(cert)
    elif cert:
        context.load_cert_chain(cert[0], cert[1])
    return context
