"""Batch mode of ``OpenAISTT``: a simple energy VAD cuts utterances, each is uploaded as a WAV
to ``POST /v1/audio/transcriptions``.

Unlike the reference, leading silence is not uploaded (only a 300 ms pre-roll is kept before
speech) and the audio is mono at the rate the plugin declares, so silence is measured right.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass, field

import numpy as np


@dataclass
class EnergySegmenter:
    """Cuts a PCM stream into utterances: speech starts on a loud chunk and ends after
    ``silence_duration`` seconds below ``silence_threshold`` (a fraction of full scale)."""

    sample_rate: int
    silence_threshold: float = 0.01
    silence_duration: float = 0.8
    preroll: float = 0.3
    speaking: bool = False
    _buffer: bytearray = field(default_factory=bytearray)
    _silent_samples: int = 0

    def push(self, pcm: bytes) -> tuple[bool, bytes | None]:
        """Feed a chunk; returns (speech started now, finished utterance or None)."""
        samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype=np.int16)
        loud = samples.size > 0 and int(np.abs(samples.astype(np.int32)).max()) >= int(
            self.silence_threshold * 32767
        )
        self._buffer += pcm
        started = False
        if loud:
            started = not self.speaking
            self.speaking = True
            self._silent_samples = 0
            return started, None
        if not self.speaking:
            keep = int(self.preroll * self.sample_rate) * 2
            if len(self._buffer) > keep:
                del self._buffer[: len(self._buffer) - keep]
            return False, None
        self._silent_samples += samples.size
        if self._silent_samples > int(self.silence_duration * self.sample_rate):
            return False, self.take()
        return False, None

    def take(self) -> bytes | None:
        """The buffered utterance (None if no speech), resetting the segmenter."""
        audio = bytes(self._buffer) if self.speaking else None
        self._buffer.clear()
        self.speaking = False
        self._silent_samples = 0
        return audio


def to_wav(pcm: bytes, sample_rate: int) -> bytes:
    """16-bit mono PCM wrapped as a WAV file."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(pcm)
    return buf.getvalue()
