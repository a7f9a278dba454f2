"""Lazy iteration over the rows of a paginated service method.

Differences from the reference (on purpose):

* each page request works on a copy of the query's data, so ``page.rows`` and
  ``page.number`` never leak into the query (a later ``query.get()`` is unchanged);
* ``response[a:b]`` returns a new :class:`IterableResponse` and leaves the
  original alone; slices compose like list slices (``r[5:][2:4]`` is rows 7..8);
* at most two pages (the current one and the one before) are held while iterating;
* no page is fetched once the requested range is complete, and a page that
  brings no rows ends the iteration (a server that keeps answering
  ``more: 1`` with empty pages cannot make it loop forever);
* a page that brings the same rows as the page before while ``more`` is still
  set (a server that ignores ``page.number``) raises :class:`RepeatedPage`
  instead of looping forever; ``page.rows``/``page.more`` that are not integers
  raise :class:`~ambra_sdk.exceptions.service_base.ServiceResponseError`
  (see :func:`ambra_sdk.service.response.page_json`).
"""

import copy
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional

import requests
from box import Box

from ambra_sdk.exceptions.service_base import ServiceResponseError
from ambra_sdk.request_args import RequestArgs
from ambra_sdk.service.response import check_response, page_json

if TYPE_CHECKING:
    from ambra_sdk.api.api import Api

PAGE_ROWS_KEY = 'page.rows'
PAGE_NUMBER_KEY = 'page.number'


class RepeatedPage(ServiceResponseError):  # noqa: N818
    """The server sent the rows of the previous page again while saying more rows follow."""


class IterableResponse:
    """The rows of a paginated method, fetched page by page while iterating.

    Built by ``QueryP.all()``; nothing is sent before iteration starts.
    Rows are numbered from 0; the range ``[min_row, max_row)`` selects some.

    :param api: the Api.
    :param url: relative method URL.
    :param required_sid: send the sid.
    :param request_args: the query's request arguments (read, never changed).
    :param errors_mapping: the method's error mapping.
    :param pagination_field: the response key holding the rows.
    :param rows_in_page: rows asked for per page.
    :param return_constructor: builds each returned row.
    :param min_row: first row (0-based, included).
    :param max_row: last row (excluded); ``None`` means up to the end.
    """

    def __init__(
        self,
        api: 'Api',
        url: str,
        required_sid: bool,
        request_args: RequestArgs,
        errors_mapping: Optional[Dict[Any, Any]],
        pagination_field: str,
        rows_in_page: int,
        return_constructor: Callable[[Any], Any],
        min_row: int = 0,
        max_row: Optional[int] = None,
    ) -> None:
        self._api = api
        self.url = url
        self._required_sid = required_sid
        self._request_args = request_args
        self._errors_mapping = errors_mapping
        self._pagination_field = pagination_field
        self._rows_in_page = rows_in_page
        self.return_constructor = return_constructor
        self._min_row = 0
        self._max_row: Optional[int] = None
        self.set_range(min_row, max_row)

    @property
    def min_row(self) -> int:
        """First row of the range (0-based, included)."""
        return self._min_row

    @property
    def max_row(self) -> Optional[int]:
        """End of the range (excluded), or ``None``."""
        return self._max_row

    def set_range(self, min_row: Optional[int], max_row: Optional[int]) -> 'IterableResponse':
        """Select rows ``min_row`` (included) to ``max_row`` (excluded) of this object.

        :param min_row: first row, 0-based (``None`` means 0).
        :param max_row: end row, excluded (``None`` means no limit).
        :raises ValueError: for a negative bound.
        :return: this object.
        """
        if min_row is not None and min_row < 0:
            raise ValueError('Min row is negative')
        if max_row is not None and max_row < 0:
            raise ValueError('Max row is negative')
        self._min_row = int(min_row or 0)
        self._max_row = None if max_row is None else int(max_row)
        return self

    def _copy_with_range(self, min_row: int, max_row: Optional[int]) -> 'IterableResponse':
        return IterableResponse(
            api=self._api,
            url=self.url,
            required_sid=self._required_sid,
            request_args=self._request_args,
            errors_mapping=self._errors_mapping,
            pagination_field=self._pagination_field,
            rows_in_page=self._rows_in_page,
            return_constructor=self.return_constructor,
            min_row=min_row,
            max_row=max_row,
        )

    def __getitem__(self, key: Any) -> 'IterableResponse':
        """Return a new object for a slice of these rows (``[a:b]``, ``[a:]``, ``[:b]``).

        :param key: a slice with non-negative bounds and no step.
        :raises TypeError: for anything but a slice.
        :raises ValueError: for a step or a negative bound.
        :return: a new :class:`IterableResponse`; this one is unchanged.
        """
        if not isinstance(key, slice):
            raise TypeError('Invalid argument type: only slices such as [5:10] are supported')
        if key.step not in (None, 1):
            raise ValueError('Not implemented slice step')
        if key.start is not None and key.start < 0:
            raise ValueError('Min row is negative')
        if key.stop is not None and key.stop < 0:
            raise ValueError('Max row is negative')
        start = self._min_row + (key.start or 0)
        stop = None if key.stop is None else self._min_row + key.stop
        if self._max_row is not None:
            start = min(start, self._max_row)
            stop = self._max_row if stop is None else min(stop, self._max_row)
        return self._copy_with_range(start, stop)

    def _page_args(self, page_number: int) -> RequestArgs:
        args = copy.copy(self._request_args)
        data = dict(self._request_args.data or {})
        data[PAGE_ROWS_KEY] = self._rows_in_page
        data[PAGE_NUMBER_KEY] = page_number
        args.data = data
        return args

    def _fetch_page(self, page_number: int) -> Dict[str, Any]:
        args = self._page_args(page_number)

        def fetch() -> requests.Response:
            response = self._api.service_request(request_args=args, required_sid=self._required_sid)
            return check_response(response, self._errors_mapping)

        return page_json(self._api.retry_with_new_sid(fetch), self._pagination_field)

    def _check_page_rows(self, page: Dict[str, Any]) -> None:
        rows = page['page'].get('rows')  # an int or None (page_json checked it)
        if rows is not None and rows != self._rows_in_page:
            raise RuntimeError('The max_rows_in_page parameter was ignored by the server')

    def __iter__(self) -> Iterator[Box]:
        """Yield the rows of the range, fetching one page at a time."""
        rows_in_page = self._rows_in_page
        min_row, max_row = self._min_row, self._max_row
        if max_row is not None and max_row <= min_row:
            return
        page_number = min_row // rows_in_page + 1
        previous: Optional[List[Any]] = None
        while True:
            page = self._fetch_page(page_number)
            self._check_page_rows(page)
            more = page['page'].get('more')
            rows: List[Any] = page.get(self._pagination_field) or []
            del page
            if more and rows and rows == previous:
                raise RepeatedPage(
                    code=200,
                    description='{url}: page {number} holds the same rows as page {before} and the server '
                    'still says more rows follow (it ignores page.number?): stopped'.format(
                        url=self.url, number=page_number, before=page_number - 1,
                    ),
                )
            first_row = rows_in_page * (page_number - 1)
            for index, row in enumerate(rows, start=first_row):
                if index < min_row:
                    continue
                if max_row is not None and index >= max_row:
                    return
                yield self.return_constructor(row)
            if not more or not rows:
                return
            if max_row is not None and first_row + len(rows) >= max_row:
                return
            previous = rows  # kept to recognise a repeated page (two pages at most are held)
            del rows
            page_number += 1

    def first(self) -> Optional[Box]:
        """Return the first row of the range, or ``None`` when there is none."""
        return next(iter(self), None)

    def __repr__(self) -> str:
        return '<IterableResponse {url} rows [{min}:{max}]>'.format(
            url=self.url,
            min=self._min_row,
            max='' if self._max_row is None else self._max_row,
        )
