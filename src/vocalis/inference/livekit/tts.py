"""``TTS``: LiveKit inference text-to-speech from a model string
(``"cartesia/sonic-2:<voice>"``).

Connections to ``{ws base}/tts?model=<model>`` come from a pool (300 s maximum age); each
starts with ``session.create``. Each synthesis is a ``SynthesizeStream`` (``tts_stream``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import aiohttp

from ...tts.tts import TTS as BaseTTS
from ...tts.tts import FlushMarker, TTSError
from .auth import auth_headers, get_default_inference_url, resolve_credentials, ws_base
from .connection import connect_ws
from .errors import (
    DEFAULT_API_CONNECT_OPTIONS,
    APIConnectionError,
    APIConnectOptions,
    APIError,
)
from .models import parse_model_string, tts_fallback
from .pool import ConnectionPool
from .tts_stream import SynthesizedAudio, SynthesizeStream, TimedWord

logger = logging.getLogger("vocalis.inference.livekit.tts")

DEFAULT_ENCODING = "pcm_s16le"
DEFAULT_SAMPLE_RATE = 24000


@dataclass(frozen=True)
class TTSCapabilities:
    streaming: bool = True
    aligned_transcript: bool = False


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


__all__ = ["TTS", "SynthesizeStream", "SynthesizedAudio", "TTSCapabilities", "TimedWord"]
