"""Piper local text-to-speech (``pip install 'vocalis[local]'``)."""

from .segments import SentenceSplitter, split_sentences
from .tts import PiperTTS
from .voice import BUNDLED_VOICES, DEFAULT_VOICE, PiperVoiceNotFoundError

__all__ = [
    "BUNDLED_VOICES",
    "DEFAULT_VOICE",
    "PiperTTS",
    "PiperVoiceNotFoundError",
    "SentenceSplitter",
    "split_sentences",
]
