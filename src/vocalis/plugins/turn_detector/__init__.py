"""Local turn detector: predicts end of turn from the transcript, no download, no PyTorch."""

from .detector import TurnDetector, TurnModel

__all__ = ["TurnDetector", "TurnModel"]
