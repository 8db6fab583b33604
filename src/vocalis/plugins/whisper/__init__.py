"""faster-whisper local speech-to-text (``pip install 'vocalis[local]'``)."""

from .model import BUNDLED_MODELS, Transcription, resolve_model
from .offline import transcribe
from .stt import WhisperSTT

__all__ = ["BUNDLED_MODELS", "Transcription", "WhisperSTT", "resolve_model", "transcribe"]
