"""THE table of service parameters that carry a secret (vendor document LBL0022 names).

One row per parameter name: the methods (URLs) where it is a secret, or
``'*'`` for every method, and why. The command line refuses these names as
``KEY=VALUE`` arguments (:mod:`ambra_sdk.cli.call`), ``ambra call --csv``
never writes them to a report, and the emulator's request log masks them
(:mod:`ambra_sdk.emulator.requests_log`). ``NOT_SECRET`` lists the names
that look like secrets but are not (a flag, an id, a public value), so that
``tests/cli/test_secret_params.py`` can check that every parameter of the
vendor document named like a secret was decided here.

Nothing here is imported by :mod:`ambra_sdk.api` (it is plain data).
"""

from typing import FrozenSet, Mapping, Optional, Tuple, Union

__all__ = ['ANY_METHOD', 'NOT_SECRET', 'SECRET_PARAMS', 'is_secret_param', 'secret_param_names']

#: The method column of a row that holds for every method.
ANY_METHOD = '*'

#: ``(name, methods, why)``: ``methods`` is :data:`ANY_METHOD` or a tuple of relative URLs.
#: The methods cell: :data:`ANY_METHOD` or the relative URLs.
Methods = Union[str, Tuple[str, ...]]

SECRET_PARAMS: Tuple[Tuple[str, Methods, str], ...] = (
    ('sid', ANY_METHOD, 'the session id: whoever has it is logged in as the user'),
    ('password', ANY_METHOD, 'a user, link or login password'),
    ('new_password', ANY_METHOD, '/session/login: the new password'),
    ('old_password', ANY_METHOD, '/user/set: the previous password'),
    ('account_password', ANY_METHOD, '/account/user/*: the account password'),
    ('validate_session', ANY_METHOD, '/session/login: an existing sid to validate'),
    ('use_pkey', ANY_METHOD, '/session/login: the public key login (the vendor documents it as the password)'),
    ('client_secret', ANY_METHOD, "/session/oauth/token: the user's password"),
    ('token', ANY_METHOD, '/user/password/reset: the reset token'),
    ('cc_token', ANY_METHOD, '/user/set: a credit card token'),
    ('charge_token', ANY_METHOD, '/link/charge: a payment token'),
    ('pin', ANY_METHOD, 'a PIN (session, patient portal, link, RSNA)'),
    ('access_code', ANY_METHOD, '/rsna/phr_study: an access code'),
    ('auth', ANY_METHOD, '/webhook/*: the authentication details of the webhook'),
    ('code', ('/session/oauth', '/account/connect'), 'an OAuth code'),
    ('signature', ('/session/sign',), 'the signature that logs in'),
)

#: Names that look like secrets but are not: ``name -> why``.
NOT_SECRET: Mapping[str, str] = {
    'code': 'secret only for the methods of its row (/customcode/*: the program code itself)',
    'signature': 'secret only for /session/sign (/user/signature: an image of the signature)',
    'key': '/setting/* and /help/*: the name of a setting or help entry',
    'hotkey': '/radreportmacro/*: a keyboard shortcut',
    'public_key': 'a public key (public by design)',
    'public_key_format': 'v55 /user/get: the format a public key is shown in',
    'integration_key': 'an integration tag of a study or webhook event',
    'share_code': 'a share code (printed on share pages; it grants uploads, not logins)',
    'capture_on_share_code': 'a flag', 'use_share_code': 'a flag', 'pin_auth': 'a flag', 'oauth': 'a flag',
    'has_password': 'a flag', 'password_is_dob': 'a flag', 'password_reset': 'a flag',
    'password_expire': 'a number of days', 'password_max_attempts': 'a number', 'pin_required': 'a flag',
    'session_expire': 'a number of minutes', 'max_sessions': 'a number', 'sid_user_id': 'a user id',
    'customcode_id': 'an id', 'charge_authorized': 'a flag',
}


def _urls(methods: Methods) -> Optional[FrozenSet[str]]:
    return None if isinstance(methods, str) else frozenset(methods)


_BY_NAME: Mapping[str, Optional[FrozenSet[str]]] = {name: _urls(methods) for name, methods, _ in SECRET_PARAMS}


def is_secret_param(name: str, url: Optional[str] = None) -> bool:
    """Tell whether a parameter carries a secret.

    :param name: the vendor's parameter name (the generated Python name is the same for these).
    :param url: the method's relative URL (``/session/login``); None: secret in any method.
    """
    key = str(name).lower()
    if key not in _BY_NAME:
        return False
    urls = _BY_NAME[key]
    return urls is None or url is None or url in urls


def secret_param_names() -> FrozenSet[str]:
    """Every name that is a secret in at least one method (what a log that has no URL masks)."""
    return frozenset(_BY_NAME)
