"""LiveKit's ``agents.inference`` clients: models by string, through a gateway.

``STT("deepgram/nova-3:en")``, ``TTS("cartesia/sonic-2:<voice>")`` and ``LLM("openai/gpt-4o-mini")``
talk to LiveKit's inference gateway (or ``vocalis gateway``) with a Bearer JWT minted per
connection from ``LIVEKIT_API_KEY``/``LIVEKIT_API_SECRET``; ``fallback=`` lists are resolved by
the gateway; ``APIConnectOptions`` sets retries and timeouts; failures are typed ``APIError``s.
"""

from .auth import DEFAULT_INFERENCE_URL, create_access_token, get_default_inference_url
from .errors import (
    DEFAULT_API_CONNECT_OPTIONS,
    APIConnectionError,
    APIConnectOptions,
    APIError,
    APIStatusError,
    APITimeoutError,
)
from .llm import LLM, LLMStream
from .models import FallbackModel, STTFallbackModel, TTSFallbackModel, parse_model_string
from .stt import STT, SpeechStream, STTCapabilities
from .tts import TTS, SynthesizedAudio, SynthesizeStream, TTSCapabilities

__all__ = [
    "DEFAULT_API_CONNECT_OPTIONS",
    "DEFAULT_INFERENCE_URL",
    "LLM",
    "STT",
    "TTS",
    "APIConnectOptions",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AdaptiveInterruptionDetector",
    "FallbackModel",
    "InterruptionDetectionError",
    "InterruptionMetrics",
    "LLMStream",
    "OverlappingSpeechEvent",
    "STTCapabilities",
    "STTFallbackModel",
    "SpeechStream",
    "SynthesizeStream",
    "SynthesizedAudio",
    "TTSCapabilities",
    "TTSFallbackModel",
    "create_access_token",
    "get_default_inference_url",
    "parse_model_string",
]

_INTERRUPTION_NAMES = {"AdaptiveInterruptionDetector", "InterruptionDetectionError",
                       "InterruptionMetrics", "OverlappingSpeechEvent"}


def __getattr__(name: str) -> object:
    """The interruption detector lives in ``vocalis.inference.interruption`` (it imports this
    package's auth and errors), so its names are resolved lazily here."""
    if name in _INTERRUPTION_NAMES:
        from .. import interruption

        return getattr(interruption, name)
    raise AttributeError(name)
