"""``TTS``: LiveKit inference text-to-speech from a model string
(``"cartesia/sonic-2:<voice>"``).

Connections to ``{ws base}/tts?model=<model>`` come from a pool (300 s maximum age); each
starts with ``session.create``. A ``SynthesizeStream`` sends each sentence as
``input_transcript`` and ``session.flush`` at the end of input, and reads ``output_audio``,
``output_alignment`` and ``done``, with a per-message receive timeout.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp

from ...tts.tts import TTS as BaseTTS
from ...tts.tts import FlushMarker, TTSError
from .auth import auth_headers, get_default_inference_url, resolve_credentials, ws_base
from .connection import connect_ws, parse_json
from .errors import (
    DEFAULT_API_CONNECT_OPTIONS,
    APIConnectionError,
    APIConnectOptions,
    APIError,
    APIStatusError,
    APITimeoutError,
)
from .models import parse_model_string, tts_fallback
from .pool import ConnectionPool

logger = logging.getLogger("vocalis.inference.livekit.tts")

DEFAULT_ENCODING = "pcm_s16le"
DEFAULT_SAMPLE_RATE = 24000
_SENTENCE_END = re.compile(r"[.!?…;:][\"'”’)\]]*(?=\s)")


@dataclass(frozen=True)
class TTSCapabilities:
    streaming: bool = True
    aligned_transcript: bool = False


@dataclass
class SynthesizedAudio:
    """A piece of synthesized 16-bit mono PCM."""

    data: bytes
    segment_id: str
    is_final: bool = False


@dataclass
class TimedWord:
    word: str
    start: float
    end: float


@dataclass
class _Input:
    texts: list[str] = field(default_factory=list)
    ended: bool = False


class TTS(BaseTTS):
    """Streaming TTS through LiveKit's inference gateway (or ``vocalis gateway``).

    Parameters and defaults follow ``livekit.agents.inference.TTS``. It plugs into
    ``Pipeline`` through ``synthesize`` (audio to ``audio_track``, first-byte callback once per
    synthesis); ``stream()`` gives LiveKit's pull side. ``interrupt()`` closes the stream's
    connection instead of returning it to the pool: the protocol has no cancel message, so that
    is how no audio of an interrupted synthesis can reach the next one.
    """

    def __init__(
        self,
        model: str,
        *,
        voice: str | None = None,
        language: str | None = None,
        encoding: str = DEFAULT_ENCODING,
        sample_rate: int = DEFAULT_SAMPLE_RATE,
        base_url: str | None = None,
        api_key: str | None = None,
        api_secret: str | None = None,
        http_session: aiohttp.ClientSession | None = None,
        extra_kwargs: dict[str, Any] | None = None,
        fallback: Any = None,
        conn_options: APIConnectOptions | None = None,
    ) -> None:
        if encoding != DEFAULT_ENCODING:
            raise ValueError("the inference gateway TTS streams pcm_s16le audio")
        super().__init__(sample_rate=sample_rate, num_channels=1)
        model, parsed_voice = parse_model_string(model)
        self._model = model
        self.voice = voice or parsed_voice
        self.language = language
        self.encoding = encoding
        self.base_url = base_url or get_default_inference_url()
        self._api_key, self._api_secret = resolve_credentials(api_key, api_secret)
        self._http_session = http_session
        self._own_session: aiohttp.ClientSession | None = None
        self.extra_kwargs: dict[str, Any] = dict(extra_kwargs or {})
        self.fallback = tts_fallback(fallback)
        self.conn_options = conn_options or DEFAULT_API_CONNECT_OPTIONS
        self._pool = ConnectionPool(connect_cb=self._connect_ws, close_cb=self._close_ws,
                                    max_session_duration=300, mark_refreshed_on_get=True)
        self._streams: set[SynthesizeStream] = set()
        self._current: SynthesizeStream | None = None
        self._label = f"livekit.inference.TTS.{model}"

    @classmethod
    def from_model_string(cls, model: str) -> TTS:
        return cls(model)

    @property
    def model(self) -> str:
        return self._model

    @property
    def provider(self) -> str:
        return "livekit"

    @property
    def capabilities(self) -> TTSCapabilities:
        return TTSCapabilities()

    @property
    def pool(self) -> ConnectionPool:
        return self._pool

    def update_options(
        self, *, voice: str | None = None, model: str | None = None,
        language: str | None = None, extra_kwargs: dict[str, Any] | None = None,
    ) -> None:
        """New options apply to the next synthesis (``generation_config`` of each sentence)."""
        if voice is not None:
            self.voice = voice
        if model is not None:
            self._model = model
        if language is not None:
            self.language = language
        if extra_kwargs is not None:
            self.extra_kwargs.update(extra_kwargs)

    def session(self) -> aiohttp.ClientSession:
        if self._http_session is not None:
            return self._http_session
        if self._own_session is None:
            self._own_session = aiohttp.ClientSession()
        return self._own_session

    def session_create(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "session.create", "sample_rate": str(self.sample_rate),
            "encoding": self.encoding, "extra": self.extra_kwargs,
        }
        if self.voice:
            message["voice"] = self.voice
        if self._model:
            message["model"] = self._model
        if self.language:
            message["language"] = self.language
        if self.fallback:
            message["fallback"] = self.fallback
        message["connection"] = self.conn_options.to_gateway()
        return message

    async def _connect_ws(self) -> aiohttp.ClientWebSocketResponse:
        url = f"{ws_base(self.base_url).rstrip('/')}/tts?{urlencode({'model': self._model})}"
        headers = auth_headers(self._api_key, self._api_secret)
        ws = await connect_ws(self.session(), url, headers, self.conn_options.timeout)
        try:
            await ws.send_str(json.dumps(self.session_create()))
        except (aiohttp.ClientError, ConnectionError) as exc:
            await ws.close()
            raise APIConnectionError(f"failed to send session.create: {exc}") from exc
        return ws

    async def _close_ws(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        await ws.close()

    def stream(self, *, conn_options: APIConnectOptions | None = None) -> SynthesizeStream:
        stream = SynthesizeStream(self, conn_options or self.conn_options)
        self._streams.add(stream)
        return stream

    # ---- the push contract -----------------------------------------------------------------

    async def synthesize(
        self,
        text: AsyncIterator[str | FlushMarker] | str,
        voice_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Speak ``text`` into ``audio_track``; returns when the gateway says ``done``."""
        if self.audio_track is None:
            raise TTSError(f"{self.label}.synthesize needs audio_track to be set")
        if self._current is not None:
            await self.interrupt()
        self.reset_first_audio_tracking()
        stream = self.stream()
        self._current = stream

        async def feed() -> None:
            if isinstance(text, str):
                stream.push_text(text)
            else:
                async for item in text:
                    if isinstance(item, FlushMarker):
                        stream.flush()
                    else:
                        stream.push_text(item)
            stream.end_input()

        feeder = asyncio.ensure_future(feed())
        try:
            async for audio in stream:
                if stream.interrupted:
                    break
                await self._emit_audio(audio.data)
            if feeder.done() and feeder.exception() is not None:
                raise feeder.exception()  # type: ignore[misc]
        except APIError as exc:
            if not stream.interrupted:
                error = TTSError(f"{self.label}: {exc}")
                self.emit("error", error)
                raise error from exc
        finally:
            feeder.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await feeder
            await stream.aclose()
            if self._current is stream:
                self._current = None

    async def interrupt(self) -> None:
        stream, self._current = self._current, None
        if stream is not None:
            await stream.interrupt()
        if self.audio_track is not None:
            self.audio_track.interrupt()

    async def prewarm(self) -> None:
        """Open a pooled connection ahead of the first synthesis (failures are emitted)."""
        try:
            await self._pool.prewarm()
        except APIError as exc:
            self.emit("error", exc)

    async def aclose(self) -> None:
        for stream in list(self._streams):
            await stream.aclose()
        await self._pool.aclose()
        if self._own_session is not None:
            await self._own_session.close()
            self._own_session = None
        await super().aclose()


class SynthesizeStream:
    """One synthesis: push text, ``end_input()``, iterate ``SynthesizedAudio``."""

    def __init__(self, tts: TTS, conn_options: APIConnectOptions) -> None:
        self._tts = tts
        self.conn_options = conn_options
        self._pending = ""
        self._sentences: asyncio.Queue[str | None] = asyncio.Queue()
        self._sent: list[str] = []  #: sentences sent so far (re-sent after a retry)
        self._audio: asyncio.Queue[SynthesizedAudio | APIError | None] = asyncio.Queue(maxsize=256)
        self.alignment: list[TimedWord] = []
        self.interrupted = False
        self.connection_reused = False
        self.segment_id = ""
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._input_ended = False
        self._produced = False  #: audio came out: a failure now is not retried
        self._flush_sent = False
        self._task = asyncio.ensure_future(self._run())

    def push_text(self, text: str) -> None:
        if self._input_ended:
            raise RuntimeError("push_text after end_input")
        self._pending += text
        ends = [m.end() for m in _SENTENCE_END.finditer(self._pending)]
        if ends:
            self._sentence(self._pending[: ends[-1]])
            self._pending = self._pending[ends[-1] :]

    def flush(self) -> None:
        """Send what is pending as a sentence now."""
        self._sentence(self._pending)
        self._pending = ""

    def end_input(self) -> None:
        if not self._input_ended:
            self.flush()
            self._input_ended = True
            self._sentences.put_nowait(None)

    def _sentence(self, text: str) -> None:
        if text.strip():
            self._sentences.put_nowait(text.strip())

    def __aiter__(self) -> AsyncIterator[SynthesizedAudio]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[SynthesizedAudio]:
        while True:
            item = await self._audio.get()
            if item is None:
                return
            if isinstance(item, APIError):
                raise item
            yield item

    async def interrupt(self) -> None:
        """Stop: the connection is closed, not returned to the pool."""
        self.interrupted = True
        await self.aclose()

    async def aclose(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._task
        self._tts._streams.discard(self)

    # ---- the session -----------------------------------------------------------------------

    async def _run(self) -> None:
        attempt = 0
        try:
            while True:
                ws = None
                try:
                    ws, self.connection_reused = await self._tts.pool.get()
                    self._ws = ws
                    await self._run_once(ws)
                    self._tts.pool.put(ws)
                    return
                except APIError as exc:
                    if ws is not None:
                        await self._tts.pool.remove(ws)
                    if self._produced or not exc.retryable or attempt >= self.conn_options.max_retry:
                        self._audio.put_nowait(exc)
                        return
                    delay = self.conn_options.interval_for_retry(attempt)
                    attempt += 1
                    logger.info("livekit TTS: %s; retry %d in %.1f s", exc, attempt, delay)
                    await asyncio.sleep(delay)
        except asyncio.CancelledError:
            if self._ws is not None:
                await self._tts.pool.remove(self._ws)
            raise
        finally:
            with contextlib.suppress(asyncio.QueueFull):
                self._audio.put_nowait(None)

    async def _run_once(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        sender = asyncio.ensure_future(self._send_loop(ws))
        try:
            await self._receive_loop(ws, sender)
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender

    def _transcript_message(self, text: str) -> dict[str, Any]:
        tts = self._tts
        config = {k: v for k, v in (("voice", tts.voice), ("model", tts.model),
                                     ("language", tts.language)) if v}
        return {"type": "input_transcript", "transcript": text + " ",
                "generation_config": config, "extra": tts.extra_kwargs}

    async def _send_loop(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        try:
            for text in self._sent:  # a retry re-sends what the failed connection had
                await ws.send_str(json.dumps(self._transcript_message(text)))
            if self._flush_sent:
                await ws.send_str(json.dumps({"type": "session.flush"}))
                return
            while True:
                text = await self._sentences.get()
                if text is None:
                    self._flush_sent = True
                    await ws.send_str(json.dumps({"type": "session.flush"}))
                    return
                self._sent.append(text)
                await ws.send_str(json.dumps(self._transcript_message(text)))
        except (aiohttp.ClientError, ConnectionError) as exc:
            raise APIConnectionError(f"gateway send failed: {exc}") from exc

    async def _receive_loop(
        self, ws: aiohttp.ClientWebSocketResponse, sender: asyncio.Future[None]
    ) -> None:
        while not self._sent and not sender.done():  # wait until some input has been sent
            await asyncio.wait({sender}, timeout=0.01)
        if sender.done() and sender.exception() is not None:
            raise sender.exception()  # type: ignore[misc]
        while True:
            try:
                async with asyncio.timeout(self.conn_options.timeout):
                    msg = await ws.receive()
            except TimeoutError:
                raise APITimeoutError(
                    f"no message from the gateway in {self.conn_options.timeout:g} s") from None
            if msg.type != aiohttp.WSMsgType.TEXT:
                if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                                aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.ERROR):
                    raise APIStatusError("Gateway connection closed unexpectedly", status_code=-1)
                continue
            message = parse_json(msg.data)
            if message is None:
                logger.warning("livekit TTS: malformed message skipped: %r", msg.data[:200])
                continue
            if message.get("session_id") and not self.segment_id:
                self.segment_id = str(message["session_id"])
            kind = message.get("type")
            if kind == "output_audio":
                try:
                    pcm = base64.b64decode(message.get("audio") or "", validate=True)
                except (ValueError, TypeError):
                    logger.warning("livekit TTS: malformed audio skipped")
                    continue
                if pcm:
                    self._produced = True
                    await self._audio.put(SynthesizedAudio(pcm, self.segment_id))
            elif kind == "output_alignment":
                for word in message.get("words") or message.get("chars") or []:
                    if isinstance(word, dict):
                        self.alignment.append(TimedWord(
                            str(word.get("word", word.get("char", ""))),
                            float(word.get("start") or 0.0), float(word.get("end") or 0.0)))
            elif kind == "done":
                return
            elif kind == "error":
                raise APIError(str(message.get("message") or "gateway error"), body=message,
                               retryable=not self._produced)
