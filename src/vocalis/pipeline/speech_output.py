"""The audio track a TTS (or realtime model) writes to: resamples to the output rate, drops
audio from an utterance that was interrupted, and counts what each utterance pushed."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ..audio import StreamResampler
from ..utils.clock import now


class SpeechAudioWriter:
    """Stands in for the output track on the writer side (the reference's track interface).

    Plugins call ``await audio_track.add_new_bytes(pcm)`` at their own sample rate; this writer
    resamples once to the track's rate, and forwards only while an utterance is open, so late
    audio from an interrupted utterance never reaches the user.
    """

    def __init__(self, track: Any, source_rate: int) -> None:
        self._track = track
        self._source_rate = source_rate
        self._resampler = StreamResampler(source_rate, track.sample_rate)
        self._open = False
        self._generation = 0
        self.pushed_samples = 0
        self.first_audio_at: float | None = None
        self._on_first_audio: Callable[[float], None] | None = None

    @property
    def sample_rate(self) -> int:
        return self._track.sample_rate

    @property
    def source_rate(self) -> int:
        return self._source_rate

    @property
    def can_pause(self) -> bool:
        return bool(getattr(self._track, "can_pause", False))

    @property
    def is_open(self) -> bool:
        return self._open

    def open(self, on_first_audio: Callable[[float], None] | None = None) -> int:
        """Start accepting audio for a new utterance; returns its generation number."""
        self._resampler = StreamResampler(self._source_rate, self._track.sample_rate)
        self._open = True
        self._generation += 1
        self.pushed_samples = 0
        self.first_audio_at = None
        self._on_first_audio = on_first_audio
        return self._generation

    def close(self, generation: int | None = None) -> None:
        """Stop accepting audio (for ``generation`` only, when given); later writes drop."""
        if generation is None or generation == self._generation:
            self._open = False

    async def add_new_bytes(self, audio: bytes) -> None:
        """PCM at the plugin's rate: resampled once to the track's rate, then forwarded."""
        if self._open and audio:
            await self._forward(self._resampler.push(bytes(audio)))

    async def add_output_bytes(self, pcm: bytes) -> None:
        """PCM already at the track's rate (pre-rendered ``say(audio_data=...)``)."""
        if self._open:
            await self._forward(bytes(pcm))

    async def drain(self) -> None:
        """Push what the resampler still holds (end of synthesis)."""
        if self._open:
            await self._forward(self._resampler.flush())

    async def _forward(self, pcm: bytes) -> None:
        if not pcm:
            return
        if self.first_audio_at is None:
            self.first_audio_at = now()
            if self._on_first_audio is not None:
                self._on_first_audio(self.first_audio_at)
        self.pushed_samples += len(pcm) // 2
        result = self._track.add_new_bytes(pcm)
        if inspect.isawaitable(result):
            await result

    def interrupt(self) -> None:
        """A plugin asked to stop: drop further audio (the orchestrator fades the track)."""
        self._open = False

    def pause(self) -> None:
        self._track.pause()

    def resume(self) -> None:
        self._track.resume()

    def mark_synthesis_complete(self) -> None:
        """Plugins may call this; the orchestrator tracks completion itself."""

    def on_last_audio_byte(self, callback: Any) -> None:
        """Plugins may call this; the orchestrator owns the track's callback."""

    def enable_audio_input(self, manual_control: bool = False) -> None:
        """Kept for plugin compatibility; intake is gated per utterance by ``open``."""

    def set_pipeline_hooks(self, hooks: Any) -> None:
        """Kept for plugin compatibility."""
