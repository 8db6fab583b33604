"""Local turn detector: end of turn from the transcript, MiniLM on ONNX Runtime, no PyTorch."""

from .detector import TurnDetector, TurnModel, pre_download_model
from .encoder import EncoderWeightsMissing

__all__ = ["EncoderWeightsMissing", "TurnDetector", "TurnModel", "pre_download_model"]
