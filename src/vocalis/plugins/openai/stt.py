"""``OpenAISTT``: OpenAI speech-to-text, streaming (realtime transcription WebSocket) or batch
(energy VAD + ``/audio/transcriptions``). Results reach the pipeline through the transcript
callback: START / INTERIM / FINAL / END ``STTResponse``s."""

from __future__ import annotations

import logging
import os
from typing import Any

import httpx

from ...stt.stt import STT, SpeechData, SpeechEventType, STTError, STTResponse
from ...utils.clock import now
from ...utils.tasks import TaskGroup
from .auth import (
    DEFAULT_BASE_URL,
    AzureSettings,
    make_openai_client,
    make_timeout,
    resolve_api_key,
)
from .errors import wrap_sdk_error
from .realtime.connection import realtime_url
from .stt_batch import EnergySegmenter, to_wav
from .stt_stream import STREAM_SAMPLE_RATE, TranscriptionSocket, logprob_confidence

logger = logging.getLogger("vocalis.plugins.openai.stt")

DEFAULT_TURN_DETECTION: dict[str, Any] = {
    "type": "server_vad",
    "threshold": 0.5,
    "prefix_padding_ms": 300,
    "silence_duration_ms": 500,
}


class OpenAISTT(STT):
    """Speech to text with ``gpt-4o-mini-transcribe`` / ``gpt-4o-transcribe`` / ``whisper-1``.

    Takes 24 kHz mono PCM (the pipeline resamples). ``enable_streaming=True`` streams to a
    realtime transcription session whose server VAD cuts turns; interims are throttled to one
    per ``interim_interval`` seconds. ``enable_streaming=False`` cuts utterances locally and
    uploads each one.
    """

    input_sample_rate = STREAM_SAMPLE_RATE

    def __init__(
        self,
        *,
        api_key: str | None = None,
        model: str = "gpt-4o-mini-transcribe",
        base_url: str | None = None,
        prompt: str | None = None,
        language: str | None = "en",
        turn_detection: dict[str, Any] | None = None,
        enable_streaming: bool = True,
        silence_threshold: float = 0.01,
        silence_duration: float = 0.8,
        noise_reduction: str | None = "near_field",
        interim_interval: float = 0.5,
        timeout: float | httpx.Timeout | None = None,
        client: Any | None = None,
    ) -> None:
        super().__init__(forward_interim_transcripts=True)
        self.model = model
        self.prompt = prompt
        self.language = language
        self.turn_detection = turn_detection or dict(DEFAULT_TURN_DETECTION)
        self.enable_streaming = enable_streaming
        self.noise_reduction = noise_reduction
        self.interim_interval = interim_interval
        self._timeout = make_timeout(timeout, read=5.0)
        base = base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        key = (
            None
            if client is not None
            else resolve_api_key(api_key, base_url, component="OpenAISTT")
        )
        self._owns_client = client is None
        self._client = client or make_openai_client(
            api_key=key or "",
            base_url=base_url,
            timeout=self._timeout,
        )
        self._segmenter = EnergySegmenter(
            self.input_sample_rate, silence_threshold, silence_duration
        )
        self._tasks = TaskGroup("openai-stt")
        self._text = ""
        self._last_interim = float("-inf")
        self._socket: TranscriptionSocket | None = None
        if enable_streaming:
            self._socket = TranscriptionSocket(
                realtime_url(base, None, extra_query={"intent": "transcription"}),
                {"Authorization": f"Bearer {key or api_key}", "User-Agent": "Vocalis"},
                self.session_config(),
                on_event=self._on_event,
                on_error=lambda exc: self.emit("error", exc),
                handshake_timeout=self._timeout.connect or 15.0,
            )

    @staticmethod
    def azure(
        *,
        model: str = "gpt-4o-mini-transcribe",
        language: str | None = "en",
        prompt: str | None = None,
        azure_endpoint: str | None = None,
        azure_deployment: str | None = None,
        api_version: str | None = None,
        api_key: str | None = None,
        azure_ad_token: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        base_url: str | None = None,
        turn_detection: dict[str, Any] | None = None,
        enable_streaming: bool = False,
        silence_threshold: float = 0.01,
        silence_duration: float = 0.8,
        noise_reduction: str | None = "near_field",
        interim_interval: float = 0.5,
        timeout: float | httpx.Timeout | None = None,
    ) -> OpenAISTT:
        """An ``OpenAISTT`` on Azure OpenAI, batch mode by default (the reference's Azure
        default); missing settings come from ``AZURE_OPENAI_*``."""
        if enable_streaming:
            raise ValueError(
                "OpenAISTT.azure streams to OpenAI's realtime endpoint, not Azure's: use "
                "enable_streaming=False (batch transcription per utterance)"
            )
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
        return OpenAISTT(
            model=model,
            language=language,
            prompt=prompt,
            turn_detection=turn_detection,
            enable_streaming=enable_streaming,
            silence_threshold=silence_threshold,
            silence_duration=silence_duration,
            noise_reduction=noise_reduction,
            interim_interval=interim_interval,
            client=settings.client(make_timeout(timeout, read=5.0)),
        )

    def session_config(self) -> dict[str, Any]:
        """The ``transcription`` session sent in ``session.update``."""
        transcription: dict[str, Any] = {"model": self.model, "prompt": self.prompt or ""}
        if self.language:
            transcription["language"] = self.language
        audio_input: dict[str, Any] = {
            "format": {"type": "audio/pcm", "rate": STREAM_SAMPLE_RATE},
            "transcription": transcription,
            "turn_detection": self.turn_detection,
        }
        if self.noise_reduction:
            audio_input["noise_reduction"] = {"type": self.noise_reduction}
        return {
            "type": "transcription",
            "audio": {"input": audio_input},
            "include": ["item.input_audio_transcription.logprobs"],
        }

    async def prewarm(self) -> None:
        if self._socket is not None:
            await self._socket.ensure()

    async def process_audio(
        self, audio_frames: bytes, language: str | None = None, **kwargs: Any
    ) -> None:
        """Consume 16-bit mono PCM at 24 kHz."""
        if self._socket is None:
            await self._process_batch(audio_frames)
            return
        try:
            await self._socket.send_audio(audio_frames)
        except STTError as exc:
            self.emit("error", exc)

    async def flush(self) -> None:
        """Streaming: commit the audio buffer. Batch: transcribe what is buffered now."""
        if self._socket is not None:
            await self._socket.commit()
            return
        audio = self._segmenter.take()
        if audio:
            await self._transcribe(audio)

    # ---- streaming ----------------------------------------------------------------------

    async def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "conversation.item.input_audio_transcription.delta":
            self._text += event.get("delta", "")
            if now() - self._last_interim >= self.interim_interval:
                self._last_interim = now()
                await self._push(
                    SpeechEventType.INTERIM, SpeechData(self._text, language=self.language)
                )
        elif kind == "conversation.item.input_audio_transcription.completed":
            self._text, self._last_interim = "", float("-inf")
            confidence = logprob_confidence(event.get("logprobs"))
            usage = event.get("usage") or {}
            metrics = {k: usage.get(k) for k in ("input_tokens", "output_tokens", "total_tokens")}
            await self._push(
                SpeechEventType.FINAL,
                SpeechData(
                    event.get("transcript", ""), confidence=confidence, language=self.language
                ),
                {
                    "model": self.model,
                    "item_id": event.get("item_id"),
                    "metrics": {**metrics, "confidence": confidence},
                },
            )
        elif kind == "input_audio_buffer.speech_started":
            await self._push(SpeechEventType.START, SpeechData(""))
        elif kind == "input_audio_buffer.speech_stopped":
            await self._push(SpeechEventType.END, SpeechData(""))
        elif kind == "conversation.item.input_audio_transcription.failed":
            error = event.get("error") or {}
            self.emit("error", STTError(f"OpenAISTT: transcription failed: {error.get('message')}"))
        elif kind == "error":
            error = event.get("error") or {}
            self.emit("error", STTError(f"OpenAISTT: {error.get('message') or error.get('code')}"))

    async def _push(
        self, kind: SpeechEventType, data: SpeechData, metadata: dict[str, Any] | None = None
    ) -> None:
        if self._transcript_callback is not None:
            await self._transcript_callback(
                STTResponse(event_type=kind, data=data, metadata=metadata)
            )

    # ---- batch --------------------------------------------------------------------------

    async def _process_batch(self, pcm: bytes) -> None:
        started, utterance = self._segmenter.push(pcm)
        if started:
            await self._push(SpeechEventType.START, SpeechData(""))
        if utterance is not None:
            await self._push(SpeechEventType.END, SpeechData(""))
            self._tasks.spawn(self._transcribe(utterance))

    async def _transcribe(self, pcm: bytes) -> None:
        import openai

        params: dict[str, Any] = {
            "file": ("audio.wav", to_wav(pcm, self.input_sample_rate), "audio/wav"),
            "model": self.model,
        }
        if self.language:
            params["language"] = self.language
        if self.prompt:
            params["prompt"] = self.prompt
        try:
            result = await self._client.audio.transcriptions.create(**params)
        except (openai.OpenAIError, httpx.HTTPError) as exc:
            self.emit("error", wrap_sdk_error(exc, STTError, "OpenAISTT"))
            return
        text = getattr(result, "text", "") or ""
        duration = len(pcm) / (2 * self.input_sample_rate)
        await self._push(
            SpeechEventType.FINAL,
            SpeechData(text, language=self.language, duration=duration),
            {"model": self.model},
        )

    async def aclose(self) -> None:
        await self._tasks.aclose()
        if self._socket is not None:
            await self._socket.aclose()
        if self._owns_client:
            await self._client.close()
        await super().aclose()
