"""Streaming mode of ``OpenAISTT``: a realtime transcription session over WebSocket.

GA protocol (the reference still used the beta one): connect to ``/v1/realtime?intent=
transcription``, wait for ``session.created``, send ``session.update`` with a ``transcription``
session (24 kHz ``audio/pcm``, server VAD, noise reduction, logprobs), wait for
``session.updated``. Audio not yet transcribed is kept, so that after a dropped connection the
next ``send_audio`` reconnects and replays it.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from ...stt.stt import STTError
from .websocket import EventSocket, WebSocket, json_events

logger = logging.getLogger("vocalis.plugins.openai.stt")

STREAM_SAMPLE_RATE = 24000
_BYTES_PER_SECOND = STREAM_SAMPLE_RATE * 2
#: Audio kept before speech starts (covers the server's prefix padding).
_PREROLL_BYTES = _BYTES_PER_SECOND
#: Upper bound of audio kept for replay.
_MAX_REPLAY_BYTES = 60 * _BYTES_PER_SECOND

EventHandler = Callable[[dict[str, Any]], Awaitable[None]]


class TranscriptionSocket:
    """One transcription session with lazy (re)connect and replay of untranscribed audio."""

    def __init__(
        self,
        url: str,
        headers: dict[str, str],
        session: dict[str, Any],
        *,
        on_event: EventHandler,
        on_error: Callable[[Exception], None],
        handshake_timeout: float = 10.0,
    ) -> None:
        self._socket = EventSocket(url, headers, heartbeat=20, reader_name="openai-stt-recv")
        self._session = session
        self._on_event = on_event
        self._on_error = on_error
        self._handshake_timeout = handshake_timeout
        self._lock = asyncio.Lock()
        self._uncommitted = bytearray()
        self._pending: dict[str, bytes] = {}
        self._speaking = False
        self.connects = 0

    @property
    def is_open(self) -> bool:
        return self._socket.is_open

    async def ensure(self) -> None:
        """Connect and run the handshake if needed; replay audio after a reconnect."""
        async with self._lock:
            if self.is_open:
                return
            await self._socket.close_socket()
            try:
                await self._socket.open(
                    self._read, timeout=self._handshake_timeout, handshake=self._handshake
                )
            except (aiohttp.ClientError, TimeoutError, STTError) as exc:
                raise STTError(f"OpenAISTT: transcription session failed: {exc!r}") from exc
            self.connects += 1
            replay = b"".join(self._pending.values()) + bytes(self._uncommitted)
            self._pending.clear()
            self._uncommitted = bytearray(replay)
        if replay:
            logger.info(
                "OpenAISTT: replaying %d ms of audio", len(replay) * 1000 // _BYTES_PER_SECOND
            )
            for start in range(0, len(replay), _BYTES_PER_SECOND):
                await self._append(replay[start : start + _BYTES_PER_SECOND])

    async def _handshake(self, ws: WebSocket) -> None:
        first = await self._receive_json(ws)
        if first.get("type") not in ("session.created", "transcription_session.created"):
            await ws.close()
            raise STTError(f"expected session.created, got {first.get('type')!r}")
        await ws.send_str(json.dumps({"type": "session.update", "session": self._session}))
        while True:
            reply = await self._receive_json(ws)
            kind = reply.get("type")
            if kind in ("session.updated", "transcription_session.updated"):
                return
            if kind == "error":
                await ws.close()
                raise STTError(
                    f"session.update rejected: {(reply.get('error') or {}).get('message')}"
                )

    @staticmethod
    async def _receive_json(ws: WebSocket) -> dict[str, Any]:
        msg = await ws.receive()
        if msg.type != aiohttp.WSMsgType.TEXT:
            raise STTError(f"connection closed during handshake ({msg.type.name})")
        try:
            data = json.loads(msg.data)
        except ValueError as exc:
            raise STTError("malformed handshake message") from exc
        return data if isinstance(data, dict) else {}

    async def send_audio(self, pcm: bytes) -> None:
        """Send PCM and keep it until it is transcribed."""
        self._keep(pcm)
        if not self.is_open:
            await self.ensure()
            return
        await self._append(pcm)

    async def _append(self, pcm: bytes) -> None:
        await self._send(
            {"type": "input_audio_buffer.append", "audio": base64.b64encode(pcm).decode()}
        )

    async def commit(self) -> None:
        if self.is_open:
            await self._send({"type": "input_audio_buffer.commit"})

    async def _send(self, event: dict[str, Any]) -> None:
        try:
            await self._socket.send_json(event)
        except (ConnectionError, RuntimeError, aiohttp.ClientError):
            await self._socket.close_socket()

    def _keep(self, pcm: bytes) -> None:
        self._uncommitted += pcm
        limit = _MAX_REPLAY_BYTES if self._speaking else _PREROLL_BYTES
        if len(self._uncommitted) > limit:
            del self._uncommitted[: len(self._uncommitted) - limit]

    async def _read(self, ws: WebSocket) -> None:
        async for event in json_events(ws, self._on_malformed):
            self._track(event)
            try:
                await self._on_event(event)
            except Exception:  # a failing callback must not end the session
                logger.exception("OpenAISTT: handling %s failed", event.get("type"))
        logger.warning("OpenAISTT: connection closed (code=%s); will reconnect", ws.close_code)

    def _on_malformed(self, text: str, _exc: ValueError) -> None:
        self._on_error(STTError(f"OpenAISTT: malformed server event {text[:100]!r}"))

    def _track(self, event: dict[str, Any]) -> None:
        """Follow speech and commits so only untranscribed audio is kept."""
        kind = event.get("type")
        if kind == "input_audio_buffer.speech_started":
            self._speaking = True
        elif kind == "input_audio_buffer.speech_stopped":
            self._speaking = False
        elif kind == "input_audio_buffer.committed":
            self._pending[event.get("item_id", "")] = bytes(self._uncommitted)
            self._uncommitted.clear()
        elif kind in (
            "conversation.item.input_audio_transcription.completed",
            "conversation.item.input_audio_transcription.failed",
        ):
            self._pending.pop(event.get("item_id", ""), None)

    async def aclose(self) -> None:
        await self._socket.aclose()


def logprob_confidence(logprobs: list[dict[str, Any]] | None) -> float:
    """Mean token probability, 0.0 without logprobs."""
    values = [math.exp(p["logprob"]) for p in logprobs or [] if "logprob" in p]
    return sum(values) / len(values) if values else 0.0
