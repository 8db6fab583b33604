"""The local models behind the gateway: Whisper (STT), Piper (TTS), DeepFilterNet (denoise)
and the interruption classifier (barge-in).

Each session gets its own component instance (its own buffers and state) over the model
weights loaded once per process. Sessions share the process-wide schedulers: every
``WhisperSTT`` decodes through one Whisper service (finals first, fair across sessions,
concurrent decodes batched), and barge-in windows go through the interruption service.
"""

from __future__ import annotations

import asyncio
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

    def stt(self, language: str | None = None, *, interims: bool = True) -> Any:
        """A Whisper session; without ``interims`` only finals are decoded (far less work)."""
        from ..plugins.whisper import WhisperSTT

        lang = whisper_language(language)
        if self.config.stt_model.endswith(".en"):
            lang = "en"
        # A pause decode after 0.1 s of silence (as the example agent): clients ask for the
        # final when their VAD ends speech (0.3 s in the example), and by then it is ready.
        return WhisperSTT(model=self.config.stt_model, language=lang, device=self.config.device,
                          interim_interval=0.5 if interims else None,
                          pause_decode_after=0.1, num_workers=self.config.stt_workers,
                          cpu_threads=self.config.stt_threads,
                          max_batch=self.config.stt_max_batch)

    def tts(self) -> Any:
        from ..plugins.piper import PiperTTS

        return PiperTTS(voice=self.config.tts_voice)

    def denoise(self) -> Any:
        from ..plugins.deepfilternet import DeepFilterNoiseSuppressor

        return DeepFilterNoiseSuppressor()

    def bargein(self) -> Any:
        """The process-wide interruption service (model and scheduler)."""
        from ..plugins.interruption import interruption_service

        return interruption_service()

    def loads(self) -> dict[str, dict[str, Any]]:
        """The load of every inference scheduler of this process (for ``/health``)."""
        from dataclasses import asdict

        from ..utils.inference_scheduler import live_schedulers

        return {s.name: asdict(s.load()) for s in live_schedulers()}

    async def prewarm(self) -> None:
        """Load the STT, TTS and barge-in weights before the first session."""
        stt, tts = self.stt(), self.tts()
        try:
            await stt.prewarm()
            await tts.prewarm()
            await asyncio.to_thread(self.bargein)
        finally:
            await stt.aclose()
            await tts.aclose()
