"""Parameters safe to log."""

from typing import Any, Dict, Optional

from ambra_sdk.redact import redact_mapping

#: Keys the reference dropped from logged params (the values of other secret keys are masked too).
PROTECTED_KEYS = frozenset({'sid', 'username', 'login', 'password'})


def clear_params(dict_params: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """Return a copy of request params that is safe to log.

    The reference only dropped ``sid``, ``username``, ``login`` and
    ``password``; this version drops them too and masks the value of every
    other key that may hold a secret or patient data (see
    :func:`ambra_sdk.redact.redact_mapping`).

    :param dict_params: request params or form data (None gives ``{}``).
    :returns: a new dict.
    """
    if not dict_params:
        return {}
    return redact_mapping({key: value for key, value in dict_params.items() if key not in PROTECTED_KEYS})
