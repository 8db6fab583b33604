"""Speech-to-text: the component contract and provider fallback."""

from .stt import STT, SpeechData, SpeechEventType, STTError, STTResponse

__all__ = ["STT", "STTError", "STTResponse", "SpeechData", "SpeechEventType"]
