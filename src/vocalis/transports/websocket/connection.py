"""``WebSocketConnection``: the part of every WebSocket transport that is not its protocol.

Owns the read loop (size limit, malformed messages → close with code and reason), one writer
task (messages leave in order, never two sends at once), the inbound queue that buffers the
user's input until the session is attached, the input pump that feeds the session, and the
media watchdog (no input for ``media_timeout`` seconds closes the connection).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from abc import abstractmethod
from typing import Any

from aiohttp import WSMsgType, web

from ...utils.clock import now
from ..base import RoomConnection
from ..security import (
    CLOSE_GOING_AWAY,
    CLOSE_INTERNAL_ERROR,
    CLOSE_NORMAL,
    CLOSE_POLICY,
    CLOSE_TRY_LATER,
    ProtocolError,
    close_reason,
)
from .outbound import OutboundQueue

logger = logging.getLogger("vocalis.transports.websocket")

INBOUND_LIMIT = 1500
"""Queued input items (about 30 s of 20 ms frames) kept until the session takes them."""

Inbound = tuple[str, Any]


class WebSocketConnection(RoomConnection):
    """A ``RoomConnection`` over an aiohttp ``WebSocketResponse``; subclasses parse messages.

    ``media_timeout`` (``RoomOptions.media_timeout_seconds``): seconds without any input (audio,
    text, DTMF) after which the connection closes with 1008; None never closes it.
    """

    def __init__(
        self,
        ws: web.WebSocketResponse,
        *,
        metadata: dict[str, Any] | None = None,
        media_timeout: float | None = None,
    ):
        super().__init__(metadata=metadata)
        self.ws = ws
        self.close_code = CLOSE_NORMAL
        self.media_timeout = media_timeout
        self._last_input = now()
        self._out = OutboundQueue()
        self._inbound: asyncio.Queue[Inbound] = asyncio.Queue(INBOUND_LIMIT)
        self._dropped_inbound = 0

    # ---- reading -----------------------------------------------------------------------------

    async def run(self) -> None:
        """The read loop; returns when the client is gone or the connection was closed."""
        self._spawn(self._write_loop(), name=f"vocalis.ws.writer.{self.room_id}")
        if self.media_timeout is not None:
            self._spawn(self._watch_media(), name=f"vocalis.ws.media_watch.{self.room_id}")
        try:
            async for msg in self.ws:
                if self.is_closing:
                    break
                if msg.type is WSMsgType.ERROR:
                    break
                self._on_message(msg.type, msg.data)
        except ProtocolError as exc:
            await self.reject(exc.code, exc.reason)
            return
        code = self.ws.close_code
        reason_for = getattr(self.ws, "reason_for", None)
        reason = reason_for(code) if code is not None and reason_for is not None else ""
        if reason and not self.is_closing:
            self.close_code = code
            await self.aclose(reason)
        elif not self.is_closing:
            await self.aclose("client_disconnected")

    def _on_message(self, kind: WSMsgType, data: Any) -> None:
        """Hand one message to the subclass; a crash in parsing closes with 1011, not silently."""
        try:
            if kind is WSMsgType.BINARY:
                self._on_binary(data)
            elif kind is WSMsgType.TEXT:
                self._on_text(data)
        except ProtocolError:
            raise
        except Exception as exc:
            logger.exception("%s %s: reading a message failed", self.transport, self.room_id)
            raise ProtocolError(
                CLOSE_INTERNAL_ERROR, "internal error while reading a message"
            ) from exc

    @abstractmethod
    def _on_binary(self, data: bytes) -> None:
        """A binary message (raise ``ProtocolError`` to close the connection)."""

    @abstractmethod
    def _on_text(self, text: str) -> None:
        """A text message (raise ``ProtocolError`` to close the connection)."""

    async def reject(self, code: int, reason: str) -> None:
        """Close this connection for a protocol error; other connections are untouched."""
        logger.info("closing %s %s: %d %s", self.transport, self.room_id, code, reason)
        self.close_code = code
        await self.aclose(reason)

    def _note_input(self) -> None:
        """The client sent input now (resets the media watchdog)."""
        self._last_input = now()

    async def _watch_media(self) -> None:
        assert self.media_timeout is not None
        while not self.is_closing:
            remaining = self._last_input + self.media_timeout - now()
            if remaining <= 0:
                await self.reject(
                    CLOSE_POLICY, f"no audio or messages for {self.media_timeout:g} s"
                )
                return
            await asyncio.sleep(remaining)

    def _queue_inbound(self, item: Inbound) -> None:
        self._note_input()
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
            pcm, rate, arrived_at = value
            await session.push_audio(pcm, rate, arrived_at=arrived_at)
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
        self._send(data, audio=True)

    def _send(self, item: bytes | str, *, audio: bool = False) -> None:
        if not self.is_closing:
            self._out.put(item, audio=audio)

    def drop_pending_audio(self) -> int:
        """Forget queued audio messages (after an interruption); returns how many."""
        return self._out.drop_audio()

    @property
    def dropped_audio(self) -> int:
        """Audio messages dropped because the client read too slowly."""
        return self._out.dropped_audio

    async def _write_loop(self) -> None:
        try:
            while True:
                await self._out.ready.wait()
                self._out.ready.clear()
                while (item := self._out.get()) is not None:
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
            elif reason == "server at capacity":
                code = CLOSE_TRY_LATER
            elif reason == "error":
                code = 1011
        with contextlib.suppress(ConnectionError, RuntimeError, asyncio.TimeoutError):
            await asyncio.wait_for(self.ws.close(code=code, message=close_reason(reason)), 5.0)

