"""Local interruption detector: a small trained model that tells barge-ins from backchannels."""

from .detector import LocalInterruptionBackend, LocalInterruptionDetector
from .model import InterruptionModel

__all__ = ["InterruptionModel", "LocalInterruptionBackend", "LocalInterruptionDetector"]
