"""``STT``: speech-to-text through the VideoSDK inference gateway (``/v1/stt``).

The gateway holds the provider connection (Google, Sarvam, Deepgram) and resamples; the client
sends the config envelope first, then ``{"type": "audio", "data": b64(pcm)}`` per chunk the
pipeline pushes, ``{"type": "flush"}`` to force a final, and maps ``TRANSCRIPT``,
``START_SPEECH`` and ``END_SPEECH`` events to ``STTResponse``s.
"""

from __future__ import annotations

import base64
import logging
from collections import deque
from typing import Any

from ..stt.stt import STT as BaseSTT
from ..stt.stt import SpeechData, SpeechEventType, STTError, STTResponse
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

logger = logging.getLogger("vocalis.inference.stt")


class STT(BaseSTT):
    """Streaming STT through the VideoSDK inference gateway.

    Parameters and factories follow the reference; Vocalis adds ``connect_timeout`` and
    ``max_replay_seconds``. The pipeline resamples user audio to the config's
    ``input_sample_rate`` (48 kHz by default) and delivers it mono, so the gateway gets exactly
    the rate the config declares.

    Quirks of the reference (plugins-and-gateways §8.2), decided:

    - Audio pushed while the socket is connecting is kept and sent after the config (the
      reference dropped it), and the audio since the last final is replayed after a dropped
      connection (bounded by ``max_replay_seconds``), so an utterance cut mid-way is still
      transcribed. Reconnects back off after failures (the reference had no backoff).
    - A ``TRANSCRIPT`` without ``is_final`` is final: that is what the protocol means, kept.
    - Empty transcripts are not delivered (the reference passed them to the callback).
    - ``START_SPEECH``/``END_SPEECH`` become START/END responses (Vocalis has no global event
      bus); END is only reported when the turn produced words, as in the reference.
    - ``aclose()`` sends ``{"type": "stop"}`` before closing (the reference sent nothing).
    """

    def __init__(
        self,
        *,
        provider: str,
        model_id: str,
        language: str = "en-US",
        config: dict[str, Any] | None = None,
        enable_streaming: bool = True,
        base_url: str | None = None,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_replay_seconds: float = 10.0,
    ) -> None:
        super().__init__()
        self._token = resolve_auth_token()
        self.provider = provider
        self.model_id = model_id
        self.language = language
        self.config: dict[str, Any] = dict(config or {})
        self.enable_streaming = enable_streaming
        self.base_url = base_url or VIDEOSDK_INFERENCE_URL
        self.input_sample_rate = int(self.config.get("input_sample_rate", 48000))
        self._label = f"videosdk.inference.STT.{provider}.{model_id}"
        self._max_replay_bytes = int(max_replay_seconds * self.input_sample_rate) * 2
        self._unfinalized: deque[bytes] = deque()
        self._unfinalized_bytes = 0
        self._sent_chunks = 0  #: chunks of ``_unfinalized`` already sent on this connection
        self._speaking = False
        self._last_transcript = ""
        self._warned_streaming = False
        self.dropped_audio_bytes = 0  #: audio dropped because the replay buffer was full
        self._socket = GatewaySocket(
            lambda: ws_url(self.base_url, "stt", provider=self.provider, secret=self._token,
                           model_id=self.model_id),
            on_text=self._on_text,
            on_closed=self._on_closed,
            on_error=self._report,
            error_cls=STTError,
            config=lambda: self.config,
            connect_timeout=connect_timeout,
            heartbeat=20.0,
            name="inference-stt",
        )

    @property
    def connections(self) -> int:
        """WebSocket connections opened so far."""
        return self._socket.connections

    # ---- factories -----------------------------------------------------------------------

    @classmethod
    def google(
        cls,
        *,
        model_id: str = "chirp_3",
        language: str = "en-US",
        languages: list[str] | None = None,
        interim_results: bool = True,
        punctuate: bool = True,
        location: str = "asia-south1",
        input_sample_rate: int = 48000,
        output_sample_rate: int = 16000,
        enable_streaming: bool = True,
        base_url: str | None = None,
        config: dict[str, Any] | None = None,
    ) -> STT:
        data = {
            "model": model_id, "language": language, "languages": languages or [language],
            "input_sample_rate": input_sample_rate, "output_sample_rate": output_sample_rate,
            "interim_results": interim_results, "punctuate": punctuate, "location": location,
            **(config or {}),
        }
        return cls(provider="google", model_id=model_id, language=language, config=data,
                   enable_streaming=enable_streaming, base_url=base_url)

    @classmethod
    def sarvam(
        cls,
        *,
        model_id: str = "saarika:v2.5",
        language: str = "en-IN",
        input_sample_rate: int = 48000,
        output_sample_rate: int = 16000,
        enable_streaming: bool = True,
        base_url: str | None = None,
        config: dict[str, Any] | None = None,
    ) -> STT:
        data = {
            "model": model_id, "language": language, "input_sample_rate": input_sample_rate,
            "output_sample_rate": output_sample_rate, **(config or {}),
        }
        return cls(provider="sarvam", model_id=model_id, language=language, config=data,
                   enable_streaming=enable_streaming, base_url=base_url)

    @classmethod
    def deepgram(
        cls,
        *,
        model_id: str = "nova-2",
        language: str = "en-US",
        input_sample_rate: int = 48000,
        interim_results: bool = True,
        punctuate: bool = True,
        smart_format: bool = True,
        endpointing: int = 50,
        enable_streaming: bool = True,
        base_url: str | None = None,
        config: dict[str, Any] | None = None,
        eager_eot_threshold: float = 0.6,
        eot_threshold: float = 0.8,
        eot_timeout_ms: int = 7000,
        keyterm: list[str] | str | None = None,
    ) -> STT:
        data = {
            "model": model_id, "language": language, "input_sample_rate": input_sample_rate,
            "interim_results": interim_results, "punctuate": punctuate,
            "smart_format": smart_format, "endpointing": endpointing,
            "eager_eot_threshold": eager_eot_threshold, "eot_threshold": eot_threshold,
            "eot_timeout_ms": eot_timeout_ms, "keyterm": keyterm, **(config or {}),
        }
        return cls(provider="deepgram", model_id=model_id, language=language, config=data,
                   enable_streaming=enable_streaming, base_url=base_url)

    # ---- audio in ------------------------------------------------------------------------

    async def process_audio(
        self, audio_frames: bytes, language: str | None = None, **kwargs: Any
    ) -> None:
        """Send 16-bit mono PCM at ``input_sample_rate``; results arrive via the callback.

        ``language`` is ignored (the config carries it), as in the reference."""
        if not self.enable_streaming:
            if not self._warned_streaming:
                self._warned_streaming = True
                logger.warning("%s: non-streaming mode is not supported; audio dropped", self.label)
            return
        if not audio_frames:
            return
        self._keep(bytes(audio_frames))
        if await self._socket.ensure() is not None:
            await self._send_pending()

    def _keep(self, chunk: bytes) -> None:
        self._unfinalized.append(chunk)
        self._unfinalized_bytes += len(chunk)
        while self._unfinalized_bytes > self._max_replay_bytes and len(self._unfinalized) > 1:
            old = self._unfinalized.popleft()
            self._unfinalized_bytes -= len(old)
            if self._sent_chunks > 0:
                self._sent_chunks -= 1
            else:
                self.dropped_audio_bytes += len(old)

    async def _send_pending(self) -> None:
        while self._sent_chunks < len(self._unfinalized):
            chunk = self._unfinalized[self._sent_chunks]
            message = {"type": "audio", "data": base64.b64encode(chunk).decode("ascii")}
            if not await self._socket.send_json(message):
                return
            self._sent_chunks += 1

    async def flush(self) -> None:
        """Ask the gateway for a final now (``{"type": "flush"}``); silent when not connected."""
        if self._socket.connected:
            await self._send_pending()
            await self._socket.send_json({"type": "flush"})

    async def prewarm(self) -> None:
        """Open the connection (and send config) ahead of the first audio."""
        await self._socket.ensure()

    async def aclose(self) -> None:
        await self._socket.aclose({"type": "stop"})
        await super().aclose()

    # ---- server messages -----------------------------------------------------------------

    def _on_closed(self, code: int | None) -> None:
        logger.info("%s: gateway closed the connection (code %s)", self.label, code)
        self._sent_chunks = 0  # the next connection replays the audio not yet finalized

    async def _on_text(self, raw: str) -> None:
        message = parse_envelope(raw)
        if message is None:
            self._report(STTError(f"malformed message from the gateway: {raw[:200]!r}"))
            return
        kind = message.get("type")
        if kind == "error" or (kind is None and message.get("message")):
            self._report(STTError(f"inference gateway error: {error_text(message)}"))
            await self._socket.drop()
            return
        if kind != "event":
            logger.debug("%s: ignoring %r message", self.label, kind)
            return
        event, data = event_of(message)
        if event == "TRANSCRIPT":
            await self._on_transcript(data)
        elif event == "START_SPEECH":
            if not self._speaking:
                self._speaking = True
                self._last_transcript = ""
                await self._deliver(SpeechEventType.START, "", self.language, 0.0)
        elif event == "END_SPEECH":
            if self._speaking:
                self._speaking = False
                if self._last_transcript:
                    await self._deliver(SpeechEventType.END, "", self.language, 0.0)
        else:
            logger.debug("%s: ignoring %r event", self.label, event)

    async def _on_transcript(self, data: dict[str, Any]) -> None:
        text = str(data.get("text") or "").strip()
        is_final = bool(data.get("is_final", True))
        if is_final:
            for _ in range(self._sent_chunks):  # what the gateway has heard is finalized
                self._unfinalized_bytes -= len(self._unfinalized.popleft())
            self._sent_chunks = 0
        if not text:
            return
        self._last_transcript = text
        try:
            confidence = float(data.get("confidence", 1.0))
        except (TypeError, ValueError):
            confidence = 1.0
        kind = SpeechEventType.FINAL if is_final else SpeechEventType.INTERIM
        await self._deliver(kind, text, str(data.get("language") or self.language), confidence)

    async def _deliver(
        self, kind: SpeechEventType, text: str, language: str, confidence: float
    ) -> None:
        callback = self._transcript_callback
        if callback is None:
            return
        response = STTResponse(
            event_type=kind,
            data=SpeechData(text=text, language=language, confidence=confidence),
            metadata={"provider": self.provider, "model": self.model_id},
        )
        try:
            await callback(response)
        except Exception:
            logger.exception("%s: transcript callback raised", self.label)

    def _report(self, error: Exception) -> None:
        logger.warning("%s: %s", self.label, error)
        self.emit("error", error)
