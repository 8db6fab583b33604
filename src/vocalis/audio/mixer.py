"""Mixing background audio under the agent's speech, one output frame at a time.

``AudioMixer`` holds named layers (for example ``"background"`` music and ``"thinking"``
sound, which the session may play together) plus a stream of pushed background bytes, and
adds them to each speech frame with clipping to the s16 range. While the agent speaks the
layers are ducked (``duck_gain``, about -10 dB): the gain falls within ``DUCK_ATTACK`` seconds
and comes back over ``DUCK_RELEASE``, ramped within each frame so it never clicks.
"""

from __future__ import annotations

import numpy as np

from .background import BackgroundSource
from .frames import INT16_MAX, INT16_MIN, SAMPLE_WIDTH, BytesLike, as_pcm_bytes

DUCK_GAIN = 0.3
"""Background level under speech (about -10 dB)."""

DUCK_ATTACK = 0.04
"""Seconds for the background to duck when speech starts."""

DUCK_RELEASE = 0.4
"""Seconds for the background to come back after speech ends."""

FRAME_SECONDS = 0.02
"""Every frame the mixer sees is 20 ms (the output track's frame)."""

VOICE_LEVEL = 200.0
"""Peak sample value above which a frame counts as speech for ducking."""


class AudioMixer:
    """Layers background sources under frames of ``frame_samples`` samples per channel.

    Frames without any active layer pass through untouched, so the mixer costs nothing while
    no background is playing.
    """

    def __init__(
        self, frame_samples: int, channels: int = 1, *, duck_gain: float = DUCK_GAIN
    ) -> None:
        if not 0.0 <= duck_gain <= 1.0:
            raise ValueError(f"duck_gain must be between 0 and 1, got {duck_gain}")
        self.frame_samples = frame_samples
        self.channels = channels
        self.duck_gain = duck_gain
        self._gain = 1.0
        self._frame_bytes = frame_samples * channels * SAMPLE_WIDTH
        self._layers: dict[str, BackgroundSource] = {}
        self._stream = bytearray()
        self.stream_volume = 1.0

    @property
    def active(self) -> bool:
        """True while any layer or pushed background audio remains."""
        return bool(self._layers) or bool(self._stream)

    def play(self, name: str, source: BackgroundSource) -> None:
        """Start ``source`` as layer ``name``, replacing a layer of the same name."""
        if source.channels != self.channels:
            raise ValueError(
                f"background has {source.channels} channel(s), the mixer {self.channels}"
            )
        self._layers[name] = source

    def stop(self, name: str) -> bool:
        """Stop layer ``name``; return whether it was playing."""
        return self._layers.pop(name, None) is not None

    def stop_all(self) -> None:
        """Stop every layer and drop pushed background bytes."""
        self._layers.clear()
        self._stream.clear()

    def is_playing(self, name: str) -> bool:
        return name in self._layers

    def push_bytes(self, pcm: BytesLike) -> None:
        """Queue background PCM (track format) to be mixed into the next frames as they go out."""
        self._stream.extend(as_pcm_bytes(pcm))

    def _background(self) -> np.ndarray | None:
        """The sum of all layers for the next frame as float32, or None if nothing plays."""
        total: np.ndarray | None = None
        for name, source in list(self._layers.items()):
            chunk = source.read(self.frame_samples)
            if chunk is None:
                del self._layers[name]
                continue
            total = chunk if total is None else total + chunk
        if self._stream:
            raw = bytes(self._stream[: self._frame_bytes])
            del self._stream[: self._frame_bytes]
            raw = raw[: len(raw) - len(raw) % SAMPLE_WIDTH]
            raw += bytes(self._frame_bytes - len(raw))
            pushed = np.frombuffer(raw, dtype="<i2").astype(np.float32) * self.stream_volume
            if self.channels > 1:
                pushed = pushed.reshape(-1, self.channels)
            total = pushed if total is None else total + pushed
        return total

    def mix(self, speech: bytes | None) -> bytes | None:
        """``speech`` (one frame, or None for silence) with the background under it.

        Returns ``speech`` itself when no background is active, and None when there is neither.
        """
        if not self.active:
            return speech
        background = self._background()
        if background is None:
            return speech
        voice = None
        if speech is not None:
            voice = np.frombuffer(speech, dtype="<i2").astype(np.float32)
            if self.channels > 1:
                voice = voice.reshape(-1, self.channels)
        background = background * self._duck_ramp(voice)
        if voice is not None:
            background = background + voice
        np.clip(background, INT16_MIN, INT16_MAX, out=background)
        return background.astype("<i2").tobytes()

    def _duck_ramp(self, voice: np.ndarray | None) -> np.ndarray:
        """Per-sample gains for this frame's background, moving toward the ducked level while
        ``voice`` is speech and back to 1 after it."""
        speaking = voice is not None and float(np.max(np.abs(voice))) > VOICE_LEVEL
        target = self.duck_gain if speaking else 1.0
        span = DUCK_ATTACK if target < self._gain else DUCK_RELEASE
        step = (1.0 - self.duck_gain) * min(1.0, FRAME_SECONDS / span)
        start = self._gain
        end = max(target, start - step) if target < start else min(target, start + step)
        self._gain = end
        ramp = np.linspace(start, end, self.frame_samples, dtype=np.float32)
        return ramp.reshape(-1, 1) if self.channels > 1 else ramp
