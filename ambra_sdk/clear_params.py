"""Parameters safe to log."""

from typing import Any, Dict, Optional

from ambra_sdk.redact import redact_mapping


def clear_params(params: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """Return a copy of request params that is safe to log.

    The reference only dropped ``sid``, ``username``, ``login`` and
    ``password``; this version drops them too and masks the value of every
    other key that may hold a secret or patient data (see
    :func:`ambra_sdk.redact.redact_mapping`).

    :param params: request params or form data (None gives ``{}``).
    :returns: a new dict.
    """
    if not params:
        return {}
    dropped = {'sid', 'username', 'login', 'password'}
    return redact_mapping({key: value for key, value in params.items() if key not in dropped})
