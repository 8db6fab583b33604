"""The seam between the detector's stream protocol and whatever scores an audio window.

A backend turns an int16 16 kHz window into per-frame interruption probabilities. The local
model answers in-process; the remote backends (``vocalis.inference.AdaptiveInterruptionDetector``,
HTTP or WebSocket ``/bargein``) implement the same ``predict`` and keep one session per stream
by overriding ``open_session``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

FRAME_SECONDS = 0.025
"""Probabilities are per 25 ms frame; ``min_interruption_duration`` counts these frames."""
SAMPLE_RATE = 16000
"""Every backend hears 16 kHz mono int16."""
MAX_AUDIO_DURATION = 3.0


@dataclass(frozen=True)
class InterruptionOptions:
    """The detector's settings (defaults from the reference), validated on construction."""

    threshold: float = 0.5
    min_interruption_duration: float = 0.05
    max_audio_duration: float = 3.0
    audio_prefix_duration: float = 1.0
    detection_interval: float = 0.1
    inference_timeout: float = 0.7

    def __post_init__(self) -> None:
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be within [0, 1], got {self.threshold}")
        if self.max_audio_duration > MAX_AUDIO_DURATION or self.max_audio_duration <= 0:
            raise ValueError(
                f"max_audio_duration must be positive and at most {MAX_AUDIO_DURATION} s, "
                f"got {self.max_audio_duration}"
            )
        if self.min_interruption_duration < 0 or self.audio_prefix_duration < 0:
            raise ValueError("durations must not be negative")
        if self.detection_interval <= 0 or self.inference_timeout <= 0:
            raise ValueError("detection_interval and inference_timeout must be positive")

    @property
    def min_frames(self) -> int:
        """How many 25 ms frames must reach the threshold: ceil(duration / 25 ms), at least 1."""
        return max(1, math.ceil(round(self.min_interruption_duration / FRAME_SECONDS, 6)))


def conservative_probability(probabilities: np.ndarray, min_frames: int) -> float:
    """The ``min_frames``-th largest probability; 0.0 when there are fewer values than that."""
    p = np.asarray(probabilities, dtype=np.float32).reshape(-1)
    if min_frames <= 0 or p.size < min_frames:
        return 0.0
    return float(np.partition(p, -min_frames)[-min_frames])


@dataclass(frozen=True)
class Prediction:
    """A backend's answer for one window.

    ``prediction_duration`` is the model's own time when the backend knows it (the stream
    otherwise uses the measured round trip); ``is_interruption`` is a server-side verdict
    that overrides the local estimate when given.
    """

    probabilities: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    prediction_duration: float | None = None
    is_interruption: bool | None = None


class PredictionSession(Protocol):
    """What one stream talks to: one ``predict`` at a time, closed with the stream."""

    async def predict(self, window: np.ndarray) -> Prediction: ...

    def on_failure(self, error: Exception) -> bool:
        """Note a failed ``predict``; False when the failure is not recoverable (the stream
        reports it so, and goes on with the next window)."""
        ...

    async def aclose(self) -> None: ...


class InterruptionBackend(ABC):
    """Scores windows of overlapping speech. Subclasses implement ``predict``."""

    model: str = "interruption"
    provider: str = "vocalis"
    handles_timeout: bool = False
    """True when ``predict`` itself fails within ``inference_timeout`` with its own typed error
    (remote backends); otherwise the stream bounds each ``predict`` by it."""

    def configure(self, options: InterruptionOptions) -> None:
        """Receive the detector's options, at start and after every ``update_options``."""
        return None

    @abstractmethod
    async def predict(self, window: np.ndarray) -> Prediction:
        """Per-frame interruption probabilities for ``window`` (int16, 16 kHz, mono)."""

    def open_session(self) -> PredictionSession:
        """The scorer one stream uses; stateless backends serve every stream themselves."""
        return self

    def on_failure(self, error: Exception) -> bool:
        """A stateless backend's failures are all recoverable: the next window tries again."""
        return True

    async def aclose(self) -> None:
        """Release the backend's resources."""
        return None
