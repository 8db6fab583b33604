"""``WebSocketConnection``: the part of every WebSocket transport that is not its protocol.

Owns the read loop (size limit, malformed messages → close with code and reason), one writer
task (messages leave in order, never two sends at once), the inbound queue that buffers the
user's input until the session is attached, and the input pump that feeds the session.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from abc import abstractmethod
from collections import deque
from typing import Any

from aiohttp import WSMsgType, web

from ..base import RoomConnection
from ..security import (
    CLOSE_GOING_AWAY,
    CLOSE_NORMAL,
    CLOSE_TOO_BIG,
    CLOSE_TRY_LATER,
    ProtocolError,
    close_reason,
)

logger = logging.getLogger("vocalis.transports.websocket")

INBOUND_LIMIT = 1500
"""Queued input items (about 30 s of 20 ms frames) kept until the session takes them."""

Inbound = tuple[str, Any]


class WebSocketConnection(RoomConnection):
    """A ``RoomConnection`` over an aiohttp ``WebSocketResponse``; subclasses parse messages."""

    def __init__(self, ws: web.WebSocketResponse, *, metadata: dict[str, Any] | None = None):
        super().__init__(metadata=metadata)
        self.ws = ws
        self.close_code = CLOSE_NORMAL
        self._out: deque[bytes | str] = deque()
        self._out_ready = asyncio.Event()
        self._inbound: asyncio.Queue[Inbound] = asyncio.Queue(INBOUND_LIMIT)
        self._dropped_inbound = 0

    # ---- reading -----------------------------------------------------------------------------

    async def run(self) -> None:
        """The read loop; returns when the client is gone or the connection was closed."""
        self._spawn(self._write_loop(), name=f"vocalis.ws.writer.{self.room_id}")
        try:
            async for msg in self.ws:
                if self.is_closing:
                    break
                if msg.type is WSMsgType.BINARY:
                    self._on_binary(msg.data)
                elif msg.type is WSMsgType.TEXT:
                    self._on_text(msg.data)
                elif msg.type is WSMsgType.ERROR:
                    break
        except ProtocolError as exc:
            await self.reject(exc.code, exc.reason)
            return
        code = self.ws.close_code
        if code == CLOSE_TOO_BIG:
            self.close_code = CLOSE_TOO_BIG
            limit = getattr(self.ws, "max_message_bytes", "the configured")
            await self.aclose(f"message too big: the limit is {limit} bytes")
        elif not self.is_closing:
            await self.aclose("client_disconnected")

    @abstractmethod
    def _on_binary(self, data: bytes) -> None:
        """A binary message (raise ``ProtocolError`` to close the connection)."""

    @abstractmethod
    def _on_text(self, text: str) -> None:
        """A text message (raise ``ProtocolError`` to close the connection)."""

    async def refuse(self, reason: str, busy: Any = None) -> None:
        """Turn the client away with close code 1013 (try again later) and ``reason``."""
        logger.info("refusing %s %s: %s", self.transport, self.room_id, reason)
        self.close_code = CLOSE_TRY_LATER
        await self.aclose(reason)

    async def reject(self, code: int, reason: str) -> None:
        """Close this connection for a protocol error; other connections are untouched."""
        logger.info("closing %s %s: %d %s", self.transport, self.room_id, code, reason)
        self.close_code = code
        await self.aclose(reason)

    def _queue_inbound(self, item: Inbound) -> None:
        try:
            self._inbound.put_nowait(item)
        except asyncio.QueueFull:
            self._dropped_inbound += 1
            if self._dropped_inbound == 1:
                logger.warning("%s %s: input queue full, dropping input", self.transport,
                               self.room_id)

    async def _input_pump(self, session: Any) -> None:
        """Feed queued input into the session, in order."""
        while True:
            kind, value = await self._inbound.get()
            try:
                await self._deliver(session, kind, value)
            except Exception as exc:
                logger.warning("%s input %s failed: %s", self.transport, kind, exc, exc_info=True)
                self._on_session_event("error", {"source": "transport", "error": str(exc)})

    async def _deliver(self, session: Any, kind: str, value: Any) -> None:
        if kind == "audio":
            pcm, rate = value
            await session.push_audio(pcm, rate)
        elif kind == "text":
            self._spawn(session.send_text(value), name=f"vocalis.ws.text.{self.room_id}")
        elif kind == "interrupt":
            await session.interrupt()
        elif kind == "dtmf":
            self.dispatch_dtmf(value)

    # ---- writing -----------------------------------------------------------------------------

    def send_json(self, message: dict[str, Any]) -> None:
        self._send(json.dumps(message, separators=(",", ":")))

    def send_bytes(self, data: bytes) -> None:
        self._send(data)

    def _send(self, item: bytes | str) -> None:
        if self.is_closing:
            return
        self._out.append(item)
        self._out_ready.set()

    def drop_pending_audio(self) -> int:
        """Forget queued binary messages (after an interruption); returns how many."""
        kept = [m for m in self._out if isinstance(m, str)]
        dropped = len(self._out) - len(kept)
        self._out.clear()
        self._out.extend(kept)
        return dropped

    async def _write_loop(self) -> None:
        try:
            while True:
                await self._out_ready.wait()
                self._out_ready.clear()
                while self._out:
                    item = self._out.popleft()
                    if isinstance(item, bytes):
                        await self.ws.send_bytes(item)
                    else:
                        await self.ws.send_str(item)
        except (ConnectionError, RuntimeError) as exc:
            logger.debug("%s %s: send failed (%s)", self.transport, self.room_id, exc)
            self._spawn(self.aclose("client_disconnected"))

    # ---- closing -----------------------------------------------------------------------------

    async def _close_transport(self, reason: str) -> None:
        if self.ws.closed:
            return
        code = self.close_code
        if code == CLOSE_NORMAL:
            if reason == "server_shutdown":
                code = CLOSE_GOING_AWAY
            elif reason == "error":
                code = 1011
        with contextlib.suppress(ConnectionError, RuntimeError, asyncio.TimeoutError):
            await asyncio.wait_for(self.ws.close(code=code, message=close_reason(reason)), 5.0)

