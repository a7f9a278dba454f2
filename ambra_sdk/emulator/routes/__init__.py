"""Service endpoints with real state. Importing this package registers them."""

from . import (  # noqa: F401
    account,
    customcode,
    customfield,
    filter,  # noqa: A004
    group,
    job,
    link,
    location,
    namespace,
    patient,
    query,
    radreport,
    role,
    rules,
    session,
    study,
    user,
)
