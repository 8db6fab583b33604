"""The local models behind the gateway: Whisper (STT), Piper (TTS), DeepFilterNet (denoise).

Each session gets its own component instance (its own buffers and state) over the model
weights loaded once per process. Decoding across sessions is left to the components: the
Whisper decode scheduler, where installed, batches concurrent sessions' decodes.
"""

from __future__ import annotations

from typing import Any

from .config import GatewayConfig


def whisper_language(language: str | None) -> str | None:
    """``"en-US"`` → ``"en"``; English-only models always get ``"en"``."""
    if not language:
        return None
    return language.split("-")[0].split("_")[0].lower() or None


class LocalModels:
    """Makes per-session components from the configured local models."""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config

    def stt(self, language: str | None = None) -> Any:
        from ..plugins.whisper import WhisperSTT

        lang = whisper_language(language)
        if self.config.stt_model.endswith(".en"):
            lang = "en"
        return WhisperSTT(model=self.config.stt_model, language=lang, device=self.config.device)

    def tts(self) -> Any:
        from ..plugins.piper import PiperTTS

        return PiperTTS(voice=self.config.tts_voice)

    def denoise(self) -> Any:
        from ..plugins.deepfilternet import DeepFilterNoiseSuppressor

        return DeepFilterNoiseSuppressor()

    async def prewarm(self) -> None:
        """Load the STT and TTS weights before the first session."""
        stt, tts = self.stt(), self.tts()
        try:
            await stt.prewarm()
            await tts.prewarm()
        finally:
            await stt.aclose()
            await tts.aclose()
