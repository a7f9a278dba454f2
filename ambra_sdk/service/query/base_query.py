"""Common parts of the query classes."""

from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, TypeVar

from ambra_sdk.request_args import RequestArgs
from ambra_sdk.service.lazy_box import LazyBox

if TYPE_CHECKING:
    from ambra_sdk.api.api import Api

DEFAULT_ROWS_IN_PAGINATION_PAGE = 100
MAX_ROWS_IN_PAGINATION_PAGE = 5000

#: Default ``return_constructor``: a :class:`box.Box` subclass that boxes nested values lazily.
DEFAULT_RETURN_CONSTRUCTOR: Callable[[Any], Any] = LazyBox

QueryPT = TypeVar('QueryPT', bound='BaseQueryP')


def get_query_cls_name(with_pagination: bool, with_filtering: bool, with_sorting: bool) -> str:
    """Return the name of the query class with these features.

    ``QueryO`` + ``P`` (pagination) + ``S`` (sorting) + ``F`` (filtering), in this order.

    :param with_pagination: the method is paginated.
    :param with_filtering: the method takes filters.
    :param with_sorting: the method takes ``sort_by``.
    :return: e.g. ``'QueryOPSF'``.
    """
    name = 'QueryO'
    if with_pagination:
        name += 'P'
    if with_sorting:
        name += 'S'
    if with_filtering:
        name += 'F'
    return name


class BaseQuery:
    """A lazy service call: nothing is sent before :meth:`get` (or ``all()``/``first()``).

    :param api: the :class:`~ambra_sdk.api.Api`.
    :param url: relative method URL, e.g. ``/study/get``.
    :param request_data: form data of the call (``None`` values are not sent).
    :param errors_mapping: ``(error_type, error_subtype)`` (or legacy ``error_type``)
        -> exception instance raised for a 412 answer with that error.
    :param required_sid: send the sid with the call.
    :param return_constructor: builds the result from the decoded JSON.
    """

    def __init__(
        self,
        api: 'Api',
        url: str,
        request_data: Optional[Dict[str, Any]],
        errors_mapping: Optional[Dict[Any, Any]],
        required_sid: bool = False,
        return_constructor: Callable[[Any], Any] = DEFAULT_RETURN_CONSTRUCTOR,
    ) -> None:
        self._api = api
        self.url = url
        self.request_data = request_data
        self._errors_mapping = errors_mapping if errors_mapping is not None else {}
        self._required_sid = required_sid
        self.return_constructor = return_constructor
        self.request_args = RequestArgs(
            method='POST',
            url=url,
            full_url=api.service_full_url(url),
            data=request_data,
        )

    @property
    def full_url(self) -> str:
        """The absolute URL of the method."""
        return self._api.service_full_url(self.url)

    def __repr__(self) -> str:
        return '<{cls} {url}>'.format(cls=type(self).__name__, url=self.url)


class BaseQueryP(BaseQuery):
    """A query of a paginated list method.

    :param paginated_field: the response key holding the rows, e.g. ``studies``.
    """

    def __init__(
        self,
        api: 'Api',
        url: str,
        request_data: Optional[Dict[str, Any]],
        errors_mapping: Optional[Dict[Any, Any]],
        paginated_field: str,
        required_sid: bool = False,
        return_constructor: Callable[[Any], Any] = DEFAULT_RETURN_CONSTRUCTOR,
    ) -> None:
        super().__init__(
            api=api,
            url=url,
            request_data=request_data,
            errors_mapping=errors_mapping,
            required_sid=required_sid,
            return_constructor=return_constructor,
        )
        self._paginated_field = paginated_field
        self._rows_in_page = DEFAULT_ROWS_IN_PAGINATION_PAGE

    def set_rows_in_page(self: QueryPT, rows_in_page: int) -> QueryPT:
        """Set how many rows one page request asks for (default 100).

        :param rows_in_page: from 1 to 5000.
        :raises ValueError: outside that range (the message names ``rows_in_page``).
        :return: this query.
        """
        rows = int(rows_in_page)
        if rows > MAX_ROWS_IN_PAGINATION_PAGE:
            raise ValueError(
                'rows_in_page must be at most {max} (Max rows in page is {max}), got {rows}'.format(
                    max=MAX_ROWS_IN_PAGINATION_PAGE,
                    rows=rows,
                ),
            )
        if rows <= 0:
            raise ValueError('rows_in_page must be a positive number, got {rows}'.format(rows=rows))
        self._rows_in_page = rows
        return self
