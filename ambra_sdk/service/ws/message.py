"""What :class:`~ambra_sdk.service.ws.WSManager` hands out: :class:`WSMessage`.

The reference handed out aiohttp ``WSMessage`` objects. These are plain named
tuples with the same three fields and the same ``json()`` method, without
aiohttp: ``type`` is always :attr:`WSMsgType.TEXT` (the channel speaks JSON
text; binary frames are logged and dropped), ``data`` the text, ``extra``
None.
"""

import enum
import json
from typing import Any, Callable, Dict, NamedTuple, Optional


class WSMsgType(enum.IntEnum):
    """Message types (aiohttp's values for the two data types)."""

    TEXT = 0x1
    BINARY = 0x2


class WSMessage(NamedTuple):
    """One message received on the channel.

    :ivar type: :attr:`WSMsgType.TEXT`.
    :ivar data: the text of the message.
    :ivar extra: always None (aiohttp's close reason slot).
    """

    type: WSMsgType  # noqa: A003 (aiohttp's field name)
    data: str
    extra: Optional[str] = None

    def json(self, *, loads: Callable[[str], Any] = json.loads) -> Any:
        """Decode the text as JSON.

        :param loads: the decoder.
        :raises ValueError: the text is not JSON.
        """
        return loads(self.data)


def json_fields(message: WSMessage) -> Dict[str, Any]:
    """The JSON object of a message, or ``{}`` when it is not a JSON object (a hostile server).

    :param message: a received message.
    """
    try:
        body = message.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
