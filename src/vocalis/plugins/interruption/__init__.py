"""Local interruption detector: a small trained model that tells barge-ins from backchannels."""

from .detector import LocalInterruptionBackend, LocalInterruptionDetector
from .model import InterruptionModel
from .service import InterruptionService, interruption_service

__all__ = [
    "InterruptionModel",
    "InterruptionService",
    "LocalInterruptionBackend",
    "LocalInterruptionDetector",
    "interruption_service",
]
