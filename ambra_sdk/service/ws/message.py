"""What :class:`~ambra_sdk.service.ws.WSManager` hands out: :class:`WSMessage`.

The reference handed out aiohttp ``WSMessage`` objects. These are plain named
tuples with the same three fields and the same ``json()`` method, without
aiohttp: ``type`` is always :attr:`WSMsgType.TEXT` (the channel speaks JSON
text; binary frames are logged and dropped), ``data`` the text, ``extra``
None. ``json()`` decodes with the SDK's bounded decoder
(:func:`ws_json_loads`: at most :data:`MAX_MESSAGE_SIZE` bytes and
:data:`~ambra_sdk.bounded_json.MAX_JSON_DEPTH` levels), so a hostile message
raises :class:`~ambra_sdk.bounded_json.UnreadableJson` (a ``ValueError``),
never ``RecursionError``.
"""

import enum
from typing import Any, Callable, Dict, NamedTuple, Optional, Union

from ambra_sdk.bounded_json import MAX_JSON_DEPTH, bounded_json_loads

#: Longest message accepted from the server, in bytes.
MAX_MESSAGE_SIZE = 1024 * 1024


def ws_json_loads(text: Union[str, bytes]) -> Any:
    """Decode a channel message: :func:`~ambra_sdk.bounded_json.bounded_json_loads` with the channel's limits.

    :param text: the message text.
    :raises UnreadableJson: not JSON, longer than :data:`MAX_MESSAGE_SIZE` or deeper than ``MAX_JSON_DEPTH``.
    """
    return bounded_json_loads(text, max_bytes=MAX_MESSAGE_SIZE, max_depth=MAX_JSON_DEPTH)


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

    def json(self, *, loads: Callable[[str], Any] = ws_json_loads) -> Any:
        """Decode the text as JSON (bounded in size and depth).

        :param loads: the decoder.
        :raises ValueError: the text is not JSON, or too large or deep
            (:class:`~ambra_sdk.bounded_json.UnreadableJson`).
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
