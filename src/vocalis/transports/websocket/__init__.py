"""The raw-PCM WebSocket transport (reference ``TransportMode.WEBSOCKET``: port 8080, ``/ws``).

See ``protocol`` for the messages. Serve it with ``vocalis serve`` or
``vocalis.transports.server.serve``; one process serves many clients, one job each.
"""

from .connection import WebSocketConnection
from .protocol import DEFAULT_INPUT_RATE, DEFAULT_OUTPUT_RATE, ClientMessage, parse_client_message
from .room import (
    PCMWebSocketRoom,
    connection_metadata,
    handle_pcm_websocket,
    run_connection,
    websocket_routes,
)

__all__ = [
    "DEFAULT_INPUT_RATE",
    "DEFAULT_OUTPUT_RATE",
    "ClientMessage",
    "PCMWebSocketRoom",
    "WebSocketConnection",
    "connection_metadata",
    "handle_pcm_websocket",
    "parse_client_message",
    "run_connection",
    "websocket_routes",
]
