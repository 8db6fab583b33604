"""What an interruption detector reports: overlap verdicts, errors and per-verdict metrics.

Field names and defaults follow the reference's adaptive interruption detector, so code
that reads its events ports unchanged. Audio and probability arrays ride along on the
event for whoever wants them but never enter a serialised dump.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..utils.clock import now


@dataclass(frozen=True)
class PredictionRecord:
    """One completed request during an overlap (the reference's cache entry).

    ``created_at`` is when the window was sent, ``total_duration`` the round trip,
    ``prediction_duration`` the model's own time, ``probability`` the conservative estimate
    over ``probabilities``, and ``num_requests`` how many requests this overlap has made.
    """

    created_at: float
    total_duration: float
    prediction_duration: float
    probabilities: np.ndarray
    probability: float
    speech_input: np.ndarray
    num_requests: int


class OverlappingSpeechEvent(BaseModel):
    """The verdict on user speech over the agent: an interruption, or not (a backchannel)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    type: Literal["overlapping_speech"] = "overlapping_speech"
    created_at: float = Field(default_factory=now)
    detected_at: float = Field(default_factory=now)
    is_interruption: bool = False
    total_duration: float = 0.0
    """Round trip of the deciding request, seconds."""
    prediction_duration: float = 0.0
    """The model's own time for the deciding request, seconds."""
    detection_delay: float = 0.0
    """From the overlap's onset to the verdict, seconds."""
    overlap_started_at: float | None = None
    speech_input: np.ndarray | None = Field(default=None, exclude=True)
    probabilities: np.ndarray | None = Field(default=None, exclude=True)
    probability: float = 0.0
    """The conservative estimate: the n-th largest probability (see ``conservative_probability``)."""
    num_requests: int = 0
    peak_probability: float | None = None
    """Vocalis addition: the highest estimate of any window of this overlap (None: none was
    scored). An overlap whose peak stayed low is surely not an interruption."""

    @classmethod
    def from_cache_entry(
        cls,
        entry: PredictionRecord | None,
        is_interruption: bool,
        started_at: float | None = None,
        ended_at: float | None = None,
    ) -> OverlappingSpeechEvent:
        """The event for an overlap decided by ``entry`` (None: no request completed)."""
        detected_at = ended_at if ended_at is not None else now()
        if entry is None:
            return cls(
                detected_at=detected_at,
                is_interruption=is_interruption,
                overlap_started_at=started_at,
                detection_delay=detected_at - started_at if started_at is not None else 0.0,
            )
        return cls(
            created_at=entry.created_at,
            detected_at=detected_at,
            is_interruption=is_interruption,
            total_duration=entry.total_duration,
            prediction_duration=entry.prediction_duration,
            detection_delay=detected_at - started_at if started_at is not None else 0.0,
            overlap_started_at=started_at,
            speech_input=entry.speech_input,
            probabilities=entry.probabilities,
            probability=entry.probability,
            num_requests=entry.num_requests,
        )


class InterruptionDetectionError(BaseModel):
    """A failed prediction; ``recoverable`` is False when the stream gave up."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    type: Literal["interruption_detection_error"] = "interruption_detection_error"
    timestamp: float = Field(default_factory=now)
    label: str
    error: Exception = Field(exclude=True)
    recoverable: bool


class InterruptionMetricsMetadata(BaseModel):
    """Which model produced the metrics."""

    model_name: str
    model_provider: str


class InterruptionMetrics(BaseModel):
    """One per emitted verdict: timings, the verdict counted, and the requests it took."""

    type: Literal["interruption_metrics"] = "interruption_metrics"
    timestamp: float = Field(default_factory=now)
    total_duration: float = 0.0
    prediction_duration: float = 0.0
    detection_delay: float = 0.0
    num_interruptions: int = 0
    num_backchannels: int = 0
    num_requests: int = 0
    metadata: InterruptionMetricsMetadata

    @classmethod
    def for_event(cls, event: OverlappingSpeechEvent, model: str, provider: str) -> InterruptionMetrics:
        return cls(
            total_duration=event.total_duration,
            prediction_duration=event.prediction_duration,
            detection_delay=event.detection_delay,
            num_interruptions=int(event.is_interruption),
            num_backchannels=int(not event.is_interruption),
            num_requests=event.num_requests,
            metadata=InterruptionMetricsMetadata(model_name=model, model_provider=provider),
        )
