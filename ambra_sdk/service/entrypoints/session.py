"""User-facing ``Session`` namespace: the generated methods plus :meth:`Session.get_sid`."""

from typing import Dict, Optional

from ambra_sdk.service.entrypoints.generated.session import Session as GSession


class Session(GSession):
    """Session namespace (``api.Session``)."""

    def get_sid(
        self,
        username: str,
        password: str,
        special_headers_for_login: Optional[Dict[str, str]] = None,
    ) -> str:
        """Log in and return the new sid.

        Sends ``/session/login`` once, without the sid-retry wrapper (a login
        does not need a sid).

        :param username: login name.
        :param password: password.
        :param special_headers_for_login: extra HTTP headers sent with the login only.
        :raises ambra_sdk.exceptions.service.InvalidCredentials: on wrong credentials
            (and the other errors of ``/session/login``).
        :return: the sid.
        """
        query = self.login(login=username, password=password)
        query.request_args.headers = special_headers_for_login
        response = query.get_once()
        return str(response['sid'])
