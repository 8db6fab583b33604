"""``UtteranceAudioSink``: where one utterance's synthesized audio goes on its way to the track.

Each utterance gets its own sink (``TTS.synthesize_into(sink, ...)``): it resamples the plugin's
PCM once to the output track's rate, counts what the utterance pushed (to know later what the
user heard), and forwards only while open, so late audio of an interrupted utterance never
reaches the user. Forwarding waits when the track is full: a fast TTS is held back instead of
queueing minutes of audio. A synthesized reply starts with the voice: the near-silence a voice
model opens with (Piper: 30–60 ms) is trimmed, within a bound, so it does not delay the answer.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ...audio import StreamResampler, leading_quiet_samples
from ...audio.output_track import AUDIBLE_DBFS
from ...utils.clock import now

LEADING_TRIM_PAD_MS = 5
"""Quiet kept before the voice starts, so its onset is not clipped."""


class UtteranceAudioSink:
    """Stands in for the output track on the plugin side (the reference's track interface)."""

    def __init__(
        self,
        track: Any,
        source_rate: int,
        *,
        on_first_audio: Callable[[float], None] | None = None,
        max_leading_trim_ms: float = 0,
    ) -> None:
        self._track = track
        self.source_rate = source_rate
        self._resampler = StreamResampler(source_rate, track.sample_rate)
        self._trim_left = int(track.sample_rate * max(0.0, max_leading_trim_ms) / 1000)
        self._trim_pad = int(track.sample_rate * LEADING_TRIM_PAD_MS / 1000)
        self._held = b""
        self._open = True
        self._on_first_audio = on_first_audio
        self.pushed_samples = 0
        self.first_audio_at: float | None = None

    @property
    def sample_rate(self) -> int:
        return self._track.sample_rate

    @property
    def can_pause(self) -> bool:
        return bool(getattr(self._track, "can_pause", False))

    @property
    def is_open(self) -> bool:
        return self._open

    def close(self) -> None:
        """Stop forwarding; later writes are dropped."""
        self._open = False

    async def add_new_bytes(self, audio: bytes) -> None:
        """PCM at the plugin's rate: resampled once to the track's rate, then forwarded."""
        if self._open and audio:
            await self._forward(self._resampler.push(bytes(audio)))

    async def drain(self) -> None:
        """Push what the resampler still holds (end of synthesis)."""
        if self._open:
            await self._forward(self._resampler.flush())

    def _trim_leading_quiet(self, pcm: bytes) -> bytes:
        """Drop the quiet before the first audible sample, at most ``max_leading_trim_ms``."""
        pcm, self._held = self._held + pcm, b""
        total = len(pcm) // 2
        quiet = leading_quiet_samples(pcm, AUDIBLE_DBFS)
        keep = min(self._trim_pad, total)
        if quiet >= total and total - keep <= self._trim_left:
            self._trim_left -= total - keep
            self._held = pcm[len(pcm) - keep * 2 :]
            return b""
        cut = min(max(0, quiet - self._trim_pad), self._trim_left)
        self._trim_left = 0
        return pcm[cut * 2 :]

    async def _forward(self, pcm: bytes) -> None:
        if pcm and self._trim_left > 0:
            pcm = self._trim_leading_quiet(pcm)
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

    # ---- the rest of the reference's track interface, for plugins ------------------------------

    def interrupt(self) -> None:
        """A plugin asked to stop: drop further audio (the speech fades the track itself)."""
        self._open = False

    def pause(self) -> None:
        self._track.pause()

    def resume(self) -> None:
        self._track.resume()

    def mark_synthesis_complete(self) -> None:
        """Plugins may call this; the speaking stage tracks completion itself."""

    def on_last_audio_byte(self, callback: Any) -> None:
        """Plugins may call this; the speaking stage owns the track's callback."""

    def enable_audio_input(self, manual_control: bool = False) -> None:
        """Kept for plugin compatibility; intake is per utterance."""

    def set_pipeline_hooks(self, hooks: Any) -> None:
        """Kept for plugin compatibility."""
