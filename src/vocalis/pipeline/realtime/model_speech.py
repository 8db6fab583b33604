"""A realtime model's voice as the speaking stage sees it: a sink the model writes to, and a
``ModelSpeech`` per answer with the same controls as ``Speech`` (pause, resume, interrupt)."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from ...audio import StreamResampler
from ..speaking.speech import SpeechResult


class ModelAudioSink:
    """The audio track a realtime model writes to: resampled once to the output track's rate.

    The first audio of an answer calls ``on_start``; the model cutting its own answer short
    (``interrupt()``, its server heard the user) calls ``on_interrupt``.
    """

    def __init__(
        self,
        track: Any,
        source_rate: int,
        *,
        on_start: Callable[[], Awaitable[None]],
        on_interrupt: Callable[[], None],
    ) -> None:
        self._track = track
        self._resampler = StreamResampler(source_rate, track.sample_rate)
        self._on_start = on_start
        self._on_interrupt = on_interrupt
        self._answering = False
        self.stopping = False
        """Set while we stop the answer ourselves, so the model's echo is not a new event."""

    @property
    def track(self) -> Any:
        return self._track

    def set_source_rate(self, rate: int) -> None:
        """The model writes at ``rate`` from now on (``reframe_audio_track``)."""
        if rate != self._resampler.in_rate:
            self._resampler = StreamResampler(rate, self._track.sample_rate)

    @property
    def can_pause(self) -> bool:
        return bool(getattr(self._track, "can_pause", False))

    @property
    def sample_rate(self) -> int:
        return self._track.sample_rate

    async def add_new_bytes(self, audio: bytes) -> None:
        if not audio:
            return
        if not self._answering:
            self._answering = True
            self.stopping = False
            self._track.mark_synthesis_start()
            await self._on_start()
        pcm = self._resampler.push(bytes(audio))
        if pcm:
            result = self._track.add_new_bytes(pcm)
            if inspect.isawaitable(result):
                await result

    def mark_synthesis_complete(self) -> None:
        """The model finished writing this answer."""
        if self._answering:
            self._answering = False
            self._resampler.reset()
            self._track.mark_synthesis_complete()

    def interrupt(self) -> None:
        """The model stopped its answer."""
        self._answering = False
        self._resampler.reset()
        self._track.interrupt()
        if not self.stopping:
            self._on_interrupt()

    def pause(self) -> None:
        self._track.pause()

    def resume(self) -> None:
        self._track.resume()

    def on_last_audio_byte(self, callback: Any) -> None:
        """Plugins may call this; the adapter owns the track's callback."""

    def enable_audio_input(self, manual_control: bool = False) -> None:
        """Kept for plugin compatibility."""

    def set_pipeline_hooks(self, hooks: Any) -> None:
        """Kept for plugin compatibility."""


class ModelSpeech:
    """One answer of a realtime model, controlled like ``Speech``."""

    has_audio = True
    tts_request_at: float | None = None

    def __init__(self, model: Any, sink: ModelAudioSink, *, on_done: Callable[[], None]) -> None:
        self._model = model
        self._sink = sink
        self._on_done = on_done
        self.started = False
        self.paused = False
        self.interrupted = False
        self.text: str | None = None

    def mark_started(self) -> None:
        self.started = True
        self._sink.track.on_last_audio_byte(self._played_out)

    def _played_out(self) -> None:
        if not self.interrupted:
            self._on_done()

    def pause(self) -> None:
        if not self.paused and not self.interrupted:
            self._sink.pause()
            self.paused = True

    def resume(self) -> None:
        if self.paused and not self.interrupted:
            self._sink.resume()
            self.paused = False

    def stopped_by_model(self) -> None:
        """The model already cut this answer (and cleared the track): nothing left to stop."""
        self.interrupted = True
        self.paused = False

    async def interrupt(self) -> None:
        if self.interrupted:
            return
        self.interrupted = True
        self.paused = False
        self._sink.stopping = True
        await self._model.interrupt()
        self._sink.track.interrupt()

    def partial_result(self) -> SpeechResult:
        text = self.text or ""
        return SpeechResult(handle=None, text=text, heard_text=text,  # type: ignore[arg-type]
                            interrupted=self.interrupted, step_texts=[text], heard_step_texts=[text])
