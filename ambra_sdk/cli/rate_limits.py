"""The CLI's client-side rate limits: on against a real server, off against the emulator.

The SDK's default limits (2 calls/s, 5 calls/s for ``get``, as the reference)
keep a script from flooding the real Ambra server. Against the offline
emulator they only cost time, so the ``ambra`` command turns them off when
the server's answer says it is the emulator: every emulator answer carries
the :data:`ambra_sdk.emulator.EMULATOR_HEADER` header, a real server's never
does. The first call (the login, or the command's call with a sid) is never
delayed by the limiter, so a run against the emulator is not slowed at all.
``--rate-limits`` keeps them whatever the server says, ``--no-rate-limits``
turns them off for any server.
"""

import logging
from typing import Any

from ambra_sdk.api import Api
from ambra_sdk.emulator import EMULATOR_HEADER
from ambra_sdk.request_args import RequestArgs

__all__ = ['EmulatorAwareApi']

logger = logging.getLogger(__name__)


class EmulatorAwareApi(Api):
    """An :class:`~ambra_sdk.api.Api` whose rate limits go off when a service answer comes from the emulator."""

    def service_request(self, request_args: RequestArgs, required_sid: bool) -> Any:
        """Send the request (see :meth:`Api.service_request`); an emulator's answer turns the limits off."""
        response = super().service_request(request_args, required_sid)
        if self.rate_limits is not None and EMULATOR_HEADER in response.headers:
            logger.info('The server is the Ambra emulator: client-side rate limits off')
            self.rate_limits = None
        return response
