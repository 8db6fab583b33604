"""A local fake of LiveKit's inference gateway: ``/stt`` and ``/tts`` WebSockets, the
``/bargein`` WebSocket and HTTP endpoint, and ``/chat/completions`` (SSE), written from the
protocol description.

Every request must carry ``Authorization: Bearer <JWT>`` signed with the test secret, issued
by the test key, for identity ``agent`` with the ``inference.perform`` grant (verified with
PyJWT), else HTTP 401. The server follows a script, records what it receives, and misbehaves
on demand: refuse with a status (429, 503), drop a connection mid-stream, send an ``error``,
a malformed frame, or answer slowly.
"""

from __future__ import annotations

import asyncio
import base64
import json
import struct
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
import numpy as np
from aiohttp import WSMsgType, web

API_KEY = "lk-test-key"
API_SECRET = "lk-test-secret-that-is-long-enough-for-hs256"


@dataclass
class Connection:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    claims: dict[str, Any]
    messages: list[dict[str, Any]] = field(default_factory=list)
    frames: list[bytes] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    closed: bool = False

    def types(self) -> list[str]:
        return [m.get("type", "") for m in self.messages]


def _voiced(pcm: bytes) -> bool:
    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], "<i2").astype(np.float32)
    return samples.size > 0 and float(np.sqrt(np.mean(samples**2))) > 100


def tone(seconds: float, rate: int) -> bytes:
    n = int(seconds * rate)
    return (np.sin(np.arange(n) * 0.07) * 6000).astype("<i2").tobytes()


class FakeLiveKitGateway:
    """``await start()``, then point clients at ``base_url`` (http; clients derive ws)."""

    def __init__(self) -> None:
        self.connections: list[Connection] = []
        self.http_requests: list[Connection] = []
        # STT: finalize ``stt_text`` once this much voiced audio has come since the last final.
        self.stt_text = "hello from the gateway"
        self.stt_final_bytes = 1600 * 10
        # TTS: seconds of audio per character; delay before answering a flush.
        self.tts_seconds_per_char = 0.01
        self.tts_delay = 0.0
        self.tts_error: str | None = None
        # Barge-in: the n-th request of a session (1-based) says barge-in; None: never.
        self.bargein_at_request: int | None = 3
        self.bargein_delay = 0.0
        self.bargein_status: int | None = None  #: HTTP status for /bargein POSTs
        # Faults.
        self.reject_status: dict[str, int] = {}  #: path -> status at the handshake
        self.reject_times: dict[str, int] = {}  #: path -> how many times to reject
        self.drop_after_frames: dict[int, int] = {}  #: connection index -> frames
        self.error_after_frames: int | None = None
        self.malformed_after_frames: int | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def of(self, path: str) -> list[Connection]:
        return [c for c in self.connections if c.path.endswith(path)]

    async def start(self) -> FakeLiveKitGateway:
        app = web.Application()
        app.router.add_get("/v1/stt", self._ws)
        app.router.add_get("/v1/tts", self._ws)
        app.router.add_get("/v1/bargein", self._ws)
        app.router.add_post("/v1/bargein", self._bargein_http)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def aclose(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _claims(self, request: web.Request) -> dict[str, Any] | None:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return None
        try:
            claims = jwt.decode(auth[7:], API_SECRET, algorithms=["HS256"])
        except jwt.PyJWTError:
            return None
        if claims.get("iss") != API_KEY or claims.get("sub") != "agent":
            return None
        if (claims.get("inference") or {}).get("perform") is not True:
            return None
        return claims

    def _refusal(self, request: web.Request) -> web.Response | None:
        path = request.path.removeprefix("/v1")
        status = self.reject_status.get(path)
        if status is not None and self.reject_times.get(path, 1) > 0:
            self.reject_times[path] = self.reject_times.get(path, 1) - 1
            return web.json_response({"error": "refused"}, status=status)
        return None

    async def _ws(self, request: web.Request) -> web.StreamResponse:
        claims = self._claims(request)
        if claims is None:
            return web.json_response({"error": "unauthorized"}, status=401)
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        rec = Connection(request.path, dict(request.query), dict(request.headers), claims)
        index = len(self.connections)
        self.connections.append(rec)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        kind = request.path.removeprefix("/v1/")
        handler = {"stt": self._stt, "tts": self._tts, "bargein": self._bargein_ws}[kind]
        try:
            await handler(ws, rec, request, index)
        finally:
            rec.closed = True
        return ws

    async def _send(self, ws: web.WebSocketResponse, rec: Connection, message: dict) -> None:
        rec.sent.append(message)
        await ws.send_str(json.dumps(message))

    async def _messages(self, ws: web.WebSocketResponse, rec: Connection):
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                message = json.loads(msg.data)
                rec.messages.append(message)
                yield message
            elif msg.type == WSMsgType.BINARY:
                rec.frames.append(msg.data)
                yield msg.data

    # ---- STT -----------------------------------------------------------------------------

    async def _stt(self, ws, rec: Connection, request: web.Request, index: int) -> None:
        session_id = uuid.uuid4().hex
        audio = 0
        frames = 0
        sent_interim = False
        async for message in self._messages(ws, rec):
            if not isinstance(message, dict):
                continue
            kind = message.get("type")
            if len(rec.messages) == 1 and kind != "session.create":
                await self._send(ws, rec, {"type": "error", "message": "session.create first",
                                           "code": 400})
                return
            if kind == "session.create":
                await self._send(ws, rec, {"type": "session.created", "session_id": session_id})
            elif kind == "input_audio":
                pcm = base64.b64decode(message["audio"])
                if _voiced(pcm):  # like a real recognizer, silence makes no words
                    audio += len(pcm)
                frames += 1
                if self.drop_after_frames.get(index) == frames:
                    request.transport.close()  # type: ignore[union-attr]
                    return
                if self.error_after_frames == frames:
                    await self._send(ws, rec, {"type": "error", "message": "provider failed",
                                               "code": 503, "session_id": session_id})
                if self.malformed_after_frames == frames:
                    await ws.send_str('{"type": "interim_transcript", ')
                if not sent_interim and audio >= self.stt_final_bytes // 2:
                    sent_interim = True
                    await self._send(ws, rec, self._transcript("interim_transcript",
                                                               self.stt_text.split()[0]))
                if audio >= self.stt_final_bytes:
                    await self._send(ws, rec, self._transcript("final_transcript", self.stt_text))
                    audio, sent_interim = 0, False
            elif kind == "session.finalize":
                if audio:
                    await self._send(ws, rec, self._transcript("final_transcript", self.stt_text))
                    audio, sent_interim = 0, False
                await self._send(ws, rec, {"type": "session.finalized", "session_id": session_id})

    def _transcript(self, kind: str, text: str) -> dict[str, Any]:
        words = text.split()
        return {
            "type": kind, "transcript": text, "language": "en", "start": 0.5,
            "duration": 0.1 * len(words), "confidence": 0.87, "request_id": "req-1",
            "words": [{"word": w, "start": 0.5 + 0.1 * i, "end": 0.6 + 0.1 * i,
                       "confidence": 0.9, "speaker_id": "S1"} for i, w in enumerate(words)],
        }

    # ---- TTS -----------------------------------------------------------------------------

    async def _tts(self, ws, rec: Connection, request: web.Request, index: int) -> None:
        session_id = uuid.uuid4().hex
        text = ""
        rate = 24000
        async for message in self._messages(ws, rec):
            if not isinstance(message, dict):
                continue
            kind = message.get("type")
            if len(rec.messages) == 1 and kind != "session.create":
                await self._send(ws, rec, {"type": "error", "message": "session.create first"})
                return
            if kind == "session.create":
                rate = int(message.get("sample_rate", "24000"))
            elif kind == "input_transcript":
                text += message["transcript"]
            elif kind == "session.flush":
                if self.tts_delay:
                    await asyncio.sleep(self.tts_delay)
                if self.tts_error:
                    await self._send(ws, rec, {"type": "error", "message": self.tts_error,
                                               "session_id": session_id})
                    continue
                if self.drop_after_frames.get(index) == 0:
                    request.transport.close()  # type: ignore[union-attr]
                    return
                pcm = tone(len(text.strip()) * self.tts_seconds_per_char, rate)
                for start in range(0, len(pcm), 4800):
                    await self._send(ws, rec, {
                        "type": "output_audio", "session_id": session_id,
                        "audio": base64.b64encode(pcm[start : start + 4800]).decode()})
                words = text.split()
                await self._send(ws, rec, {
                    "type": "output_alignment", "session_id": session_id,
                    "words": [{"word": w, "start": 0.2 * i, "end": 0.2 * i + 0.15}
                              for i, w in enumerate(words)]})
                await self._send(ws, rec, {"type": "done", "session_id": session_id})
                text = ""

    # ---- barge-in ------------------------------------------------------------------------

    def _verdict(self, count: int) -> bool:
        return self.bargein_at_request is not None and count >= self.bargein_at_request

    async def _bargein_ws(self, ws, rec: Connection, request: web.Request, index: int) -> None:
        count = 0
        async for message in self._messages(ws, rec):
            if isinstance(message, dict):
                if message.get("type") == "session.create":
                    await self._send(ws, rec, {"type": "session.created"})
                elif message.get("type") == "session.close":
                    await self._send(ws, rec, {"type": "session.closed"})
                    await ws.close()
                    return
                continue
            if len(rec.messages) == 0:
                await self._send(ws, rec, {"type": "error", "message": "no session", "code": 400})
                return
            (created_at,) = struct.unpack("<Q", message[:8])
            samples = (len(message) - 8) // 2
            count += 1
            if self.drop_after_frames.get(index) == count:
                request.transport.close()  # type: ignore[union-attr]
                return
            if self.bargein_delay:
                await asyncio.sleep(self.bargein_delay)
            kind = "bargein_detected" if self._verdict(count) else "inference_done"
            await self._send(ws, rec, {
                "type": kind, "created_at": created_at, "prediction_duration": 0.012,
                "probabilities": self._probabilities(samples, self._verdict(count))})

    def _probabilities(self, samples: int, bargein: bool) -> list[float]:
        frames = max(1, samples // 400)  # one per 25 ms
        return [0.9 if bargein else 0.2] * frames

    async def _bargein_http(self, request: web.Request) -> web.Response:
        claims = self._claims(request)
        body = await request.read()
        rec = Connection(request.path, dict(request.query), dict(request.headers), claims or {})
        rec.frames.append(body)
        self.http_requests.append(rec)
        if self.bargein_status is not None:
            return web.json_response({"error": "busy"}, status=self.bargein_status)
        if self.bargein_delay:
            await asyncio.sleep(self.bargein_delay)
        if request.headers.get("Content-Type") != "application/octet-stream":
            return web.json_response({"error": "octet-stream expected"}, status=415)
        count = len(self.http_requests)
        return web.json_response({
            "created_at": int(request.query["created_at"]),
            "is_bargein": self._verdict(count),
            "probabilities": self._probabilities(len(body) // 2, self._verdict(count))})
