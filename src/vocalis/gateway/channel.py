"""``Channel``: one served WebSocket with the gateway's rules: bounded messages, JSON parsed
safely (a malformed message is answered with the protocol's error, never a crash), sends
serialized so results and acknowledgements never interleave mid-frame."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import WSMsgType, web

logger = logging.getLogger("vocalis.gateway")

CLOSE_TRY_AGAIN_LATER = 1013


class Channel:
    """Wraps a prepared ``WebSocketResponse``; ``error_message`` shapes protocol errors."""

    def __init__(self, ws: web.WebSocketResponse,
                 error_message: Callable[[str], dict[str, Any]]) -> None:
        self.ws = ws
        self._error_message = error_message
        self._lock = asyncio.Lock()

    async def send(self, message: dict[str, Any]) -> bool:
        if self.ws.closed:
            return False
        async with self._lock:
            try:
                await self.ws.send_str(json.dumps(message))
                return True
            except (ConnectionError, RuntimeError):
                return False

    async def error(self, text: str) -> None:
        await self.send(self._error_message(text))

    async def messages(self) -> AsyncIterator[dict[str, Any] | bytes]:
        """Each JSON object (malformed ones answered with an error and skipped) or binary
        frame, until the client closes."""
        async for msg in self.ws:
            if msg.type == WSMsgType.BINARY:
                yield msg.data
            elif msg.type == WSMsgType.TEXT:
                try:
                    message = json.loads(msg.data)
                except ValueError:
                    await self.error("malformed message: not JSON")
                    continue
                if not isinstance(message, dict):
                    await self.error("malformed message: not a JSON object")
                    continue
                yield message
            elif msg.type == WSMsgType.ERROR:
                logger.info("gateway websocket error: %s", self.ws.exception())
                return

    async def refuse(self, text: str) -> None:
        """The protocol's overload error, then a close that says to try again later."""
        await self.error(text)
        await self.ws.close(code=CLOSE_TRY_AGAIN_LATER, message=text[:120].encode())
