"""An :class:`~ambra_sdk.api.Api` that trusts the CA of an emulator started with ``tls=True``."""

from __future__ import annotations

from typing import Any

import requests

from ambra_sdk.api import Api

__all__ = ['EmulatorApi']


class EmulatorApi(Api):
    """:class:`~ambra_sdk.api.Api` whose HTTP sessions verify certificates against one CA file.

    The sessions are made again after :meth:`~ambra_sdk.api.Api.logout`; each
    new one trusts the CA too. Set with :meth:`trust`. The sessions do not read
    the environment (``trust_env = False``): ``REQUESTS_CA_BUNDLE`` would
    otherwise win over the session's CA, and proxies do not reach a loopback
    emulator.
    """

    _ca_file: Any = True

    def trust(self, ca_file: str) -> EmulatorApi:
        """Verify server certificates against ``ca_file`` (PEM) instead of the system's CAs.

        :param ca_file: path of the emulator's CA certificate.
        :return: this Api.
        """
        self._ca_file = ca_file
        return self

    @property
    def service_session(self) -> requests.Session:
        """The session of service calls, trusting the emulator's CA."""
        return self._trusting(super().service_session)

    @property
    def storage_session(self) -> requests.Session:
        """The session of storage calls, trusting the emulator's CA."""
        return self._trusting(super().storage_session)

    def _trusting(self, session: requests.Session) -> requests.Session:
        session.verify = self._ca_file
        session.trust_env = False
        return session
