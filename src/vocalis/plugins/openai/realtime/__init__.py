"""OpenAI Realtime (GA API): ``OpenAIRealtime`` and its ``OpenAIRealtimeConfig``."""

from .config import InputAudioTranscription, OpenAIRealtimeConfig, TurnDetection
from .connection import OpenAIRealtimeError
from .model import OpenAIRealtime

__all__ = [
    "InputAudioTranscription",
    "OpenAIRealtime",
    "OpenAIRealtimeConfig",
    "OpenAIRealtimeError",
    "TurnDetection",
]
