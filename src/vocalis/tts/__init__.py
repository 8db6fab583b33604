"""Text-to-speech: the component contract, provider fallback and the phrase cache."""

from .audio_cache import TTSAudioCache
from .fallback import FallbackTTS
from .tts import TTS, FlushMarker, TTSError

__all__ = ["TTS", "FallbackTTS", "FlushMarker", "TTSAudioCache", "TTSError"]
