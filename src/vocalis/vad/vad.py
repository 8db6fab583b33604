"""The VAD component contract: push audio in, receive speech start/end through a callback."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel

from ..utils.events import EventEmitter


class VADEventType(str, Enum):
    """Kinds of VAD results."""

    START_OF_SPEECH = "start_of_speech"
    END_OF_SPEECH = "end_of_speech"
    FRAME_PROCESSED = "frame_processed"


class VADData(BaseModel):
    """What the VAD saw. Times are seconds of input audio since the VAD started.

    ``speech_end_time`` is where the last voiced audio ended (before the trailing silence the
    VAD waited for); the pipeline measures end-to-end latency from it.
    """

    is_speech: bool
    confidence: float = 0.0
    timestamp: float = 0.0
    speech_duration: float = 0.0
    silence_duration: float = 0.0
    speech_start_time: float | None = None
    speech_end_time: float | None = None


class VADResponse(BaseModel):
    """One result pushed by a VAD."""

    event_type: VADEventType
    data: VADData
    metadata: dict[str, Any] | None = None


VADCallback = Callable[[VADResponse], Awaitable[None]]


class VAD(EventEmitter[Literal["error", "info"]], ABC):
    """Base class of voice activity detectors.

    Speech starts once probability >= ``threshold`` has lasted ``min_speech_duration`` and ends
    after ``min_silence_duration`` of silence.
    """

    def __init__(
        self,
        sample_rate: int = 16000,
        threshold: float = 0.5,
        min_speech_duration: float = 0.05,
        min_silence_duration: float = 0.5,
    ) -> None:
        super().__init__()
        self._label = f"{type(self).__module__}.{type(self).__name__}"
        self._sample_rate = sample_rate
        self._threshold = threshold
        self._min_speech_duration = min_speech_duration
        self._min_silence_duration = min_silence_duration
        self._vad_callback: VADCallback | None = None

    @property
    def label(self) -> str:
        return self._label

    @property
    def sample_rate(self) -> int:
        """Sample rate (Hz) the VAD wants; the pipeline resamples to it."""
        return self._sample_rate

    @property
    def min_silence_duration(self) -> float:
        return self._min_silence_duration

    def on_vad_event(self, callback: VADCallback) -> None:
        """Set the single callback that receives every ``VADResponse``."""
        self._vad_callback = callback

    async def _send(self, response: VADResponse) -> None:
        if self._vad_callback is not None:
            await self._vad_callback(response)

    @abstractmethod
    async def process_audio(self, audio_frames: bytes, **kwargs: Any) -> None:
        """Consume a chunk of 16-bit mono PCM at ``sample_rate``."""

    async def flush(self) -> None:
        """No more audio will arrive; no-op by default."""

    async def prewarm(self) -> None:
        """Load the model ahead of use; idempotent."""

    async def aclose(self) -> None:
        self._vad_callback = None

    async def __aenter__(self) -> VAD:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
