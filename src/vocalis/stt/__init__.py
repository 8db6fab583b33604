"""Speech-to-text: the component contract and provider fallback."""

from .fallback import FallbackSTT
from .stt import STT, SpeechData, SpeechEventType, STTError, STTResponse

__all__ = ["STT", "FallbackSTT", "STTError", "STTResponse", "SpeechData", "SpeechEventType"]
