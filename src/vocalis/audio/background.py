"""Background and "thinking" sounds: their config, the synthetic fallback sounds, and the
looping or one-shot PCM source the mixer reads from.

No asset files are needed: without a ``file_path`` the config plays a soft synthetic
keyboard-typing loop (the reference bundles a recording of one for its thinking sound).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .files import load_audio_file
from .frames import AudioFormatError, BytesLike, pcm_to_array

SyntheticSound = Literal["typing", "ambience"]
BackgroundMode = Literal["playback", "mixing"]


@dataclass
class BackgroundAudioConfig:
    """What to play under the agent's speech: a file (or a synthetic sound), its volume, looping.

    Fields in the reference's order. ``volume`` is a linear gain from 0 to 1. ``synthetic``
    picks the sound used when ``file_path`` is None: ``"typing"`` (soft keyboard clicks) or
    ``"ambience"`` (quiet room noise). ``mode`` is accepted for the reference: both modes mix
    under the voice (its ``"playback"`` queued the sound as if it were speech, holding the
    agent's voice back).
    """

    file_path: str | None = None
    enabled: bool = True
    mode: BackgroundMode = "playback"
    volume: float = 1.0
    looping: bool = False
    synthetic: SyntheticSound = "typing"

    def __post_init__(self) -> None:
        if not 0.0 <= self.volume <= 1.0:
            raise ValueError(f"volume must be between 0 and 1, got {self.volume}")
        if self.synthetic not in ("typing", "ambience"):
            raise ValueError(f"unknown synthetic sound {self.synthetic!r}")
        if self.mode not in ("playback", "mixing"):
            raise ValueError(f"mode must be 'playback' or 'mixing', got {self.mode!r}")


BackgroundAudioHandlerConfig = BackgroundAudioConfig
"""The reference's name for the same config."""


def synthetic_typing(sample_rate: int, seconds: float = 3.0, seed: int = 7) -> bytes:
    """A soft, deterministic keyboard-typing loop: short damped clicks at uneven intervals."""
    rng = np.random.default_rng(seed)
    total = int(sample_rate * seconds)
    out = np.zeros(total, dtype=np.float32)
    click_len = int(sample_rate * 0.012)
    envelope = np.exp(-np.linspace(0.0, 6.0, click_len, dtype=np.float32))
    tone_t = np.arange(click_len, dtype=np.float32) / sample_rate
    position = int(sample_rate * 0.05)
    while position + click_len < total:
        pitch = rng.uniform(1800.0, 3200.0)
        body = np.sin(2 * np.pi * pitch * tone_t) * 0.5 + rng.standard_normal(click_len) * 0.5
        out[position : position + click_len] += body * envelope * rng.uniform(0.5, 1.0)
        pause = rng.uniform(0.07, 0.22) if rng.random() > 0.12 else rng.uniform(0.35, 0.6)
        position += int(sample_rate * pause)
    peak = float(np.max(np.abs(out))) or 1.0
    return (out / peak * 3000.0).astype("<i2").tobytes()


def synthetic_ambience(sample_rate: int, seconds: float = 4.0, seed: int = 11) -> bytes:
    """Quiet brown-ish room noise that loops without a seam (a cross-faded random walk)."""
    rng = np.random.default_rng(seed)
    total = int(sample_rate * seconds)
    walk = np.cumsum(rng.standard_normal(total).astype(np.float32))
    walk -= np.linspace(walk[0], walk[-1], total, dtype=np.float32)
    walk -= float(np.mean(walk))
    peak = float(np.max(np.abs(walk))) or 1.0
    return (walk / peak * 900.0).astype("<i2").tobytes()


def load_background_pcm(
    config: BackgroundAudioConfig, sample_rate: int, channels: int = 1
) -> bytes:
    """The PCM ``config`` plays, at the track's rate: the decoded file or a synthetic sound."""
    if config.file_path is not None:
        return load_audio_file(config.file_path, sample_rate=sample_rate, num_channels=channels)
    mono = (
        synthetic_typing(sample_rate)
        if config.synthetic == "typing"
        else synthetic_ambience(sample_rate)
    )
    if channels == 1:
        return mono
    return np.repeat(np.frombuffer(mono, dtype="<i2"), channels).tobytes()


class BackgroundSource:
    """A PCM clip read frame by frame, from the start, once or in a loop, at a fixed volume."""

    def __init__(
        self, pcm: BytesLike, volume: float = 1.0, looping: bool = False, channels: int = 1
    ) -> None:
        if not 0.0 <= volume <= 1.0:
            raise ValueError(f"volume must be between 0 and 1, got {volume}")
        samples = pcm_to_array(pcm, channels)
        if samples.shape[0] == 0:
            raise AudioFormatError("background audio is empty")
        self._samples = samples
        self.volume = volume
        self.looping = looping
        self.channels = channels
        self._position = 0

    @classmethod
    def from_config(
        cls, config: BackgroundAudioConfig, sample_rate: int, channels: int = 1
    ) -> BackgroundSource:
        """Decode (or synthesize) ``config``'s sound at ``sample_rate``. Blocking: call from a
        thread for long files."""
        pcm = load_background_pcm(config, sample_rate, channels)
        return cls(pcm, volume=config.volume, looping=config.looping, channels=channels)

    @property
    def finished(self) -> bool:
        """True once a one-shot source has played to its end."""
        return not self.looping and self._position >= self._samples.shape[0]

    def read(self, count: int) -> np.ndarray | None:
        """The next ``count`` samples as float32 with volume applied (zero-padded at a one-shot
        end), or None when finished."""
        if self.finished:
            return None
        length = self._samples.shape[0]
        end = self._position + count
        if end <= length:
            chunk = self._samples[self._position : end]
            self._position = end % length if self.looping else end
        elif self.looping:
            indices = np.arange(self._position, end) % length
            chunk = self._samples[indices]
            self._position = end % length
        else:
            pad_shape = (end - length, *self._samples.shape[1:])
            chunk = np.concatenate([self._samples[self._position :], np.zeros(pad_shape, np.int16)])
            self._position = length
        return chunk.astype(np.float32) * self.volume
