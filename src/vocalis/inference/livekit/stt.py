"""``STT``: LiveKit inference speech-to-text from a model string (``"deepgram/nova-3:en"``).

Each ``SpeechStream`` (``stt_stream``) is one gateway session. The STT plugs into ``Pipeline``
through ``process_audio``, which feeds a default stream whose results go to the transcript
callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp

from ...stt.stt import STT as BaseSTT
from .auth import get_default_inference_url, resolve_credentials
from .errors import (
    DEFAULT_API_CONNECT_OPTIONS,
    APIConnectOptions,
    APIError,
)
from .models import parse_model_string, stt_fallback
from .stt_stream import SpeechStream

logger = logging.getLogger("vocalis.inference.livekit.stt")

DEFAULT_ENCODING = "pcm_s16le"
DEFAULT_SAMPLE_RATE = 16000


@dataclass(frozen=True)
class STTCapabilities:
    streaming: bool
    interim_results: bool
    diarization: bool
    aligned_transcript: str | bool
    offline_recognize: bool


class STT(BaseSTT):
    """Streaming STT through LiveKit's inference gateway (or ``vocalis gateway``).

    Parameters and defaults follow ``livekit.agents.inference.STT``. Vocalis chose the
    push-callback contract (plugins-and-gateways §5.5): ``process_audio``/``flush`` feed a
    default ``SpeechStream`` and results reach the transcript callback as ``STTResponse``s;
    ``stream()`` gives the pull side, yielding the same ``STTResponse``s. LiveKit's
    ``RECOGNITION_USAGE`` event rides on each FINAL as ``metadata["recognition_usage"]``.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        language: str | None = None,
        base_url: str | None = None,
        encoding: str = DEFAULT_ENCODING,
        sample_rate: int = DEFAULT_SAMPLE_RATE,
        api_key: str | None = None,
        api_secret: str | None = None,
        http_session: aiohttp.ClientSession | None = None,
        extra_kwargs: dict[str, Any] | None = None,
        fallback: Any = None,
        conn_options: APIConnectOptions | None = None,
    ) -> None:
        super().__init__()
        if encoding != DEFAULT_ENCODING:
            raise ValueError("the inference gateway STT takes pcm_s16le audio")
        if model is not None:
            model, parsed_language = parse_model_string(model)
            language = language or parsed_language
        self._model = model
        self.language = language
        self.base_url = base_url or get_default_inference_url()
        self.encoding = encoding
        self.sample_rate = sample_rate
        self.input_sample_rate = sample_rate
        self._api_key, self._api_secret = resolve_credentials(api_key, api_secret)
        self._http_session = http_session
        self._own_session: aiohttp.ClientSession | None = None
        self.extra_kwargs: dict[str, Any] = dict(extra_kwargs or {})
        self.fallback = stt_fallback(fallback)
        self.conn_options = conn_options or DEFAULT_API_CONNECT_OPTIONS
        self._streams: set[SpeechStream] = set()
        self._default: SpeechStream | None = None
        self._pump: asyncio.Task[None] | None = None
        self._label = f"livekit.inference.STT.{self.model}"

    @classmethod
    def from_model_string(cls, model: str) -> STT:
        return cls(model)

    @property
    def model(self) -> str:
        return self._model or "unknown"

    @property
    def provider(self) -> str:
        return "livekit"

    @property
    def capabilities(self) -> STTCapabilities:
        extra = self.extra_kwargs
        diarization = bool(extra.get("diarize") or extra.get("speaker_labels")) or (
            extra.get("diarization") not in (None, False, "none"))
        return STTCapabilities(streaming=True, interim_results=True, diarization=diarization,
                               aligned_transcript="word", offline_recognize=False)

    def session(self) -> aiohttp.ClientSession:
        if self._http_session is not None:
            return self._http_session
        if self._own_session is None:
            self._own_session = aiohttp.ClientSession()
        return self._own_session

    async def recognize(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("the inference gateway STT only streams: use stream()")

    def stream(
        self, *, language: str | None = None, conn_options: APIConnectOptions | None = None
    ) -> SpeechStream:
        """A new streaming session; push audio, then iterate its ``STTResponse``s."""
        stream = SpeechStream(self, language=language or self.language,
                              conn_options=conn_options or self.conn_options)
        self._streams.add(stream)
        return stream

    def update_options(
        self, *, model: str | None = None, language: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Change options here and on every live stream (sent as ``session.update``)."""
        if model is not None:
            self._model = model
        if language is not None:
            self.language = language
        if extra is not None:
            self.extra_kwargs.update(extra)
        for stream in list(self._streams):
            stream.update_options(model=model, language=language, extra=extra)

    # ---- the push contract -----------------------------------------------------------------

    async def process_audio(
        self, audio_frames: bytes, language: str | None = None, **kwargs: Any
    ) -> None:
        """Push 16-bit mono PCM at ``sample_rate`` into the default stream."""
        if not audio_frames:
            return
        if self._default is None or self._default.closed:
            self._default = self.stream(language=language)
            self._pump = asyncio.create_task(self._deliver(self._default))
        self._default.push_frame(bytes(audio_frames))

    async def flush(self) -> None:
        """End of speech: send the partial frame and ``session.finalize``."""
        if self._default is not None and not self._default.closed:
            self._default.flush()

    async def _deliver(self, stream: SpeechStream) -> None:
        try:
            async for response in stream:
                callback = self._transcript_callback
                if callback is not None:
                    try:
                        await callback(response)
                    except Exception:
                        logger.exception("%s: transcript callback raised", self.label)
        except APIError as exc:
            self.emit("error", exc)

    async def aclose(self) -> None:
        for stream in list(self._streams):
            await stream.aclose()
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
        if self._own_session is not None:
            await self._own_session.close()
            self._own_session = None
        await super().aclose()


__all__ = ["STT", "STTCapabilities", "SpeechStream"]
