"""Inference-gateway clients: the VideoSDK gateway plugins and LiveKit's model-string clients.

``vocalis.inference`` holds the VideoSDK inference-gateway plugins (``Denoise``, ``STT``,
``TTS``, ``LLM``, ``Realtime``, each with its provider factories: ``STT.deepgram(...)``,
``TTS.cartesia(...)``, ``Realtime.gemini(...)``), authenticated by ``VIDEOSDK_AUTH_TOKEN``.
``vocalis.inference.livekit`` holds LiveKit's ``agents.inference`` clients (``STT("deepgram/
nova-3:en")``, ``TTS``, ``LLM``/``LLMStream``, ``APIConnectOptions`` and the typed errors),
authenticated by a JWT minted per connection. ``AdaptiveInterruptionDetector`` classifies
overlapping speech as barge-in or backchannel. Every client also speaks to ``vocalis gateway``.
"""

from .denoise import Denoise, DenoiseError
from .interruption import (
    AdaptiveInterruptionDetector,
    InterruptionDetectionError,
    InterruptionMetrics,
    InterruptionStream,
    OverlappingSpeechEvent,
)
from .llm import LLM
from .realtime import GeminiRealtimeConfig, Realtime, RealtimeError
from .stt import STT
from .tts import TTS

__all__ = [
    "LLM",
    "STT",
    "TTS",
    "AdaptiveInterruptionDetector",
    "Denoise",
    "DenoiseError",
    "GeminiRealtimeConfig",
    "InterruptionDetectionError",
    "InterruptionMetrics",
    "InterruptionStream",
    "OverlappingSpeechEvent",
    "Realtime",
    "RealtimeError",
]
