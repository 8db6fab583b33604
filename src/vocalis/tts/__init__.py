"""Text-to-speech: the component contract, provider fallback and the phrase cache."""

from .tts import TTS, FlushMarker, TTSError

__all__ = ["TTS", "FlushMarker", "TTSError"]
