"""A TTS for tests: a tone for each text, as long as the text would take to say."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import numpy as np

from ..tts import TTS, FlushMarker, TTSError


class FakeTTS(TTS):
    """Synthesizes ``seconds_per_char`` of audio per character after ``ttfb`` seconds, in
    ``chunk_ms`` chunks produced ``speed`` times faster than real time. Every text is kept in
    ``texts``; ``fail`` makes synthesis raise."""

    def __init__(
        self,
        *,
        sample_rate: int = 24000,
        ttfb: float = 0.0,
        seconds_per_char: float = 0.06,
        chunk_ms: int = 20,
        speed: float = 10.0,
        fail: bool = False,
        concurrent: bool = False,
    ) -> None:
        """``concurrent`` declares ``supports_concurrent_synthesis`` (preemptive speech)."""
        super().__init__(sample_rate=sample_rate)
        self.supports_concurrent_synthesis = concurrent
        self.ttfb = ttfb
        self.seconds_per_char = seconds_per_char
        self.chunk_ms = chunk_ms
        self.speed = speed
        self.fail = fail
        self.texts: list[str] = []
        self.interrupts = 0
        self._interrupted = False
        samples = sample_rate * chunk_ms // 1000
        t = np.arange(samples) / sample_rate
        self._chunk = (4000 * np.sin(2 * np.pi * 300.0 * t)).astype(np.int16).tobytes()

    async def synthesize(
        self, text: AsyncIterator[str | FlushMarker] | str, voice_id: str | None = None, **kwargs: Any
    ) -> None:
        self._interrupted = False
        if isinstance(text, str):
            await self._speak(text)
            return
        async for piece in text:
            if isinstance(piece, FlushMarker):
                continue
            if self._interrupted:
                return
            await self._speak(piece)

    async def _speak(self, text: str) -> None:
        if not text.strip():
            return
        if self.fail:
            raise TTSError("fake TTS failure")
        self.texts.append(text)
        if self.ttfb > 0:
            await asyncio.sleep(self.ttfb)
        chunks = max(1, round(len(text) * self.seconds_per_char * 1000 / self.chunk_ms))
        pause = self.chunk_ms / 1000 / self.speed if self.speed > 0 else 0.0
        for i in range(chunks):
            if self._interrupted:
                return
            if i and pause > 0:
                await asyncio.sleep(pause)
            await self._emit_audio(self._chunk)

    async def interrupt(self) -> None:
        self._interrupted = True
        self.interrupts += 1
