"""The STT component contract: push audio in, receive transcripts through one callback.

A plugin implements ``process_audio`` and calls ``await self._transcript_callback(response)``
for each result, exactly as in the reference, so third-party STT plugins port unchanged. The
callback set through ``on_stt_transcript`` receives every transcript sanitized (no lone
surrogates or control characters, see ``vocalis.text.sanitize_text``), whatever the plugin.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel

from ..text import sanitize_text
from ..utils.events import EventEmitter


class SpeechEventType(str, Enum):
    """Kinds of STT results."""

    START = "start_of_speech"
    INTERIM = "interim_transcript"
    PREFLIGHT = "preflight_transcript"
    FINAL = "final_transcript"
    END = "end_of_speech"


@dataclass
class SpeechData:
    """A transcript with its confidence, language and timing (seconds)."""

    text: str
    confidence: float = 0.0
    language: str | None = None
    start_time: float = 0.0
    end_time: float = 0.0
    duration: float = 0.0
    words: list[dict[str, Any]] = field(default_factory=list)


class STTResponse(BaseModel):
    """One result pushed by an STT."""

    event_type: SpeechEventType
    data: SpeechData
    metadata: dict[str, Any] | None = None


TranscriptCallback = Callable[[STTResponse], Awaitable[None]]


def sanitized_transcripts(callback: TranscriptCallback) -> TranscriptCallback:
    """``callback``, handed each response with its text sanitized (a copy when it changed):
    one undecodable character from a provider must not poison the chat history."""

    async def deliver(response: STTResponse) -> None:
        text = response.data.text
        clean = sanitize_text(text) if isinstance(text, str) else ""
        if clean != text:
            data = dataclasses.replace(response.data, text=clean)
            response = response.model_copy(update={"data": data})
        await callback(response)

    return deliver


class STTError(Exception):
    """A provider failure (connection lost, server error, timeout)."""


class STT(EventEmitter[Literal["error"]], ABC):
    """Base class of speech-to-text providers."""

    #: Sample rate (Hz) of the PCM the plugin wants; the pipeline resamples to it.
    input_sample_rate: int = 16000
    #: True when ``flush()`` returns only after it pushed the final transcript of the flushed
    #: audio, or found there is none (a local decoder); a cloud stream's final comes later.
    final_in_flush: bool = False

    def __init__(self, forward_interim_transcripts: bool = False) -> None:
        super().__init__()
        self._label = f"{type(self).__module__}.{type(self).__name__}"
        self._transcript_callback: TranscriptCallback | None = None
        self.forward_interim_transcripts = forward_interim_transcripts

    @property
    def label(self) -> str:
        return self._label

    def on_stt_transcript(self, callback: TranscriptCallback) -> None:
        """Set the single callback that receives every ``STTResponse`` (text sanitized)."""
        self._transcript_callback = sanitized_transcripts(callback)

    @abstractmethod
    async def process_audio(
        self, audio_frames: bytes, language: str | None = None, **kwargs: Any
    ) -> None:
        """Consume a chunk of 16-bit mono PCM at ``input_sample_rate``."""

    async def flush(self) -> None:
        """Ask for a final transcript of the audio so far (end of speech); no-op by default."""

    async def finish(self) -> None:
        """End of input: final transcripts of everything still buffered (default: ``flush``)."""
        await self.flush()

    async def prewarm(self) -> None:
        """Load models or open connections ahead of use; idempotent."""

    async def stream_transcribe(
        self, audio_stream: AsyncIterator[bytes], **kwargs: Any
    ) -> AsyncIterator[STTResponse]:
        """Pull-style adapter over ``process_audio``: yields responses as they arrive."""
        queue: asyncio.Queue[STTResponse | None] = asyncio.Queue()
        saved = self._transcript_callback
        self.on_stt_transcript(queue.put)

        async def feed() -> None:
            try:
                async for chunk in audio_stream:
                    await self.process_audio(chunk, **kwargs)
                await self.finish()
            finally:
                await queue.put(None)

        task = asyncio.create_task(feed())
        try:
            while (item := await queue.get()) is not None:
                yield item
            await task
        finally:
            self._transcript_callback = saved
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def aclose(self) -> None:
        """Release resources; the callback is cleared."""
        self._transcript_callback = None

    async def __aenter__(self) -> STT:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
