"""The soak benchmark's callers: real speech over /ws and /twilio, abrupt hang-ups, bad frames.

A call waits for the greeting to end, asks its question (Piper speech, sent in real time with
silence around it, as a phone would), and waits for the answer. Its ``Outcome`` is what the
caller experienced: ``served`` (agent audio after the question), ``reason`` (an error message
or a close with a code and reason), ``silent`` (neither) or ``disconnect`` (the caller reset
the connection on purpose).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from vocalis.audio import resample_pcm
from vocalis.testing.raw_websocket import (
    BINARY,
    TEXT,
    open_websocket,
    read_close,
    reset,
    send_frame,
)
from vocalis.transports.telephony import mulaw

FRAME = 0.02
GREETING_MAX = 10.0
"""Seconds to wait for the greeting to finish before asking anyway."""
GREETING_GAP = 1.0
"""Seconds without agent audio that end the greeting."""
REPLY_TIMEOUT = 20.0
SERVED_SECONDS = 0.5
"""Agent audio after the question that counts as an answer."""
CLEAR_CLOSE_CODES = {1003, 1007, 1008, 1009, 1011, 1013}


@dataclass(frozen=True)
class Clip:
    """One spoken question: 16 kHz PCM for /ws, 8 kHz mu-law for /twilio."""

    text: str
    pcm16k: bytes
    mulaw8k: bytes


async def synthesize_clips(texts: list[str]) -> dict[str, Clip]:
    """Each question spoken by the bundled Piper voice."""
    from vocalis.plugins.piper import PiperTTS

    tts = PiperTTS(noise_scale=0.0, noise_w_scale=0.0)
    clips = {}
    for text in texts:
        pcm = b"".join([c async for c in tts.stream_synthesize(text)])
        clips[text] = Clip(
            text,
            resample_pcm(pcm, tts.sample_rate, 16000),
            mulaw.encode(resample_pcm(pcm, tts.sample_rate, 8000)),
        )
    return clips


@dataclass
class Outcome:
    kind: str
    result: str
    detail: str = ""
    latency: float | None = None


@dataclass
class Heard:
    """What came back on one call: audio (with arrival times), errors, the close."""

    audio: list[tuple[float, float]] = field(default_factory=list)
    errors: list[tuple[float, str]] = field(default_factory=list)
    close: tuple[int | None, str] | None = None
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    def add_audio(self, seconds: float) -> None:
        self.audio.append((_now(), seconds))

    def audio_after(self, t: float) -> float:
        return sum(s for at, s in self.audio if at >= t)

    def first_audio_after(self, t: float) -> float | None:
        return next((at for at, _ in self.audio if at >= t), None)

    def greeting_over(self, started: float) -> bool:
        now = _now()
        if self.audio:
            return now - self.audio[-1][0] >= GREETING_GAP
        return now - started >= GREETING_MAX

    def outcome(self, kind: str, asked_at: float) -> Outcome:
        if self.audio_after(asked_at) >= SERVED_SECONDS:
            first = self.first_audio_after(asked_at)
            return Outcome(kind, "served", latency=None if first is None else first - asked_at)
        errors = [text for at, text in self.errors if at >= asked_at]
        if errors:
            return Outcome(kind, "reason", f"error message: {errors[0]}")
        if self.close is not None and (self.close[0] != 1000 or self.close[1]):
            return Outcome(kind, "reason", f"closed {self.close[0]}: {self.close[1]}")
        return Outcome(kind, "silent", f"no audio and no error within {REPLY_TIMEOUT:g} s")


def _now() -> float:
    return asyncio.get_running_loop().time()


class Pacer:
    """Sends one 20 ms frame every 20 ms (speech or silence), like a phone or a browser."""

    def __init__(self, send: Callable[[bytes], Any], silence: bytes) -> None:
        self._send = send
        self._silence = silence
        self._next = _now()

    async def _frame(self, frame: bytes) -> None:
        delay = self._next - _now()
        if delay > 0:
            await asyncio.sleep(delay)
        self._next += FRAME
        await self._send(frame)

    async def play(self, audio: bytes) -> None:
        size = len(self._silence)
        for i in range(0, len(audio), size):
            await self._frame(audio[i : i + size].ljust(size, self._silence[:1]))

    async def until(self, done: Callable[[], bool], limit: float) -> None:
        end = _now() + limit
        while not done() and _now() < end:
            await self._frame(self._silence)


async def ws_call(base: str, token: str, clip: Clip, kind: str) -> Outcome:
    """A /ws call: greeting, the question, the answer."""
    url = f"{base}/ws?sample_rate=16000&output_sample_rate=16000&token={token}"
    heard = Heard()
    try:
        async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
            reader = asyncio.ensure_future(_read_ws(ws, heard))
            pacer = Pacer(ws.send_bytes, bytes(640))
            try:
                return await _converse(pacer, heard, clip.pcm16k, kind)
            finally:
                await ws.close()
                reader.cancel()
    except aiohttp.WSServerHandshakeError as exc:
        return Outcome(kind, "reason", f"HTTP {exc.status}")
    except (aiohttp.ClientError, ConnectionError) as exc:
        return _lost(heard, kind, exc)


async def twilio_call(base: str, token: str, clip: Clip, kind: str) -> Outcome:
    """A /twilio call: ``start``, greeting, the question, the answer."""
    heard = Heard()
    try:
        async with aiohttp.ClientSession() as http, http.ws_connect(f"{base}/twilio") as ws:
            reader = asyncio.ensure_future(_read_twilio(ws, heard))
            await ws.send_str(json.dumps(twilio_start(token)))

            async def send(frame: bytes) -> None:
                await ws.send_str(twilio_media(frame))

            try:
                return await _converse(Pacer(send, b"\xff" * 160), heard, clip.mulaw8k, kind)
            finally:
                with contextlib.suppress(ConnectionError):
                    await ws.send_str(json.dumps({"event": "stop", "streamSid": "MZsoak"}))
                await ws.close()
                reader.cancel()
    except aiohttp.WSServerHandshakeError as exc:
        return Outcome(kind, "reason", f"HTTP {exc.status}")
    except (aiohttp.ClientError, ConnectionError) as exc:
        return _lost(heard, kind, exc)


def _lost(heard: Heard, kind: str, exc: Exception) -> Outcome:
    if heard.close is not None and heard.close[1]:
        return Outcome(kind, "reason", f"closed {heard.close[0]}: {heard.close[1]}")
    return Outcome(kind, "silent", f"connection lost: {type(exc).__name__}: {exc}")


async def _converse(pacer: Pacer, heard: Heard, question: bytes, kind: str) -> Outcome:
    started = _now()
    await pacer.until(lambda: heard.greeting_over(started) or heard.closed.is_set(), GREETING_MAX)
    if heard.closed.is_set():
        return heard.outcome(kind, started)
    await pacer.play(question)
    asked_at = _now()
    await pacer.until(
        lambda: heard.closed.is_set()
        or heard.audio_after(asked_at) >= SERVED_SECONDS
        or any(at >= asked_at for at, _ in heard.errors),
        REPLY_TIMEOUT,
    )
    return heard.outcome(kind, asked_at)


async def _read_ws(ws: aiohttp.ClientWebSocketResponse, heard: Heard) -> None:
    async def on_message(msg: aiohttp.WSMessage) -> None:
        if msg.type is aiohttp.WSMsgType.BINARY:
            heard.add_audio(len(msg.data) / 2 / 16000)
        elif msg.type is aiohttp.WSMsgType.TEXT:
            data = json.loads(msg.data)
            if data.get("type") == "error":
                heard.errors.append((_now(), f"{data.get('source')}: {data.get('message')}"))

    await _receive_all(ws, heard, on_message)


async def _read_twilio(ws: aiohttp.ClientWebSocketResponse, heard: Heard) -> None:
    async def on_message(msg: aiohttp.WSMessage) -> None:
        data = json.loads(msg.data)
        if data.get("event") == "media":
            heard.add_audio(len(base64.b64decode(data["media"]["payload"])) / 8000)
        elif data.get("event") == "mark":
            echo = {"event": "mark", "streamSid": "MZsoak", "mark": data["mark"]}
            await ws.send_str(json.dumps(echo))

    await _receive_all(ws, heard, on_message)


async def _receive_all(
    ws: aiohttp.ClientWebSocketResponse, heard: Heard, on_message: Callable[[Any], Any]
) -> None:
    """Hand each message to ``on_message`` until the close, which lands in ``heard``."""
    reason = ""
    try:
        while True:
            msg = await ws.receive()
            if msg.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                await on_message(msg)
                continue
            if msg.type is aiohttp.WSMsgType.CLOSE:
                reason = msg.extra or ""
            break
    finally:
        heard.close = (ws.close_code, reason)
        heard.closed.set()


def twilio_start(token: str) -> dict[str, Any]:
    return {"event": "start", "sequenceNumber": "1", "streamSid": "MZsoak", "start": {
        "streamSid": "MZsoak", "callSid": "CAsoak", "accountSid": "ACsoak",
        "tracks": ["inbound"], "customParameters": {"token": token},
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
    }}


def twilio_media(mulaw_frame: bytes) -> str:
    payload = base64.b64encode(mulaw_frame).decode()
    return json.dumps({"event": "media", "streamSid": "MZsoak",
                       "media": {"track": "inbound", "payload": payload}})


# ---- hostile callers -------------------------------------------------------------------------


async def abrupt_call(port: int, token: str, clip: Clip, transport: str, seconds: float) -> Outcome:
    """Start a call, speak for ``seconds``, then vanish with a TCP reset."""
    kind = f"abrupt_{transport}"
    path = f"/ws?sample_rate=16000&token={token}" if transport == "ws" else "/twilio"
    reader, writer = await open_websocket(port, path)
    draining = asyncio.ensure_future(reader.read(-1))
    try:
        if transport == "twilio":
            send_frame(writer, TEXT, json.dumps(twilio_start(token)).encode())
            frames = [twilio_media(clip.mulaw8k[i : i + 160]).encode()
                      for i in range(0, len(clip.mulaw8k), 160)]
            opcode = TEXT
        else:
            frames = [clip.pcm16k[i : i + 640] for i in range(0, len(clip.pcm16k), 640)]
            opcode = BINARY
        for frame in frames[: round(seconds / FRAME)]:
            send_frame(writer, opcode, frame)
            await asyncio.sleep(FRAME)
    finally:
        reset(writer)
        draining.cancel()
    return Outcome(kind, "disconnect")


DEEP_JSON = b"[" * 100_000 + b"]" * 100_000

MALFORMED_WS: list[tuple[str, int, bytes]] = [
    ("not_json", TEXT, b"{not json"),
    ("deep_json", TEXT, DEEP_JSON),
    ("odd_pcm", BINARY, b"\x01\x02\x03"),
    ("bad_utf8", TEXT, b'{"type": "text", "text": "\xff\xfe"}'),
    ("unknown_type", TEXT, b'{"type": "dance"}'),
    ("text_not_string", TEXT, b'{"type": "text", "text": 42}'),
    ("oversized", BINARY, bytes(2 * 1024 * 1024)),
]


def _start_with(media_format: Any) -> bytes:
    start = twilio_start("")
    start["start"]["mediaFormat"] = media_format
    return json.dumps(start).encode()


MALFORMED_TWILIO: list[tuple[str, int, bytes]] = [
    ("media_format_string", TEXT, _start_with("audio/x-mulaw")),
    ("sample_rate_abc", TEXT, _start_with({"encoding": "audio/x-mulaw", "sampleRate": "abc"})),
    ("sample_rate_null", TEXT, _start_with({"encoding": "audio/x-mulaw", "sampleRate": None})),
    ("sample_rate_1e400", TEXT,
     _start_with({"encoding": "audio/x-mulaw", "sampleRate": 8000}).replace(b"8000", b"1e400")),
    ("media_before_start", TEXT, json.dumps({"event": "media", "streamSid": "x",
                                             "media": {"payload": "AAAA"}}).encode()),
    ("binary_frame", BINARY, b"\x00\x01"),
    ("deep_json", TEXT, DEEP_JSON),
]


async def malformed_call(port: int, token: str, transport: str, index: int) -> Outcome:
    """Send one bad frame; the server must close with a clear code and reason."""
    variants = MALFORMED_WS if transport == "ws" else MALFORMED_TWILIO
    name, opcode, payload = variants[index % len(variants)]
    kind = f"malformed_{transport}"
    path = f"/ws?token={token}" if transport == "ws" else f"/twilio?token={token}"
    reader, writer = await open_websocket(port, path)
    try:
        send_frame(writer, opcode, payload)
        await writer.drain()
        code, reason = await asyncio.wait_for(read_close(reader), 10.0)
    except (TimeoutError, asyncio.IncompleteReadError, ConnectionError) as exc:
        return Outcome(kind, "silent", f"{name}: no close frame ({type(exc).__name__})")
    finally:
        writer.close()
    if code in CLEAR_CLOSE_CODES and reason:
        return Outcome(kind, "reason", f"{name}: {code} {reason}")
    return Outcome(kind, "silent", f"{name}: closed {code} {reason!r}")
