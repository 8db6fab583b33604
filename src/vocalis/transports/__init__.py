"""Vocalis transports: how a user's audio reaches a session and the agent's voice gets back.

- ``base.RoomConnection``: the contract every transport implements (one connection, one job,
  one ``AgentSession``).
- ``server``: one aiohttp application serving every server transport, one job per connection.
- ``websocket`` (raw PCM), ``telephony`` (Twilio media streams), ``webrtc`` (browser, optional
  ``aiortc``), ``console`` (microphone and speaker, or text), ``file`` (WAV in, WAV out).
- ``security``: access tokens and message limits.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from .base import RoomConnection

logger = logging.getLogger("vocalis.transports")


def optional_webrtc_routes() -> list[Any]:
    """``[add_webrtc_routes]`` when the WebRTC transport can be imported (needs ``aiortc``),
    else ``[]`` with a log line saying why."""
    try:
        module = importlib.import_module("vocalis.transports.webrtc")
    except ImportError as exc:
        logger.info("WebRTC transport not available (%s); install vocalis[webrtc]", exc)
        return []
    install = getattr(module, "add_webrtc_routes", None)
    return [install] if callable(install) else []


__all__ = ["RoomConnection", "optional_webrtc_routes"]
