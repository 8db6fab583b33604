"""``TTS``: text-to-speech through the VideoSDK inference gateway (``/v1/tts``).

One persistent WebSocket reused across utterances: the config envelope first, then
``{"type": "text", "data": ...}`` and ``{"type": "flush"}``; audio comes back as JSON
(``{"type": "audio", "data": {"audio": b64}}``, possibly a WAV file) or binary PCM, and
``{"type": "event", "data": {"eventType": "TTS_COMPLETE"}}`` closes a flushed segment.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import AsyncIterator
from typing import Any

from ..tts.tts import TTS as BaseTTS
from ..tts.tts import FlushMarker, TTSError
from ..utils.clock import now
from ..utils.tasks import TaskGroup
from .gateway import (
    DEFAULT_CONNECT_TIMEOUT,
    VIDEOSDK_INFERENCE_URL,
    error_text,
    event_of,
    parse_envelope,
    resolve_auth_token,
    ws_url,
)
from .socket import GatewaySocket
from .tts_text import GUARDED_PROVIDERS, MIN_CHARS_FOR_TTS, has_content, send_text_stream

logger = logging.getLogger("vocalis.inference.tts")

_KEEPALIVE_SECONDS = 15.0


def strip_wav_header(audio: bytes) -> bytes:
    """The PCM of ``audio``: a ``RIFF`` file loses everything up to its ``data`` chunk."""
    if audio[:4] != b"RIFF":
        return audio
    pos = audio.find(b"data")
    return audio[pos + 8 :] if pos >= 0 else b""


class _Synthesis:
    def __init__(self, sid: int) -> None:
        self.id = sid
        self.flushes = 0
        self.completed = 0
        self.audio_bytes = 0
        self.last_activity = now()
        self.error: TTSError | None = None


class TTS(BaseTTS):
    """Streaming TTS through the VideoSDK inference gateway (Google, Sarvam, Cartesia, Deepgram).

    Parameters and factories follow the reference; Vocalis adds ``connect_timeout``,
    ``receive_timeout`` (longest server silence while audio is owed) and ``completion_timeout``
    (quiet time after the last audio that ends a synthesis when the gateway sends no
    ``TTS_COMPLETE``). Audio is 16-bit mono at ``sample_rate``; the pipeline resamples it.

    Quirks of the reference (plugins-and-gateways §8.3), decided:

    - Text is forwarded verbatim at word boundaries (the reference split on whitespace and
      re-joined with single spaces, corrupting sub-word LLM tokens), and ``flush`` is sent at
      sentence ends, ``FlushMarker``s and the end of input only (the reference flushed every
      two words, which ruins prosody). Short text is held back for Sarvam/Cartesia until it
      has ``MIN_CHARS_FOR_TTS`` content characters instead of being dropped.
    - ``interrupt()`` sends ``{"type": "interrupt"}`` and then closes the socket (reopened at
      once in the background): the wire carries no synthesis ids, so this is the only way to
      guarantee no audio of the interrupted synthesis reaches the next one.
    - The first-audio-byte callback fires on both the JSON and the binary audio paths.
    - ``prewarm()`` opens the connection (``warmup()`` is kept as an alias).
    - ``synthesize`` returns when the gateway has answered every flush with ``TTS_COMPLETE``
      (or after ``completion_timeout`` of quiet), so the pipeline knows the audio is complete.
    - The ``voice_id`` argument of ``synthesize`` is ignored: the voice is part of the
      connection (URL and config), as in the reference.
    - The token travels as ``?secret=`` because the protocol requires it; it is redacted from
      every log line and error message.
    """

    def __init__(
        self,
        *,
        provider: str,
        model_id: str,
        voice_id: str | list[float] | None = None,
        language: str = "en-US",
        config: dict[str, Any] | None = None,
        enable_streaming: bool = True,
        sample_rate: int = 24000,
        base_url: str | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        receive_timeout: float = 10.0,
        completion_timeout: float = 1.0,
    ) -> None:
        super().__init__(sample_rate=sample_rate, num_channels=1)
        self._token = resolve_auth_token()
        self.provider = provider
        self.model_id = model_id
        self.voice_id = voice_id
        self.language = language
        self.config: dict[str, Any] = dict(config or {})
        self.enable_streaming = enable_streaming
        self.base_url = base_url or VIDEOSDK_INFERENCE_URL
        self.receive_timeout = receive_timeout
        self.completion_timeout = completion_timeout
        self._label = f"videosdk.inference.TTS.{provider}.{model_id}"
        self._synthesis_id = 0
        self._interrupted = False
        self._interrupted_at_id = 0
        self._current: _Synthesis | None = None
        self._activity = asyncio.Event()
        self._carry = b""
        self._tasks = TaskGroup("inference-tts")
        self._keepalive: asyncio.Task[None] | None = None
        self._socket = GatewaySocket(
            self._url,
            on_text=self._on_text,
            on_binary=self._on_binary,
            on_closed=self._on_closed,
            on_error=self._report,
            error_cls=TTSError,
            config=lambda: self.config,
            connect_timeout=connect_timeout,
            heartbeat=20.0,
            name="inference-tts",
        )

    def _url(self) -> str:
        voice = None if self.voice_id is None else str(self.voice_id)
        return ws_url(self.base_url, "tts", provider=self.provider, secret=self._token,
                      model_id=self.model_id, voice_id=voice)

    @property
    def connections(self) -> int:
        return self._socket.connections

    # ---- factories -----------------------------------------------------------------------

    @classmethod
    def google(
        cls, *, model_id: str = "Chirp3-HD", voice_id: str = "Achernar", language: str = "en-US",
        speed: float = 1.0, pitch: float = 0.0, sample_rate: int = 24000,
        base_url: str | None = None, config: dict[str, Any] | None = None,
    ) -> TTS:
        data = {
            "voice_name": f"{language}-{model_id}-{voice_id}", "language_code": language,
            "speed": speed, "pitch": pitch, "sample_rate": sample_rate, "model_id": model_id,
            **(config or {}),
        }
        return cls(provider="google", model_id=model_id, voice_id=voice_id, language=language,
                   config=data, sample_rate=sample_rate, base_url=base_url)

    @classmethod
    def sarvam(
        cls, *, model_id: str = "bulbul:v2", speaker: str = "anushka", language: str = "en-IN",
        sample_rate: int = 24000, base_url: str | None = None,
        config: dict[str, Any] | None = None,
    ) -> TTS:
        data = {"model": model_id, "language": language, "speaker": speaker,
                "sample_rate": sample_rate, **(config or {})}
        return cls(provider="sarvamai", model_id=model_id, voice_id=speaker, language=language,
                   config=data, sample_rate=sample_rate, base_url=base_url)

    @classmethod
    def cartesia(
        cls, *, model_id: str = "sonic-2",
        voice_id: str | list[float] = "faf0731e-dfb9-4cfc-8119-259a79b27e12",
        language: str = "en", sample_rate: int = 24000, base_url: str | None = None,
        config: dict[str, Any] | None = None,
    ) -> TTS:
        data = {"model": model_id, "language": language, "voice": voice_id,
                "sample_rate": sample_rate, **(config or {})}
        return cls(provider="cartesia", model_id=model_id, voice_id=voice_id, language=language,
                   config=data, sample_rate=sample_rate, base_url=base_url)

    @classmethod
    def deepgram(
        cls, *, model_id: str = "aura-2", voice_id: str = "amalthea", language: str = "en",
        encoding: str = "linear16", sample_rate: int = 24000, container: str = "none",
        bit_rate: int | None = None, base_url: str | None = None,
        config: dict[str, Any] | None = None,
    ) -> TTS:
        data: dict[str, Any] = {
            "model": model_id, "encoding": encoding, "sample_rate": sample_rate,
            "container": container, "voice_id": voice_id, "language": language,
        }
        if bit_rate is not None:
            data["bit_rate"] = bit_rate
        data.update(config or {})
        # The reference hard-codes the constructor's language to "en" for Deepgram.
        return cls(provider="deepgram", model_id=model_id, voice_id=voice_id, language="en",
                   config=data, sample_rate=sample_rate, base_url=base_url)

    # ---- synthesis -----------------------------------------------------------------------

    async def synthesize(
        self,
        text: AsyncIterator[str | FlushMarker] | str,
        voice_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Speak ``text``; returns once its audio has arrived, or at once when interrupted."""
        if self.audio_track is None:
            raise self._fail(TTSError(f"{self.label}.synthesize needs audio_track to be set"))
        if isinstance(text, str) and not self._has_content(text, final=True):
            return
        self._synthesis_id += 1
        synthesis = _Synthesis(self._synthesis_id)
        self._current = synthesis
        self._interrupted = False
        self._carry = b""
        self.reset_first_audio_tracking()
        try:
            for attempt in range(2):
                if await self._connect() is None:
                    error = TTSError(f"{self.label}: not connected to the inference gateway")
                elif isinstance(text, str):
                    if await self._send_segment(text, synthesis):
                        break
                    error = TTSError(f"{self.label}: the gateway connection closed while sending")
                else:
                    await self._send_stream(text, synthesis)
                    break
                if attempt == 0 and isinstance(text, str) and not self._superseded(synthesis):
                    await asyncio.sleep(0.05)  # one retry for a plain string, as the reference
                    continue
                raise error
            await self._wait_complete(synthesis)
        except TTSError as exc:
            if not self._superseded(synthesis):
                raise self._fail(exc) from exc
        finally:
            if self._current is synthesis:
                self._current = None

    def _superseded(self, synthesis: _Synthesis) -> bool:
        return self._interrupted or synthesis.id != self._synthesis_id

    def _has_content(self, text: str, *, final: bool) -> bool:
        return has_content(text, final=final or self.provider not in GUARDED_PROVIDERS)

    async def _send_segment(self, text: str, synthesis: _Synthesis) -> bool:
        """Send ``text`` then ``flush``; False when the socket is gone."""
        if self._superseded(synthesis):
            return True
        if not await self._socket.send_json({"type": "text", "data": text}):
            return False
        synthesis.flushes += 1
        synthesis.last_activity = now()
        return await self._socket.send_json({"type": "flush"})

    async def _send_stream(
        self, stream: AsyncIterator[str | FlushMarker], synthesis: _Synthesis
    ) -> None:
        async def send(piece: str) -> None:
            if not await self._socket.send_json({"type": "text", "data": piece}):
                raise TTSError(f"{self.label}: the gateway connection closed while sending")

        async def flush() -> None:
            synthesis.flushes += 1
            synthesis.last_activity = now()
            if not await self._socket.send_json({"type": "flush"}):
                raise TTSError(f"{self.label}: the gateway connection closed while sending")

        await send_text_stream(
            stream, send=send, flush=flush, superseded=lambda: self._superseded(synthesis),
            worth_flushing=self._has_content,
        )

    async def _wait_complete(self, synthesis: _Synthesis) -> None:
        while not self._superseded(synthesis) and synthesis.completed < synthesis.flushes:
            if synthesis.error is not None:
                raise synthesis.error
            quiet = now() - synthesis.last_activity
            if synthesis.audio_bytes and quiet >= self.completion_timeout:
                return  # a gateway that sends no TTS_COMPLETE: the audio has stopped
            if quiet >= self.receive_timeout:
                raise TTSError(f"{self.label}: no audio within {self.receive_timeout:g} s")
            limit = self.completion_timeout if synthesis.audio_bytes else self.receive_timeout
            self._activity.clear()
            try:
                async with asyncio.timeout(max(0.0, limit - quiet)):
                    await self._activity.wait()
            except TimeoutError:
                pass
        if synthesis.error is not None and not self._superseded(synthesis):
            raise synthesis.error

    async def interrupt(self) -> None:
        """Stop now: drop the remaining audio, tell the gateway, and start a fresh connection."""
        self._interrupted = True
        self._interrupted_at_id = self._synthesis_id
        active = self._current
        self._current = None
        if self.audio_track is not None:
            self.audio_track.interrupt()
        if active is not None and active.completed < active.flushes and self._socket.connected:
            await self._socket.send_json({"type": "interrupt"})
            await self._socket.drop()
            self._tasks.spawn(self.prewarm(), name="inference-tts-reconnect")
        self._activity.set()

    async def prewarm(self) -> None:
        """Open the connection (and send config) ahead of the first synthesis."""
        await self._connect()

    async def _connect(self) -> Any:
        ws = await self._socket.ensure()
        if ws is not None and self._keepalive is None:
            self._keepalive = self._tasks.spawn(self._keepalive_loop(), name="inference-tts-ping")
        return ws

    async def warmup(self) -> None:
        """The reference's name for ``prewarm`` (which its pipeline never called)."""
        await self.prewarm()

    async def _keepalive_loop(self) -> None:
        """Ping every 15 s: some providers (Sarvam) drop connections idle for about a minute."""
        while True:
            await asyncio.sleep(_KEEPALIVE_SECONDS)
            await self._socket.ping()

    async def aclose(self) -> None:
        self._interrupted = True
        await self._tasks.aclose()
        await self._socket.aclose()
        await super().aclose()

    # ---- server messages -----------------------------------------------------------------

    async def _on_binary(self, data: bytes) -> None:
        await self._on_audio(data)

    async def _on_text(self, raw: str) -> None:
        message = parse_envelope(raw)
        if message is None:
            lowered = raw.lower()
            if "success" not in lowered and "ok" not in lowered:
                logger.warning("%s: non-JSON message from the gateway: %r", self.label, raw[:200])
            return
        kind = message.get("type")
        if kind == "audio":
            data = message.get("data")
            encoded = data.get("audio") if isinstance(data, dict) else data
            try:
                audio = base64.b64decode(encoded or "", validate=True)
            except (ValueError, TypeError):
                self._report(TTSError(f"{self.label}: malformed audio from the gateway"))
                return
            await self._on_audio(strip_wav_header(audio))
        elif kind == "event":
            event, _ = event_of(message)
            if event == "TTS_COMPLETE" and self._current is not None:
                self._current.completed += 1
                self._activity.set()
        elif kind == "error" or (kind is None and message.get("message")):
            error = TTSError(f"inference gateway error: {error_text(message)}")
            if self._current is not None:
                self._current.error = error
            else:
                self._report(error)
            await self._socket.drop()  # a provider error forces a fresh connection and config
            self._activity.set()

    async def _on_audio(self, audio: bytes) -> None:
        if self._interrupted or self._synthesis_id <= self._interrupted_at_id:
            return
        audio = self._carry + audio
        cut = len(audio) - len(audio) % 2
        audio, self._carry = audio[:cut], audio[cut:]
        if not audio:
            return
        if self._current is not None:
            self._current.audio_bytes += len(audio)
            self._current.last_activity = now()
        self._activity.set()
        await self._emit_audio(audio)

    def _on_closed(self, code: int | None) -> None:
        current = self._current
        if current is not None and current.completed < current.flushes and current.error is None:
            current.error = TTSError(f"{self.label}: gateway connection lost (code {code})")
        self._activity.set()

    def _fail(self, error: TTSError) -> TTSError:
        self._report(error)
        return error

    def _report(self, error: Exception) -> None:
        logger.warning("%s: %s", self.label, error)
        self.emit("error", error)


__all__ = ["MIN_CHARS_FOR_TTS", "TTS", "strip_wav_header"]
