"""Request arguments of a service call and the autocast of their values.

Autocast (on by default, ``Api(autocast_arguments=True)``) turns the top-level
values of a service call's form data into what the server expects:

* ``datetime.date`` / ``datetime.datetime`` -> ``'%Y-%m-%d %H:%M:%S'``;
* ``list`` / ``dict`` (subclasses too, e.g. a Box) -> JSON text;
* ``bool`` -> ``'1'`` / ``'0'`` (the vendor document's flag format; the
  reference sent ``True``/``False``, see ``docs/source/differences.rst``);
* everything else is left alone (tuples and sets are sent as repeated keys).
"""

import json
from datetime import date, datetime
from typing import Any, Dict, Optional

DATETIME_FORMAT = '%Y-%m-%d %H:%M:%S'


class _Sentinel:
    """The type of :data:`sentinel` (one instance)."""

    def __repr__(self) -> str:
        return 'sentinel'

    def __reduce__(self) -> str:
        return 'sentinel'  # pickles as the module attribute: stays the one instance


#: "Argument not given" (the reference's ``ambra_sdk.request_args.sentinel``):
#: a default that ``None`` cannot be, because ``None`` means something.
sentinel: Any = _Sentinel()


class Encoder(json.JSONEncoder):
    """JSON encoder that writes dates and datetimes as ``'%Y-%m-%d %H:%M:%S'``."""

    def default(self, el: Any) -> Any:  # the reference's parameter name
        """Write a date or datetime as text; anything else is not JSON serializable.

        :param el: the object ``json`` cannot write by itself.
        :raises TypeError: for anything but a date or datetime.
        """
        if isinstance(el, (date, datetime)):
            return el.strftime(DATETIME_FORMAT)
        return super().default(el)


def cast_argument(arg: Any) -> Any:
    """Cast one request value to its wire form.

    :param arg: the value passed by the caller.
    :returns: the value to send.
    """
    if isinstance(arg, bool):
        return '1' if arg else '0'
    if isinstance(arg, date):  # datetime is a date too
        return arg.strftime(DATETIME_FORMAT)
    if isinstance(arg, (list, dict)):
        return json.dumps(arg, cls=Encoder)
    return arg


def cast_arguments(args: Dict[str, Any]) -> Dict[str, Any]:
    """Cast every top-level value of a dict (a new dict is returned).

    :param args: request data.
    :returns: request data with wire values.
    """
    return {key: cast_argument(value) for key, value in args.items()}


class RequestArgs:
    """Arguments of one HTTP request, mirroring :func:`requests.request`.

    :param method: HTTP method.
    :param url: relative URL of the method (``/study/list``).
    :param full_url: absolute URL.
    """

    def __init__(
        self,
        method: str,
        url: str,
        full_url: str,
        params: Optional[Dict[str, Any]] = None,
        data: Any = None,
        json: Any = None,  # noqa: A002 (mirrors requests)
        headers: Optional[Dict[str, str]] = None,
        cookies: Any = None,
        files: Any = None,
        auth: Any = None,
        timeout: Any = None,
        allow_redirects: Optional[bool] = None,
        proxies: Any = None,
        verify: Any = None,
        stream: Optional[bool] = None,
        cert: Any = None,
    ) -> None:
        self.method = method
        self.url = url
        self.full_url = full_url
        self.params = params
        self.data = data
        self.json = json
        self.headers = headers
        self.cookies = cookies
        self.files = files
        self.auth = auth
        self.timeout = timeout
        self.allow_redirects = allow_redirects
        self.proxies = proxies
        self.verify = verify
        self.stream = stream
        self.cert = cert

    def to_dict(self) -> Dict[str, Any]:
        """Return a shallow copy of the arguments as a dict."""
        return dict(self.__dict__)

    def dict_optional_args(self, autocast_arguments_to_string: bool) -> Dict[str, Any]:
        """Return the keyword arguments for :meth:`requests.Session.request`.

        Unlike the reference, arguments left as None are not passed, so
        requests' own defaults apply (redirects are followed by the session
        default and the Api's timeout is used).

        :param autocast_arguments_to_string: cast the form data (see module doc).
        :returns: keyword arguments without ``method``, ``url``, ``full_url``.
        """
        args = self.to_dict()
        for key in ('method', 'url', 'full_url'):
            args.pop(key, None)
        if args.get('data') is not None and autocast_arguments_to_string and isinstance(args['data'], dict):
            args['data'] = cast_arguments(args['data'])
        return {key: value for key, value in args.items() if value is not None}

    def __repr__(self) -> str:
        from ambra_sdk.redact import redact_mapping

        return 'RequestArgs(method={method!r}, url={url!r}, data={data!r})'.format(
            method=self.method,
            url=self.url,
            data=redact_mapping(self.data) if isinstance(self.data, dict) else '...',
        )
