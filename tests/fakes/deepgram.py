"""A local fake of Deepgram's realtime websockets: ``/v1/listen``, ``/v2/listen`` and ``/v1/speak``.

One aiohttp server on 127.0.0.1 (ephemeral port) speaks the real message shapes (the ones the
deepgram-sdk response models describe), follows a script of what to say after how much audio,
records every connection (query, headers, text messages, binary frames, what it sent back) and
can misbehave on demand: reject the key, stall the handshake, drop the connection, send an
error or malformed JSON, or never answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

LISTEN_V1 = "/v1/listen"
LISTEN_V2 = "/v2/listen"
SPEAK_V1 = "/v1/speak"


@dataclass
class Say:
    """``/v1/listen`` script step: once the connection has received ``after_bytes`` of audio
    (cumulative), finalize ``text``. An interim with the first half of the words comes at the
    midpoint of the segment, a ``SpeechStarted`` at its first byte."""

    text: str
    after_bytes: int
    interim: bool = True
    speech_final: bool = True
    confidence: float = 0.93


@dataclass
class Turn:
    """``/v2/listen`` script step: a Flux turn that ends once ``after_bytes`` have arrived.

    StartOfTurn at its first byte, an Update at the midpoint, then EagerEndOfTurn (``eager``),
    TurnResumed plus a second EagerEndOfTurn (``resume``) and EndOfTurn."""

    text: str
    after_bytes: int
    eager: bool = True
    resume: bool = False


@dataclass
class Connection:
    """Everything one websocket connection received and sent."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    messages: list[dict[str, Any]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    frames: list[bytes] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    sent_audio: list[bytes] = field(default_factory=list)
    closed: bool = False
    opened_at: float = field(default_factory=time.monotonic)
    timeline: list[tuple[float, str]] = field(default_factory=list)
    """When each message arrived: ("audio" or the text message's type, monotonic time)."""

    @property
    def audio(self) -> bytes:
        return b"".join(self.frames)

    def types(self) -> list[str]:
        return [m.get("type", "") for m in self.messages]


def speech_pcm(text: str, bytes_per_char: int = 96) -> bytes:
    """Deterministic fake 16-bit PCM for ``text`` (never silent)."""
    size = max(2, len(text) * bytes_per_char)
    pattern = bytes((i * 7 + 1) % 251 + 1 for i in range(256))
    return (pattern * (size // 256 + 1))[:size]


class FakeDeepgram:
    """The fake server. Configure the attributes, ``await start()``, point clients at ``url()``."""

    def __init__(self, *, api_key: str = "test-key") -> None:
        self.api_key = api_key
        self.connections: list[Connection] = []
        self.listen_script: list[Say] = []
        self.flux_script: list[Turn] = []
        # Faults.
        self.reject_status: int | None = None
        self.handshake_delay = 0.0
        self.silent = False
        self.drop_after_bytes: dict[int, int] = {}  #: connection index -> drop threshold
        self.error_after_bytes: int | None = None
        self.malformed_after_bytes: int | None = None
        # Speak behaviour.
        self.speak_chunk_bytes = 960
        self.speak_bytes_per_char = 96
        self.hold_after_first_chunk = False  #: keep the rest of a flush until Clear
        self.late_frames_on_clear = 2
        self.speak_error: str | None = None  #: answer Speak with this Error description
        self.speak_malformed = False
        self.drop_on_flush = False
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._request_id = str(uuid.uuid4())

    async def start(self) -> FakeDeepgram:
        app = web.Application()
        for path in (LISTEN_V1, LISTEN_V2, SPEAK_V1):
            app.router.add_get(path, self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def aclose(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self._port}{path}"

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 2.0) -> None:
        """Poll ``predicate`` on the loopback until it holds (fails the test after ``timeout``)."""
        async with asyncio.timeout(timeout):
            while not predicate():
                await asyncio.sleep(0.005)

    # -- dispatch -------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if self.handshake_delay:
            await asyncio.sleep(self.handshake_delay)
        if request.headers.get("Authorization") != f"Token {self.api_key}":
            return web.json_response(
                {"err_code": "INVALID_AUTH", "err_msg": "Invalid credentials."}, status=401
            )
        if self.reject_status is not None:
            return web.json_response({"err_code": "REJECTED"}, status=self.reject_status)
        rec = Connection(request.path, dict(request.query), dict(request.headers))
        index = len(self.connections)
        self.connections.append(rec)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        handler = {LISTEN_V1: _ListenV1, LISTEN_V2: _ListenV2, SPEAK_V1: _Speak}[request.path]
        session = handler(self, rec, ws, request, index)
        try:
            await session.run()
        finally:
            rec.closed = True
        return ws


class _Session:
    """One connection's conversation; subclasses implement the endpoint."""

    def __init__(
        self,
        server: FakeDeepgram,
        rec: Connection,
        ws: web.WebSocketResponse,
        request: web.Request,
        index: int,
    ) -> None:
        self.server, self.rec, self.ws, self.request, self.index = server, rec, ws, request, index
        self.received = 0
        self.sequence = 0
        self.faults_done: set[str] = set()

    async def run(self) -> None:
        await self.on_open()
        async for msg in self.ws:
            if msg.type == WSMsgType.BINARY:
                self.rec.frames.append(msg.data)
                self.rec.timeline.append((time.monotonic(), "audio"))
                self.received += len(msg.data)
                if await self._faults():
                    return
                if not self.server.silent:
                    await self.on_audio()
            elif msg.type == WSMsgType.TEXT:
                self.rec.texts.append(msg.data)
                message = json.loads(msg.data)
                self.rec.messages.append(message)
                self.rec.timeline.append((time.monotonic(), str(message.get("type", ""))))
                if not self.server.silent and await self.on_message(message):
                    return

    async def _faults(self) -> bool:
        server = self.server
        drop_at = server.drop_after_bytes.get(self.index)
        if drop_at is not None and self.received >= drop_at:
            self.drop()
            return True
        if "malformed" not in self.faults_done and _reached(server.malformed_after_bytes, self):
            self.faults_done.add("malformed")
            await self.ws.send_str('{"type": "Results", "channel": ')
        if "error" not in self.faults_done and _reached(server.error_after_bytes, self):
            self.faults_done.add("error")
            await self.send(self.error_message())
        return False

    def drop(self) -> None:
        """Vanish like a broken network: no close frame."""
        transport = self.request.transport
        if transport is not None:
            transport.close()

    async def send(self, message: dict[str, Any]) -> None:
        self.rec.sent.append(message)
        await self.ws.send_str(json.dumps(message))
        self.sequence += 1

    async def on_open(self) -> None:
        pass

    async def on_audio(self) -> None:
        pass

    async def on_message(self, message: dict[str, Any]) -> bool:
        """Handle a client text message; True ends the connection."""
        return False

    def error_message(self) -> dict[str, Any]:
        return {"type": "Error", "variant": "fake", "description": "boom", "code": "FAKE-0001"}


def _reached(threshold: int | None, session: _Session) -> bool:
    return threshold is not None and session.received >= threshold


def _words(text: str, start: float, end: float) -> list[dict[str, Any]]:
    tokens = text.split()
    step = (end - start) / max(1, len(tokens))
    return [
        {
            "word": t.strip(".,!?").lower(),
            "punctuated_word": t,
            "start": round(start + i * step, 3),
            "end": round(start + (i + 1) * step, 3),
            "confidence": 0.9,
        }
        for i, t in enumerate(tokens)
    ]


class _ListenV1(_Session):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.step = 0
        self.segment_start = 0
        self.interim_sent = False
        self.started_sent = False
        self.rate = int(self.rec.query.get("sample_rate", "16000"))

    def seconds(self, nbytes: int) -> float:
        return nbytes / (self.rate * 2)

    async def on_audio(self) -> None:
        script = self.server.listen_script
        while self.step < len(script):
            say = script[self.step]
            if not self.started_sent and self.received > self.segment_start:
                self.started_sent = True
                await self.send(
                    {
                        "type": "SpeechStarted",
                        "channel": [0],
                        "timestamp": self.seconds(self.segment_start),
                    }
                )
            midpoint = (self.segment_start + say.after_bytes) // 2
            if say.interim and not self.interim_sent and self.received >= midpoint:
                self.interim_sent = True
                half = " ".join(say.text.split()[: max(1, len(say.text.split()) // 2)])
                await self.send(self.results(half, midpoint, is_final=False))
            if self.received < say.after_bytes:
                return
            await self.finalize(say.text, say.after_bytes, say.speech_final)

    async def finalize(
        self, text: str, end: int, speech_final: bool, *, from_finalize: bool = False
    ) -> None:
        await self.send(
            self.results(
                text, end, is_final=True, speech_final=speech_final, from_finalize=from_finalize
            )
        )
        self.step += 1
        self.segment_start = end
        self.interim_sent = self.started_sent = False

    def results(
        self,
        text: str,
        end: int,
        *,
        is_final: bool,
        speech_final: bool = False,
        from_finalize: bool = False,
    ) -> dict[str, Any]:
        start_s, end_s = self.seconds(self.segment_start), self.seconds(end)
        say = (
            self.server.listen_script[self.step]
            if self.step < len(self.server.listen_script)
            else None
        )
        return {
            "type": "Results",
            "channel_index": [0, 1],
            "duration": round(end_s - start_s, 3),
            "start": round(start_s, 3),
            "is_final": is_final,
            "speech_final": speech_final,
            "from_finalize": from_finalize,
            "channel": {
                "alternatives": [
                    {
                        "transcript": text,
                        "confidence": say.confidence if say else 0.0,
                        "words": _words(text, start_s, end_s),
                    }
                ]
            },
            "metadata": {
                "request_id": self.server._request_id,
                "model_info": {"name": "general-nova-2", "version": "2024-01-01", "arch": "nova-2"},
                "model_uuid": str(uuid.UUID(int=1)),
            },
        }

    async def on_message(self, message: dict[str, Any]) -> bool:
        kind = message.get("type")
        if kind == "Finalize":
            script = self.server.listen_script
            pending = self.received > self.segment_start
            text = script[self.step].text if pending and self.step < len(script) else ""
            await self.finalize(text, self.received, True, from_finalize=True)
        elif kind == "CloseStream":
            await self.send(
                {
                    "type": "Metadata",
                    "transaction_key": "deprecated",
                    "request_id": self.server._request_id,
                    "sha256": hashlib.sha256(self.rec.audio).hexdigest(),
                    "created": "2025-01-01T00:00:00.000Z",
                    "duration": self.seconds(self.received),
                    "channels": 1,
                }
            )
            await self.ws.close()
            return True
        return False


class _ListenV2(_Session):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.step = 0
        self.turn_start = 0
        self.started = False
        self.updated = False
        self.rate = int(self.rec.query.get("sample_rate", "16000"))

    async def on_open(self) -> None:
        await self.send(
            {"type": "Connected", "request_id": self.server._request_id, "sequence_id": 0}
        )

    def turn_info(self, event: str, text: str, end: int, confidence: float = 0.5) -> dict[str, Any]:
        return {
            "type": "TurnInfo",
            "request_id": self.server._request_id,
            "sequence_id": self.sequence,
            "event": event,
            "turn_index": self.step,
            "audio_window_start": self.turn_start / (self.rate * 2),
            "audio_window_end": end / (self.rate * 2),
            "transcript": text,
            "words": [{"word": w, "confidence": 0.9} for w in text.split()],
            "end_of_turn_confidence": confidence,
        }

    async def on_audio(self) -> None:
        script = self.server.flux_script
        while self.step < len(script):
            turn = script[self.step]
            if not self.started and self.received > self.turn_start:
                self.started = True
                await self.send(self.turn_info("StartOfTurn", "", self.received, 0.0))
            midpoint = (self.turn_start + turn.after_bytes) // 2
            if not self.updated and self.received >= midpoint:
                self.updated = True
                half = " ".join(turn.text.split()[: max(1, len(turn.text.split()) // 2)])
                await self.send(self.turn_info("Update", half, midpoint, 0.1))
            if self.received < turn.after_bytes:
                return
            if turn.eager:
                await self.send(self.turn_info("EagerEndOfTurn", turn.text, turn.after_bytes, 0.65))
            if turn.resume:
                await self.send(self.turn_info("TurnResumed", turn.text, turn.after_bytes, 0.2))
                await self.send(self.turn_info("EagerEndOfTurn", turn.text, turn.after_bytes, 0.7))
            await self.end_turn(turn.text, turn.after_bytes)

    async def end_turn(self, text: str, end: int) -> None:
        message = self.turn_info("EndOfTurn", text, end, 0.9)
        message["trigger"] = "model"
        await self.send(message)
        self.step += 1
        self.turn_start = end
        self.started = self.updated = False

    async def on_message(self, message: dict[str, Any]) -> bool:
        kind = message.get("type")
        if kind == "ForceEndTurn" and self.started:
            script = self.server.flux_script
            text = script[self.step].text if self.step < len(script) else ""
            await self.end_turn(text, self.received)
        elif kind == "CloseStream":
            await self.ws.close()
            return True
        return False

    def error_message(self) -> dict[str, Any]:
        return {
            "type": "Error",
            "sequence_id": self.sequence,
            "code": "INTERNAL_SERVER_ERROR",
            "description": "boom",
        }


class _Speak(_Session):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.buffer: list[str] = []
        self.flushes = 0
        self.clears = 0
        self.held: list[bytes] = []

    async def on_open(self) -> None:
        await self.send(
            {
                "type": "Metadata",
                "request_id": self.server._request_id,
                "model_name": self.rec.query.get("model", ""),
                "model_version": "2025-01-01",
                "model_uuid": str(uuid.UUID(int=2)),
            }
        )

    async def send_audio(self, pcm: bytes) -> None:
        self.rec.sent_audio.append(pcm)
        await self.ws.send_bytes(pcm)

    async def on_message(self, message: dict[str, Any]) -> bool:
        server = self.server
        kind = message.get("type")
        if kind == "Speak":
            if server.speak_error:  # the synthesis fails, yet its audio may still follow
                await self.send(
                    {"type": "Error", "err_code": "FAKE", "description": server.speak_error}
                )
            self.buffer.append(message["text"])
        elif kind == "Flush":
            if server.drop_on_flush:
                self.drop()
                return True
            if server.speak_malformed:
                await self.ws.send_str("{not json")
            text = " ".join(self.buffer)
            pcm = speech_pcm(text, server.speak_bytes_per_char) if text else b""
            self.buffer.clear()
            size = server.speak_chunk_bytes
            chunks = [pcm[i : i + size] for i in range(0, len(pcm), size)]
            if server.hold_after_first_chunk and chunks:
                await self.send_audio(chunks[0])
                self.held = chunks[1:]
                return False
            for chunk in chunks:
                await self.send_audio(chunk)
            await self.send({"type": "Flushed", "sequence_id": self.flushes})
            self.flushes += 1
        elif kind == "Clear":
            for chunk in self.held[: server.late_frames_on_clear]:
                await self.send_audio(chunk)  # audio already in flight when Clear arrived
            self.held = []
            self.buffer.clear()
            await self.send({"type": "Cleared", "sequence_id": self.clears})
            self.clears += 1
        elif kind == "Close":
            with contextlib.suppress(ConnectionError):
                await self.ws.close()
            return True
        return False
