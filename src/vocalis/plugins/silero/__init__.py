"""Silero voice activity detection on ONNX Runtime (``pip install 'vocalis[local]'``)."""

from .model import SileroModelNotFoundError
from .segmenter import SpeechSegmenter
from .vad import SileroVAD

__all__ = ["SileroModelNotFoundError", "SileroVAD", "SpeechSegmenter"]
