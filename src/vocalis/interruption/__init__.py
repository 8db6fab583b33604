"""Interruption detection: is user speech over the agent a real interruption or a backchannel?

``InterruptionDetector`` runs the reference's stream protocol over a pluggable backend (the
local model in ``vocalis.plugins.interruption``; remote ``/bargein`` backends later).
"""

from .backend import (
    FRAME_SECONDS,
    InterruptionBackend,
    InterruptionOptions,
    Prediction,
    PredictionSession,
    conservative_probability,
)
from .detector import InterruptionDetector
from .events import (
    InterruptionDetectionError,
    InterruptionMetrics,
    InterruptionMetricsMetadata,
    OverlappingSpeechEvent,
    PredictionRecord,
)
from .ring import AudioRing
from .sentinels import (
    AgentSpeechEnded,
    AgentSpeechStarted,
    Flush,
    OverlapSpeechEnded,
    OverlapSpeechStarted,
)
from .stream import InterruptionStream

__all__ = [
    "FRAME_SECONDS",
    "AgentSpeechEnded",
    "AgentSpeechStarted",
    "AudioRing",
    "Flush",
    "InterruptionBackend",
    "InterruptionDetectionError",
    "InterruptionDetector",
    "InterruptionMetrics",
    "InterruptionMetricsMetadata",
    "InterruptionOptions",
    "InterruptionStream",
    "OverlapSpeechEnded",
    "OverlapSpeechStarted",
    "OverlappingSpeechEvent",
    "Prediction",
    "PredictionRecord",
    "PredictionSession",
    "conservative_probability",
]
