"""OpenAI plugin: ``OpenAILLM`` (HTTP chat completions or the Responses WebSocket),
``OpenAISTT``, ``OpenAITTS`` and ``OpenAIRealtime``."""

from .auth import LOCAL_PLACEHOLDER_KEY, MissingAPIKeyError
from .llm import OpenAILLM
from .realtime import (
    InputAudioTranscription,
    OpenAIRealtime,
    OpenAIRealtimeConfig,
    OpenAIRealtimeError,
    TurnDetection,
)
from .stt import OpenAISTT
from .tts import OpenAITTS

__all__ = [
    "LOCAL_PLACEHOLDER_KEY",
    "InputAudioTranscription",
    "MissingAPIKeyError",
    "OpenAILLM",
    "OpenAIRealtime",
    "OpenAIRealtimeConfig",
    "OpenAIRealtimeError",
    "OpenAISTT",
    "OpenAITTS",
    "TurnDetection",
]
