"""Shared machinery of the ``Storage.Study`` and ``Storage.Image`` namespaces."""

from typing import TYPE_CHECKING, Any, Dict, Iterable, Optional, Type, Union, cast

from box import Box, BoxList
from requests import Response

from ambra_sdk.storage.args import drop_none
from ambra_sdk.storage.boxes import storage_box
from ambra_sdk.storage.builders import add_builders
from ambra_sdk.storage.download import DownloadTarget
from ambra_sdk.storage.request import PreparedRequest, StorageMethod

if TYPE_CHECKING:
    from ambra_sdk.storage.storage import Storage

#: What a method with ``use_box`` returns.
BoxResult = Union[Box, BoxList, Response, PreparedRequest]
#: What a method without ``use_box`` returns.
ResponseResult = Union[Response, PreparedRequest]


def _plain(response: Response) -> Response:
    """Return a read response as a plain :class:`requests.Response`.

    The transport may use a Response subclass (for read timeouts while
    streaming); once the body is read that no longer matters, and the
    documented contract is ``type(result) == Response``. A streamed body
    that is not read yet keeps the subclass.
    """
    consumed = getattr(response, '_content_consumed', False)
    if type(response) is not Response and isinstance(response, Response) and consumed:
        response.__class__ = Response
    return response


class StorageNamespace:
    """Base of the storage command namespaces.

    :param storage: the :class:`~ambra_sdk.storage.storage.Storage` object.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Give each storage method of the subclass its private builder (:mod:`ambra_sdk.storage.builders`)."""
        super().__init_subclass__(**kwargs)
        add_builders(cls)

    def __init__(self, storage: 'Storage') -> None:
        self._storage = storage

    @property
    def storage(self) -> 'Storage':
        """The Storage this namespace belongs to."""
        return self._storage

    def _prepare(
        self,
        method: StorageMethod,
        url_template: str,
        engine_fqdn: str,
        path_args: Dict[str, Any],
        params: Dict[str, Any],
        files: Optional[Dict[str, Any]] = None,
        headers: Optional[Dict[str, str]] = None,
        data: Any = None,
        stream: Optional[bool] = None,
    ) -> PreparedRequest:
        url = self._storage.format_url(url_template, engine_fqdn=engine_fqdn, **path_args)
        return PreparedRequest(
            self._storage,
            url,
            method,
            params=drop_none(params),
            files=files,
            headers=headers,
            data=data,
            stream=stream,
        )

    def _finish(
        self,
        prepared: PreparedRequest,
        only_prepare: bool,
        use_box: bool = False,
        box_class: Optional[Type[Any]] = None,
        target: Optional[DownloadTarget] = None,
        owned_files: Iterable[Any] = (),
    ) -> Any:
        """Return the prepared request, or execute it and shape the result.

        :param prepared: the request.
        :param only_prepare: ``True`` (identity) returns ``prepared`` unsent.
        :param use_box: ``True`` (identity) wraps the JSON in ``box_class``.
        :param box_class: Box type for the JSON body.
        :param target: where to save a streamed body.
        :param owned_files: files opened by the SDK (from paths), closed after sending.
        :return: PreparedRequest, Box or Response.
        """
        if only_prepare is True:
            return prepared
        try:
            response = prepared.execute()
        finally:
            for owned in owned_files:
                owned.close()
        if target is not None:
            target.save(response, max_expansion=getattr(self._storage.api, 'max_download_expansion', None))
            return _plain(response)
        if use_box is True and box_class is not None:
            return storage_box(response, box_class)
        return _plain(response)

    def _box(
        self,
        prepared: PreparedRequest,
        only_prepare: bool,
        use_box: bool,
        box_class: Type[Any],
        owned_files: Iterable[Any] = (),
    ) -> BoxResult:
        return cast(BoxResult, self._finish(prepared, only_prepare, use_box, box_class, owned_files=owned_files))

    def _response(
        self,
        prepared: PreparedRequest,
        only_prepare: bool,
        target: Optional[DownloadTarget] = None,
        owned_files: Iterable[Any] = (),
    ) -> ResponseResult:
        return cast(ResponseResult, self._finish(prepared, only_prepare, target=target, owned_files=owned_files))
