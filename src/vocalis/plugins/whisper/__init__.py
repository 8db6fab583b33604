"""faster-whisper local speech-to-text (``pip install 'vocalis[local]'``)."""

from .model import BUNDLED_MODELS, resolve_model
from .stt import WhisperSTT

__all__ = ["BUNDLED_MODELS", "WhisperSTT", "resolve_model"]
