"""A storage request that is built but not sent yet."""

from enum import Enum
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

from requests import Response

from ambra_sdk.storage.response import check_errors

if TYPE_CHECKING:
    from ambra_sdk.storage.storage import Storage


class StorageMethod(Enum):
    """HTTP verbs used by the storage API."""

    get = 'GET'
    post = 'POST'
    delete = 'DELETE'


def _file_objects(value: Any) -> List[Any]:
    """Return the readable, seekable file objects found in a body value."""
    if isinstance(value, tuple) and len(value) >= 2:
        return _file_objects(value[1])
    if isinstance(value, dict):
        found: List[Any] = []
        for item in value.values():
            found.extend(_file_objects(item))
        return found
    if hasattr(value, 'read') and hasattr(value, 'seek') and hasattr(value, 'tell'):
        return [value]
    return []


class PreparedRequest:
    """A storage request: everything needed to send it, and nothing sent yet.

    Building one never logs in and never sends anything. ``params`` gets the
    ``sid`` when the request is executed.

    :param storage: the :class:`~ambra_sdk.storage.storage.Storage` that sends it.
    :param url: absolute URL without the query string.
    :param method: the HTTP verb.
    :param params: query parameters.
    :param files: multipart files (``{'data': f}`` or ``{'file': f}``).
    :param headers: extra request headers.
    :param data: the body (text, a file object or form fields).
    :param stream: ``True`` for a streamed response body.
    """

    __slots__ = ('storage', 'url', 'method', 'params', 'files', 'headers', 'data', 'stream')

    def __init__(
        self,
        storage: 'Storage',
        url: str,
        method: StorageMethod,
        params: Optional[Dict[str, Any]] = None,
        files: Optional[Dict[str, Any]] = None,
        headers: Optional[Dict[str, str]] = None,
        data: Any = None,
        stream: Optional[bool] = None,
    ) -> None:
        self.storage = storage
        self.url = url
        self.method = method
        self.params = params
        self.files = files
        self.headers = headers
        self.data = data
        self.stream = stream

    def __repr__(self) -> str:
        """Show the verb and URL (never the params, which hold the sid after execution)."""
        return '<PreparedRequest {method} {url}>'.format(method=self.method.value, url=self.url)

    def file_positions(self) -> List[Tuple[Any, int]]:
        """Return ``(file, position)`` for every file object of the body.

        :return: the current read position of each seekable file of ``data`` and ``files``.
        """
        positions = []
        for file_obj in _file_objects(self.data) + _file_objects(self.files):
            seekable = getattr(file_obj, 'seekable', None)
            try:
                if seekable is None or seekable():
                    positions.append((file_obj, file_obj.tell()))
            except (OSError, ValueError):
                continue  # a pipe or socket cannot be rewound; it is sent once as is
        return positions

    def execute(self) -> Response:
        """Send the request; on an expired sid, log in again and send it once more.

        File bodies are rewound to the position they had when ``execute``
        was called before every attempt, so a retry sends the whole file.

        :return: a response that passed :func:`~ambra_sdk.storage.response.check_errors`.
        """
        positions = self.file_positions()
        attempt: Callable[[], Response] = self.execute_once
        if positions:
            attempt = _rewinding(self.execute_once, positions)
        return self.storage.retry_with_new_sid(attempt)

    def execute_once(self) -> Response:
        """Send the request once and check the response.

        A text body (``str``) is sent encoded as UTF-8.

        :return: a response that passed :func:`~ambra_sdk.storage.response.check_errors`.
        :raises RuntimeError: unknown ``method``.
        """
        request_kwargs: Dict[str, Any] = {}
        for name in ('params', 'data', 'headers', 'files', 'stream'):
            field_value = getattr(self, name)
            if field_value is not None:
                request_kwargs[name] = field_value
        if isinstance(self.data, str):
            # http.client would encode a str body as Latin-1; the JSON bodies say charset=utf-8
            request_kwargs['data'] = self.data.encode('utf-8')
        if self.method is StorageMethod.get:
            response = self.storage.get(self.url, **request_kwargs)
        elif self.method is StorageMethod.post:
            response = self.storage.post(self.url, **request_kwargs)
        elif self.method is StorageMethod.delete:
            response = self.storage.delete(self.url, **request_kwargs)
        else:
            raise RuntimeError('Unknown storage request method: {method}'.format(method=self.method))
        return check_errors(response)


def _rewinding(send: Callable[[], Response], positions: List[Tuple[Any, int]]) -> Callable[[], Response]:
    def rewind() -> None:
        for file_obj, position in positions:
            if not getattr(file_obj, 'closed', False):
                file_obj.seek(position)

    def attempt() -> Response:
        rewind()
        try:
            return send()
        except BaseException:
            rewind()  # a caller retrying with the same file sends it whole again
            raise
    return attempt
