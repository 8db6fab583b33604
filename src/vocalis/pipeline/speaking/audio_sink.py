"""``UtteranceAudioSink``: where one utterance's synthesized audio goes on its way to the track.

Each utterance gets its own sink (``TTS.synthesize_into(sink, ...)``): it resamples the plugin's
PCM once to the output track's rate, counts what the utterance pushed (to know later what the
user heard), and forwards only while open, so late audio of an interrupted utterance never
reaches the user. Forwarding waits when the track is full: a fast TTS is held back instead of
queueing minutes of audio.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from ...audio import StreamResampler
from ...utils.clock import now


class UtteranceAudioSink:
    """Stands in for the output track on the plugin side (the reference's track interface)."""

    def __init__(
        self,
        track: Any,
        source_rate: int,
        *,
        on_first_audio: Callable[[float], None] | None = None,
    ) -> None:
        self._track = track
        self.source_rate = source_rate
        self._resampler = StreamResampler(source_rate, track.sample_rate)
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
