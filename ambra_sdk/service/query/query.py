"""The query classes returned by the service namespace methods.

Letters: ``O`` = :meth:`~ambra_sdk.service.only.WithOnly.only`,
``P`` = pagination (``all()``, ``first()``, ``set_rows_in_page()``),
``S`` = :meth:`~ambra_sdk.service.sorting.WithSorting.sort_by`,
``F`` = :meth:`~ambra_sdk.service.filtering.WithFilter.filter_by`.
"""

from typing import Optional

from box import Box

from ambra_sdk.service.filtering import WithFilter
from ambra_sdk.service.only import WithOnly
from ambra_sdk.service.query.base_query import BaseQuery, BaseQueryP
from ambra_sdk.service.query.iterable import IterableResponse
from ambra_sdk.service.response import build_result, check_response
from ambra_sdk.service.sorting import WithSorting


class Query(BaseQuery):
    """A service call returning one object (see :class:`BaseQuery` for the arguments)."""

    def get_once(self) -> Box:
        """Send the call once (no new login on 401).

        :raises ambra_sdk.exceptions.base.AmbraResponseException: (a subclass) when the call failed.
        :return: the decoded JSON built with ``return_constructor`` (without the ``status`` key),
            or the raw :class:`requests.Response` when the body is not JSON (a download; the
            few methods that answer with a file are typed as returning a Box too).
        """
        response = self._api.service_request(request_args=self.request_args, required_sid=self._required_sid)
        check_response(response, self._errors_mapping)
        return build_result(response, self.return_constructor)

    def get(self) -> Box:
        """Send the call; on an expired sid log in again and send it once more.

        :return: see :meth:`get_once`.
        """
        return self._api.retry_with_new_sid(self.get_once)


class QueryP(BaseQueryP, Query):
    """A paginated list call: iterate :meth:`all`, or take :meth:`first`.

    ``get()`` returns the raw first page (with the ``page`` object); use it only
    for page-level fields.
    """

    def all(self) -> IterableResponse:  # noqa: A003 (public name of the reference)
        """Return the rows, fetched lazily page by page (slice it: ``query.all()[5:15]``)."""
        return IterableResponse(
            api=self._api,
            url=self.url,
            required_sid=self._required_sid,
            request_args=self.request_args,
            errors_mapping=self._errors_mapping,
            pagination_field=self._paginated_field,
            rows_in_page=self._rows_in_page,
            return_constructor=self.return_constructor,
        )

    def first(self) -> Optional[Box]:
        """Return the first row, or ``None`` when there is none."""
        return self.all().first()


class QueryO(Query, WithOnly):
    """One object; supports ``only()``."""


class QueryOF(QueryO, WithFilter):
    """One object; supports ``only()`` and ``filter_by()``."""


class QueryOS(QueryO, WithSorting):
    """One object; supports ``only()`` and ``sort_by()``."""


class QueryOSF(QueryOF, WithSorting):
    """One object; supports ``only()``, ``sort_by()`` and ``filter_by()``."""


class QueryOP(QueryP, WithOnly):
    """Paginated rows; supports ``only()``."""


class QueryOPF(QueryOP, WithFilter):
    """Paginated rows; supports ``only()`` and ``filter_by()``."""


class QueryOPS(QueryOP, WithSorting):
    """Paginated rows; supports ``only()`` and ``sort_by()``."""


class QueryOPSF(QueryOPS, WithFilter):
    """Paginated rows; supports ``only()``, ``sort_by()`` and ``filter_by()``."""
