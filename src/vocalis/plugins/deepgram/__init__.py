"""Deepgram plugin: Nova streaming STT (``/v1/listen``), Flux turn-based STT (``/v2/listen``)
and Aura streaming TTS (``/v1/speak``), over Deepgram's websockets with ``aiohttp``.

Install with ``pip install vocalis[deepgram]``; set ``DEEPGRAM_API_KEY`` or pass ``api_key``.
"""

from .stt_v1 import DeepgramSTT
from .stt_v2 import DeepgramSTTV2
from .tts import DeepgramTTS

__all__ = ["DeepgramSTT", "DeepgramSTTV2", "DeepgramTTS"]
