"""``PCMWebSocketRoom`` and its route: the raw-PCM WebSocket transport (see ``protocol``)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from aiohttp import web

from ...audio import AudioFrame, StreamResampler
from ...utils.clock import now
from ..security import LimitedWebSocketResponse
from ..server import JOB_CLOSE_TIMEOUT, ConnectionHandler, RouteInstaller, server_limits
from ..text_input import DEFAULT_MAX_TEXT_CHARS, TextRejected
from .connection import WebSocketConnection
from .protocol import (
    DEFAULT_INPUT_RATE,
    DEFAULT_OUTPUT_RATE,
    check_pcm_frame,
    error_message,
    event_message,
    parse_client_message,
    parse_rate,
)

HEARTBEAT_SECONDS = 20.0
"""Ping interval: a client that vanishes without closing is noticed within about this long."""


class PCMWebSocketRoom(WebSocketConnection):
    """One raw-PCM WebSocket client."""

    transport = "websocket"

    def __init__(
        self,
        ws: web.WebSocketResponse,
        *,
        sample_rate: int = DEFAULT_INPUT_RATE,
        output_sample_rate: int = DEFAULT_OUTPUT_RATE,
        metadata: dict[str, Any] | None = None,
        max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
        media_timeout: float | None = None,
    ) -> None:
        super().__init__(ws, metadata=metadata, media_timeout=media_timeout)
        self.sample_rate = sample_rate
        self.output_sample_rate = output_sample_rate
        self.max_text_chars = max_text_chars
        self._resampler: StreamResampler | None = None
        self._mark_joined(str(self.metadata.get("participant_id") or "") or None)

    def _on_binary(self, data: bytes) -> None:
        check_pcm_frame(data)
        if data:
            self._queue_inbound(("audio", (bytes(data), self.sample_rate, now())))

    def _on_text(self, text: str) -> None:
        try:
            message = parse_client_message(text, max_text_chars=self.max_text_chars)
        except TextRejected as exc:
            self.send_json(error_message("text", exc.reason))
            return
        if message.type == "text":
            self._queue_inbound(("text", message.text))
        elif message.type == "dtmf":
            self._queue_inbound(("dtmf", message.digit))
        elif message.type == "pubsub":
            self.dispatch_pubsub(message.topic, message.text, message.payload or {})
        else:
            self._queue_inbound(("interrupt", None))

    def _on_session_attached(self, session: Any) -> None:
        track = self.output_track_of(session)
        native = getattr(track, "sample_rate", DEFAULT_OUTPUT_RATE)
        if native != self.output_sample_rate:
            self._resampler = StreamResampler(native, self.output_sample_rate)
        self.send_json({
            "type": "ready", "room_id": self.room_id, "sample_rate": self.sample_rate,
            "output_sample_rate": self.output_sample_rate,
        })
        self._spawn(self._input_pump(session), name=f"vocalis.ws.input.{self.room_id}")
        self._spawn(self._pump_output(session, self._send_frame),
                    name=f"vocalis.ws.output.{self.room_id}")

    async def _send_frame(self, frame: AudioFrame) -> None:
        if frame.is_silence and not frame.is_speech:
            return
        pcm = frame.pcm if self._resampler is None else self._resampler.push(frame.pcm)
        if pcm:
            self.send_bytes(bytes(pcm))

    def _send_pubsub(self, message: dict[str, Any]) -> None:
        self.send_json({"type": "pubsub", **message})

    def _on_session_event(self, name: str, payload: Any) -> None:
        if name == "interrupted":
            self.drop_pending_audio()
            if self._resampler is not None:
                self._resampler.reset()
        message = event_message(name, payload)
        if message is not None:
            self.send_json(message)


def websocket_routes(path: str = "/ws") -> RouteInstaller:
    """A route installer for the raw-PCM WebSocket endpoint at ``path``."""

    def install(app: web.Application, on_connection: ConnectionHandler) -> None:
        async def handler(request: web.Request) -> web.StreamResponse:
            return await handle_pcm_websocket(request, on_connection)

        app.router.add_get(path, handler)

    return install


async def handle_pcm_websocket(
    request: web.Request, on_connection: ConnectionHandler
) -> web.StreamResponse:
    """Upgrade, run the read loop, and run the job for this connection beside it."""
    try:
        rate = parse_rate(request.query.get("sample_rate"), DEFAULT_INPUT_RATE, "sample_rate")
        out_rate = parse_rate(
            request.query.get("output_sample_rate"), DEFAULT_OUTPUT_RATE, "output_sample_rate"
        )
    except ValueError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    limits = server_limits(request.app)
    ws = LimitedWebSocketResponse(max_msg_size=limits.max_message_bytes,
                                  heartbeat=HEARTBEAT_SECONDS)
    await ws.prepare(request)
    metadata = connection_metadata(request, "websocket")
    room = PCMWebSocketRoom(
        ws, sample_rate=rate, output_sample_rate=out_rate, metadata=metadata,
        max_text_chars=limits.max_text_chars, media_timeout=limits.media_timeout_seconds,
    )
    await run_connection(room, on_connection, metadata)
    return ws


def connection_metadata(request: web.Request, transport: str) -> dict[str, Any]:
    """``ctx.metadata`` for a connection: its query parameters (never the token)."""
    metadata: dict[str, Any] = {k: v for k, v in request.query.items() if k != "token"}
    metadata["transport"] = transport
    metadata["remote"] = request.remote
    return metadata


async def run_connection(
    room: WebSocketConnection, on_connection: ConnectionHandler, metadata: dict[str, Any]
) -> None:
    """Run ``room``'s read loop and its job together; when the client goes, end the job."""
    job = asyncio.ensure_future(on_connection(room, metadata))
    try:
        await room.run()
    finally:
        await room.aclose(room.close_reason or "client_disconnected")
        try:
            await asyncio.wait_for(asyncio.shield(job), JOB_CLOSE_TIMEOUT)
        except TimeoutError:
            job.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await job
