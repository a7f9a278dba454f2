"""Query classes of the service methods and the lazy paginated response."""

from ambra_sdk.service.query.base_query import (
    DEFAULT_ROWS_IN_PAGINATION_PAGE,
    MAX_ROWS_IN_PAGINATION_PAGE,
    BaseQuery,
    BaseQueryP,
    get_query_cls_name,
)
from ambra_sdk.service.query.iterable import IterableResponse, RepeatedPage
from ambra_sdk.service.query.query import (
    Query,
    QueryO,
    QueryOF,
    QueryOP,
    QueryOPF,
    QueryOPS,
    QueryOPSF,
    QueryOS,
    QueryOSF,
    QueryP,
)

__all__ = [
    'BaseQuery',
    'BaseQueryP',
    'DEFAULT_ROWS_IN_PAGINATION_PAGE',
    'IterableResponse',
    'RepeatedPage',
    'MAX_ROWS_IN_PAGINATION_PAGE',
    'Query',
    'QueryO',
    'QueryOF',
    'QueryOP',
    'QueryOPF',
    'QueryOPS',
    'QueryOPSF',
    'QueryOS',
    'QueryOSF',
    'QueryP',
    'get_query_cls_name',
]
