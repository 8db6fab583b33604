"""Local turn detector: end of turn from the transcript, MiniLM on ONNX Runtime, no PyTorch."""

from ...text.minilm import MiniLMUnavailable as EncoderWeightsMissing
from .detector import TurnDetector, TurnModel, pre_download_model

__all__ = ["EncoderWeightsMissing", "TurnDetector", "TurnModel", "pre_download_model"]
