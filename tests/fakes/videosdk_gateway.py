"""A local fake of the VideoSDK inference gateway's WebSockets: ``/v1/stt``, ``/v1/tts``,
``/v1/denoise`` and ``/v1/llm`` (Gemini Live), written from the protocol description.

Every connection must present ``?secret=<token>`` (else HTTP 401) and send the config envelope
first (else it gets an ``error`` and is closed). The server follows a script, records
everything it receives (query, envelopes, decoded audio) and what it sends, and misbehaves on
demand: refuse the upgrade with a status, drop the TCP connection after some audio, answer
with an ``error`` envelope or a malformed frame, or answer slowly.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from aiohttp import WSMsgType, web

TOKEN = "vsdk-test-token"


@dataclass
class Connection:
    path: str
    query: dict[str, str]
    messages: list[dict[str, Any]] = field(default_factory=list)
    audio: bytearray = field(default_factory=bytearray)
    sent: list[Any] = field(default_factory=list)
    closed: bool = False

    def types(self) -> list[str]:
        return [m.get("type", "") for m in self.messages]


def tone_pcm(text: str, bytes_per_char: int = 480) -> bytes:
    """Deterministic non-silent 16-bit PCM standing for the speech of ``text``."""
    samples = max(1, len(text) * bytes_per_char // 2)
    wave = (np.sin(np.arange(samples) * 0.05) * 8000).astype("<i2")
    return wave.tobytes()


def wav_file(pcm: bytes, rate: int = 24000) -> bytes:
    """``pcm`` wrapped in a 44-byte RIFF/WAVE header."""
    import struct

    header = b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + struct.pack("<I", len(pcm))
    return header + pcm


class FakeVideoSDKGateway:
    """The fake gateway; ``await start()``, then point clients at ``base_url``."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.connections: list[Connection] = []
        # STT script: (text, bytes) pairs; each finalizes after that much audio since the
        # previous final on the connection.
        self.stt_script: list[tuple[str, int]] = []
        self._stt_step = 0
        # TTS behaviour.
        self.tts_bytes_per_char = 480
        self.tts_mode = "json"  #: "json", "binary", "wav" (JSON, first chunk a WAV file)
        self.tts_chunk = 4800
        self.tts_complete = True
        self.tts_delay = 0.0
        self.tts_error_on_text: str | None = None
        # Realtime behaviour.
        self.realtime_trigger_bytes = 24000 * 2 // 2  #: user audio that makes the model answer
        self.realtime_reply = "Hello from the model."
        # Faults.
        self.reject_status: int | None = None
        self.drop_after_audio: dict[int, int] = {}  #: connection index -> audio messages
        self.error_after_audio: int | None = None
        self.malformed_after_audio: int | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def of(self, kind: str) -> list[Connection]:
        return [c for c in self.connections if c.path == f"/v1/{kind}"]

    async def start(self) -> FakeVideoSDKGateway:
        app = web.Application()
        for kind in ("stt", "tts", "denoise", "llm"):
            app.router.add_get(f"/v1/{kind}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def aclose(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 3.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(0.005)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("secret") != self.token:
            return web.json_response({"error": "invalid secret"}, status=401)
        if self.reject_status is not None:
            return web.json_response({"error": "rejected"}, status=self.reject_status)
        for key in ("provider", "modelId"):
            if not request.query.get(key):
                return web.json_response({"error": f"missing {key}"}, status=400)
        rec = Connection(request.path, dict(request.query))
        index = len(self.connections)
        self.connections.append(rec)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = {"/v1/stt": _STT, "/v1/tts": _TTS, "/v1/denoise": _Denoise,
                   "/v1/llm": _Realtime}[request.path](self, rec, ws, request, index)
        try:
            await session.run()
        finally:
            rec.closed = True
        return ws


class _Session:
    config_required_first = True

    def __init__(self, server: FakeVideoSDKGateway, rec: Connection, ws: web.WebSocketResponse,
                 request: web.Request, index: int) -> None:
        self.server, self.rec, self.ws, self.request, self.index = server, rec, ws, request, index
        self.configured = False
        self.audio_messages = 0

    async def send(self, message: Any) -> None:
        self.rec.sent.append(message)
        if isinstance(message, bytes):
            await self.ws.send_bytes(message)
        else:
            await self.ws.send_str(json.dumps(message))

    async def event(self, event_type: str, **data: Any) -> None:
        await self.send({"type": "event", "data": {"eventType": event_type, **data}})

    def drop(self) -> None:
        if self.request.transport is not None:
            self.request.transport.close()

    async def run(self) -> None:
        async for msg in self.ws:
            if msg.type != WSMsgType.TEXT:
                continue
            message = json.loads(msg.data)
            self.rec.messages.append(message)
            kind = message.get("type")
            if kind == "config":
                self.configured = True
                await self.on_config(message.get("data"))
                continue
            if not self.configured and self.config_required_first:
                await self.send({"type": "error", "data": {"error": "config must come first"}})
                await self.ws.close()
                return
            if kind == "audio":
                audio = base64.b64decode(message["data"])
                self.rec.audio += audio
                self.audio_messages += 1
                if await self.faults():
                    return
                await self.on_audio(audio, message)
            elif kind == "stop":
                await self.ws.close()
                return
            else:
                await self.on_message(message)

    async def faults(self) -> bool:
        server = self.server
        if server.drop_after_audio.get(self.index) == self.audio_messages:
            self.drop()
            return True
        if server.error_after_audio == self.audio_messages:
            await self.send({"type": "error", "data": {"error": "provider failed"}})
        if server.malformed_after_audio == self.audio_messages:
            await self.ws.send_str('{"type": "event", "data": ')
        return False

    async def on_config(self, data: Any) -> None:
        pass

    async def on_audio(self, audio: bytes, message: dict[str, Any]) -> None:
        pass

    async def on_message(self, message: dict[str, Any]) -> None:
        pass


class _STT(_Session):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.since_final = 0
        self.started = False
        self.interim_sent = False

    def _current(self) -> tuple[str, int] | None:
        script = self.server.stt_script
        return script[self.server._stt_step] if self.server._stt_step < len(script) else None

    async def on_audio(self, audio: bytes, message: dict[str, Any]) -> None:
        self.since_final += len(audio)
        step = self._current()
        if step is None:
            return
        text, size = step
        if not self.started:
            self.started = True
            await self.event("START_SPEECH")
        if not self.interim_sent and self.since_final >= size // 2:
            self.interim_sent = True
            words = text.split()
            await self.event("TRANSCRIPT", text=" ".join(words[: max(1, len(words) // 2)]),
                             is_final=False, confidence=0.5)
        if self.since_final >= size:
            await self.finalize(text)

    async def finalize(self, text: str) -> None:
        await self.event("TRANSCRIPT", text=text, is_final=True, confidence=0.9,
                         language="en-US")
        await self.event("END_SPEECH")
        self.server._stt_step += 1
        self.since_final = 0
        self.started = self.interim_sent = False

    async def on_message(self, message: dict[str, Any]) -> None:
        if message.get("type") == "flush":
            step = self._current()
            if step is not None and self.since_final > 0:
                await self.finalize(step[0])


class _TTS(_Session):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.text = ""
        self.interrupted = False

    async def on_message(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        server = self.server
        if kind == "text":
            if server.tts_error_on_text is not None:
                await self.send({"type": "error", "data": {"error": server.tts_error_on_text}})
                return
            self.text += message["data"]
        elif kind == "flush":
            text, self.text = self.text, ""
            self.interrupted = False
            if server.tts_delay:
                await asyncio.sleep(server.tts_delay)
            pcm = tone_pcm(text, server.tts_bytes_per_char)
            for i, start in enumerate(range(0, len(pcm), server.tts_chunk)):
                if self.interrupted or self.ws.closed:
                    return
                chunk = pcm[start : start + server.tts_chunk]
                if server.tts_mode == "binary":
                    await self.send(chunk)
                else:
                    payload = wav_file(chunk) if server.tts_mode == "wav" and i == 0 else chunk
                    await self.send({"type": "audio",
                                     "data": {"audio": base64.b64encode(payload).decode()}})
                await asyncio.sleep(0)
            if server.tts_complete:
                await self.event("TTS_COMPLETE")
        elif kind == "interrupt":
            self.interrupted = True


class _Denoise(_Session):
    async def on_audio(self, audio: bytes, message: dict[str, Any]) -> None:
        cleaned = (np.frombuffer(audio, "<i2") // 2).astype("<i2").tobytes()
        seq = message.get("seq")
        mode = self.audio_messages % 3
        if mode == 0:
            await self.send(cleaned)
        elif mode == 1:
            await self.send({"type": "audio", "data": base64.b64encode(cleaned).decode(),
                             "seq": seq})
        else:
            await self.event("DENOISE_AUDIO", audio=base64.b64encode(cleaned).decode(), seq=seq)


class _Realtime(_Session):
    """Gemini Live's part: config lazily before the first audio or text; after
    ``realtime_trigger_bytes`` of user audio, or a text, it answers with speech."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.heard = 0
        self.answering = False
        self.interrupted = False
        self.tasks: set[asyncio.Task[None]] = set()

    def spawn_answer(self, user_text: str | None) -> None:
        self.answering = True
        task = asyncio.ensure_future(self.answer(user_text))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def on_audio(self, audio: bytes, message: dict[str, Any]) -> None:
        self.heard += len(audio)
        if self.heard >= self.server.realtime_trigger_bytes and not self.answering:
            self.heard = 0
            self.spawn_answer("What's the weather?")

    async def on_message(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind in ("text", "text_with_frames") and not self.answering:
            self.spawn_answer(None)
        elif kind == "interrupt":
            self.interrupted = True
            await self.event("response_interrupted")

    async def answer(self, user_text: str | None) -> None:
        self.answering = True
        self.interrupted = False
        if user_text is not None:
            await self.event("user_speech_started")
            await self.event("user_speech_ended")
            await self.event("input_transcription", text=user_text[:5])
            await self.event("user_transcript", text=user_text)
        await self.event("agent_speech_started")
        reply = self.server.realtime_reply
        pcm = tone_pcm(reply, 960)
        for start in range(0, len(pcm), 4800):
            if self.interrupted:
                break
            await self.send({"type": "audio",
                             "data": {"audio": base64.b64encode(pcm[start:start + 4800]).decode()}})
            await asyncio.sleep(0.01)
        await self.event("output_transcription", text=reply)
        await self.event("text_response", text=reply, is_final=True)
        await self.event("agent_speech_ended")
        self.answering = False
