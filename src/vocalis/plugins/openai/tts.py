"""OpenAI text-to-speech: streaming raw PCM from ``POST /v1/audio/speech``.

The audio (24 kHz mono s16le) is cut into exact 20 ms frames of 960 bytes and pushed to the
audio track as it streams in; the last partial frame is zero-padded. ``interrupt()`` cancels
the HTTP stream itself, not only the playback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx

from ...tts.tts import TTS, FlushMarker, TTSError
from .auth import AzureSettings, make_openai_client, make_timeout, resolve_api_key
from .errors import wrap_sdk_error

logger = logging.getLogger("vocalis.plugins.openai.tts")

OPENAI_TTS_SAMPLE_RATE = 24000
OPENAI_TTS_CHANNELS = 1
#: Bytes in one 20 ms frame of 24 kHz mono 16-bit PCM.
FRAME_BYTES = OPENAI_TTS_SAMPLE_RATE * 2 * 20 // 1000


class OpenAITTS(TTS):
    """Text to speech with OpenAI's ``/audio/speech`` endpoint (``gpt-4o-mini-tts``, ``tts-1``).

    A string is one request. A text stream is gathered whole and sent as one request (better
    prosody), unless ``chunked_synthesis=True``: then each ``FlushMarker`` closes a segment
    and each segment is its own request (lower time to first audio).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        model: str = "gpt-4o-mini-tts",
        voice: str | dict[str, str] = "ash",
        speed: float = 1.0,
        instructions: str | None = None,
        language: str | None = None,
        base_url: str | None = None,
        response_format: str = "pcm",
        chunked_synthesis: bool = False,
        timeout: float | httpx.Timeout | None = None,
        client: Any | None = None,
    ) -> None:
        super().__init__(sample_rate=OPENAI_TTS_SAMPLE_RATE, num_channels=OPENAI_TTS_CHANNELS)
        if response_format != "pcm":
            raise ValueError("OpenAITTS streams raw PCM only: response_format must be 'pcm'")
        self.model = model
        self.voice = voice
        self.speed = speed
        self.instructions = instructions
        self.language = language
        self.response_format = response_format
        self.chunked_synthesis = chunked_synthesis
        self._owns_client = client is None
        self._client = client or make_openai_client(
            api_key=resolve_api_key(api_key, base_url, component="OpenAITTS"),
            base_url=base_url,
            timeout=make_timeout(timeout, read=5.0),
        )
        self._stream_task: asyncio.Task[None] | None = None
        self._interrupted = False

    @staticmethod
    def azure(
        *,
        model: str = "gpt-4o-mini-tts",
        voice: str | dict[str, str] = "ash",
        speed: float = 1.0,
        instructions: str | None = None,
        language: str | None = None,
        azure_endpoint: str | None = None,
        azure_deployment: str | None = None,
        api_version: str | None = None,
        api_key: str | None = None,
        azure_ad_token: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        base_url: str | None = None,
        response_format: str = "pcm",
        chunked_synthesis: bool = False,
        timeout: float | httpx.Timeout | None = None,
    ) -> OpenAITTS:
        """An ``OpenAITTS`` on Azure OpenAI; missing settings come from ``AZURE_OPENAI_*``."""
        settings = AzureSettings.from_env(
            azure_endpoint=azure_endpoint,
            azure_deployment=azure_deployment,
            api_version=api_version,
            api_key=api_key,
            azure_ad_token=azure_ad_token,
            organization=organization,
            project=project,
            model=model,
            base_url=base_url,
        )
        client = settings.client(make_timeout(timeout, read=5.0))
        return OpenAITTS(
            model=model, voice=voice, speed=speed, instructions=instructions, language=language,
            response_format=response_format, chunked_synthesis=chunked_synthesis, client=client,
        )

    async def synthesize(
        self,
        text: AsyncIterator[str | FlushMarker] | str,
        voice_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Synthesize ``text`` and push 20 ms PCM frames to ``self.audio_track``."""
        if self.audio_track is None or self.loop is None:
            error = TTSError("OpenAITTS: audio_track and loop must be set before synthesize")
            self.emit("error", error)
            raise error
        self._interrupted = False
        if isinstance(text, str):
            await self._synthesize_segment(text, voice_id)
            return
        async for segment in self._segments(text):
            if self._interrupted:
                return
            await self._synthesize_segment(segment, voice_id)

    async def _segments(self, text: AsyncIterator[str | FlushMarker]) -> AsyncIterator[str]:
        """Whole-stream text, or one segment per ``FlushMarker`` in chunked mode."""
        parts: list[str] = []
        async for piece in text:
            if isinstance(piece, FlushMarker):
                if self.chunked_synthesis:
                    if "".join(parts).strip():
                        yield "".join(parts)
                    parts = []
                continue
            parts.append(piece)
        if "".join(parts).strip():
            yield "".join(parts)

    async def _synthesize_segment(self, text: str, voice_id: str | None) -> None:
        if not text.strip() or self._interrupted:
            return
        self._stream_task = asyncio.ensure_future(self._stream(text, voice_id))
        try:
            await self._stream_task
        except asyncio.CancelledError:
            if not self._interrupted:
                raise
        finally:
            self._stream_task = None

    async def _stream(self, text: str, voice_id: str | None) -> None:
        import openai

        body: dict[str, Any] = {
            "model": self.model,
            "voice": voice_id or self.voice,
            "input": text,
            "speed": self.speed,
            "response_format": self.response_format,
        }
        if self.instructions:
            body["instructions"] = self.instructions
        extra_body = {"language": self.language} if self.language else None
        pending = b""
        try:
            async with self._client.audio.speech.with_streaming_response.create(
                **body, extra_body=extra_body
            ) as response:
                async for chunk in response.iter_bytes():
                    if self._interrupted:
                        return
                    pending += chunk
                    cut = len(pending) - len(pending) % FRAME_BYTES
                    for start in range(0, cut, FRAME_BYTES):
                        await self._emit_audio(pending[start : start + FRAME_BYTES])
                    pending = pending[cut:]
        except (openai.OpenAIError, httpx.HTTPError) as exc:
            error = wrap_sdk_error(exc, TTSError, "OpenAITTS")
            self.emit("error", error)
            raise error from exc
        if pending and not self._interrupted:
            await self._emit_audio(pending.ljust(FRAME_BYTES, b"\x00"))

    async def interrupt(self) -> None:
        """Stop synthesis: cancel the HTTP stream and clear queued playback."""
        self._interrupted = True
        task = self._stream_task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, TTSError):
                await task
        if self.audio_track is not None:
            self.audio_track.interrupt()

    async def aclose(self) -> None:
        """Stop synthesis and close the HTTP client if this instance made it."""
        self._interrupted = True
        if self._stream_task is not None and not self._stream_task.done():
            self._stream_task.cancel()
        if self._owns_client:
            await self._client.close()
        await super().aclose()
