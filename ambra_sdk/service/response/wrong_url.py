"""The message of a service 404: almost always an Api ``url`` without ``/api/v3``."""

from urllib.parse import urlsplit

import requests

from ambra_sdk.redact import redact_text

#: The path every service URL starts with.
SERVICE_PATH = '/api/v3'


def _public_url(url: str) -> str:
    """Return ``url`` without user info, query or fragment."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit('@', 1)[-1]
    return '{scheme}://{host}{path}'.format(scheme=parts.scheme, host=host, path=parts.path)


def suggested_base_url(url: str) -> str:
    """Return the service API base URL on the host of ``url``: ``https://host/api/v3``.

    :param url: any URL on the host.
    """
    parts = urlsplit(url)
    host = parts.netloc.rsplit('@', 1)[-1] or 'host'
    return '{scheme}://{host}{path}'.format(scheme=parts.scheme or 'https', host=host, path=SERVICE_PATH)


def not_found_description(response: requests.Response) -> str:
    """Describe a 404 answer: the URL that answered, and the form the Api URL should have.

    :param response: the 404 response.
    :return: the message.
    """
    url = response.url or (response.request.url if response.request is not None else '') or ''
    advice = "the service API URL given to Api must look like 'https://host/api/v3'"
    if not url:
        return '404 Not Found: {advice}'.format(advice=advice)
    return redact_text(
        '404 Not Found from {url}: {advice} (here probably {suggested!r})'.format(
            url=_public_url(url),
            advice=advice,
            suggested=suggested_base_url(url),
        ),
    )


__all__ = ['not_found_description', 'suggested_base_url', 'SERVICE_PATH']
