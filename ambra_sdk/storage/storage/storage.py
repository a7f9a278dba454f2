"""``api.Storage``: the storage API namespace."""

from typing import Any, Callable, Dict, Iterable, Tuple, TypeVar

from requests import Response

from ambra_sdk.api.api import DEFAULT_STORAGE_BASE_URL
from ambra_sdk.storage.image import Image
from ambra_sdk.storage.paths import format_storage_url
from ambra_sdk.storage.study import Study

ReturnType = TypeVar('ReturnType')


class Storage:
    """The storage API, reached as ``api.Storage``.

    It has two command namespaces, :attr:`Study` and :attr:`Image`.

    :param api: the :class:`~ambra_sdk.api.Api` that sends the requests.
    """

    #: URL template of the storage API. Assigning it on the class
    #: (``Storage.STORAGE_BASE_URL = 'http://{engine_fqdn}/api/v3/storage'``, the
    #: published SDK's way) changes it for every Api without its own template;
    #: see :meth:`base_url_template` for the order of precedence.
    STORAGE_BASE_URL = DEFAULT_STORAGE_BASE_URL

    def __init__(self, api: Any) -> None:
        self._api = api
        self.Study = Study(self)
        self.Image = Image(self)

    @property
    def api(self) -> Any:
        """The Api this storage belongs to."""
        return self._api

    def base_url_template(self) -> str:
        """Return the storage URL template in force, the first set of:

        1. ``api.Storage.STORAGE_BASE_URL = ...`` (this Api's storage only);
        2. the Api's own template: ``Api(..., storage_base_url=...)`` or
           ``api.storage_base_url = ...`` (a value equal to the default counts
           as not set);
        3. ``STORAGE_BASE_URL`` of the class (``Storage.STORAGE_BASE_URL = ...``
           for every Api, or a subclass's);
        4. the default, ``https://{engine_fqdn}/api/v3/storage``.

        :return: a template with an ``{engine_fqdn}`` placeholder.
        """
        own = self.__dict__.get('STORAGE_BASE_URL')
        if own:
            return str(own)
        api_template = getattr(self._api, 'storage_base_url', None)
        if api_template and api_template != DEFAULT_STORAGE_BASE_URL:
            return str(api_template)
        return type(self).STORAGE_BASE_URL or DEFAULT_STORAGE_BASE_URL

    def format_url(self, url_template: str, **kwargs: Any) -> str:
        """Build an absolute storage URL (see :func:`ambra_sdk.storage.paths.format_storage_url`).

        ``engine_fqdn`` must be a host with an optional port; every other
        value is validated and percent-encoded as one path segment.

        :param url_template: path template, e.g. ``/study/{namespace}/{study_uid}/schema``.
        :param kwargs: ``engine_fqdn`` and the path arguments.
        :return: the absolute URL.
        :raises ValueError: a bad ``engine_fqdn`` or path argument (named in the message).
        """
        engine_fqdn = kwargs.pop('engine_fqdn')
        return format_storage_url(self.base_url_template(), url_template, engine_fqdn, kwargs)

    def get_url_and_request(
        self,
        url_template: str,
        url_arg_names: Iterable[str],
        request_arg_names: Iterable[str],
        args: Dict[str, Any],
    ) -> Tuple[str, Dict[str, Any]]:
        """Build the URL and the query dict from a method's arguments.

        :param url_template: path template.
        :param url_arg_names: names of the path arguments (``engine_fqdn`` included).
        :param request_arg_names: names of the query arguments, in wire order.
        :param args: argument name -> value.
        :return: the URL and the query dict (``None`` values dropped).
        """
        url_args = {name: args[name] for name in url_arg_names}
        request_args = {
            name: args[name] for name in request_arg_names if args.get(name) is not None
        }
        return self.format_url(url_template, **url_args), request_args

    def get(self, url: str, **kwargs: Any) -> Response:
        """Send a GET with the sid.

        :param url: absolute URL.
        :param kwargs: requests arguments (``params`` is required).
        :return: the raw response.
        """
        return self._api.storage_get(url, True, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Response:
        """Send a POST with the sid.

        :param url: absolute URL.
        :param kwargs: requests arguments (``params`` is required).
        :return: the raw response.
        """
        return self._api.storage_post(url, True, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Response:
        """Send a DELETE with the sid.

        :param url: absolute URL.
        :param kwargs: requests arguments (``params`` is required).
        :return: the raw response.
        """
        return self._api.storage_delete(url, True, **kwargs)

    def retry_with_new_sid(self, fn: Callable[[], ReturnType]) -> ReturnType:
        """Call ``fn``; on an expired sid log in again and call it once more.

        :param fn: the call to make.
        :return: what ``fn`` returns.
        """
        return self._api.retry_with_new_sid(fn)  # type: ignore[no-any-return]
