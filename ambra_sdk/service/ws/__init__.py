"""The websocket channel (``/api/v3/channel/websocket``): :class:`WSManager`.

Needs the ``ws`` extra (:func:`ambra_sdk.extras.install_command`, the websockets
library) to connect; importing this package does not. See
:mod:`ambra_sdk.service.ws.ws`.
"""

from ambra_sdk.service.ws.message import WSMessage, WSMsgType
from ambra_sdk.service.ws.ws import (
    INACTIVITY_TIMEOUT,
    SUBSCRIBE_TIMEOUT,
    WS,
    SubscribeRefused,
    WSConnectError,
    WSError,
    WSExtraMissing,
    WSManager,
)

__all__ = [
    'INACTIVITY_TIMEOUT',
    'SUBSCRIBE_TIMEOUT',
    'WS',
    'WSManager',
    'WSMessage',
    'WSMsgType',
    'WSError',
    'WSExtraMissing',
    'WSConnectError',
    'SubscribeRefused',
]
