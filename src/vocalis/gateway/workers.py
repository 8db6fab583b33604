"""The two jobs every served session does, whatever its protocol: ``Transcriber`` feeds a
local STT at the client's sample rate and hands back its results; ``Speaker`` synthesizes
queued texts one after another at the client's sample rate and can be cut off at once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from ..stt import STTResponse
from .audio import Converter


class Transcriber:
    """A per-session local STT behind a resampler (client rate → the STT's rate)."""

    def __init__(self, stt: Any, client_rate: int,
                 on_result: Callable[[STTResponse], Awaitable[None]]) -> None:
        self.stt = stt
        self._convert = Converter(client_rate, stt.input_sample_rate)
        stt.on_stt_transcript(on_result)
        self.audio_seconds = 0.0
        self.client_rate = client_rate

    async def push(self, pcm: bytes) -> None:
        self.audio_seconds += len(pcm) / 2 / self.client_rate
        converted = self._convert(pcm)
        if converted:
            await self.stt.process_audio(converted)

    async def finalize(self) -> None:
        await self.stt.flush()

    async def aclose(self) -> None:
        await self.stt.aclose()


class Speaker:
    """Synthesizes texts in order with a local TTS; ``send`` gets PCM at the client's rate,
    ``done`` is awaited after each text's audio."""

    def __init__(self, tts: Any, client_rate: int, send: Callable[[bytes], Awaitable[None]],
                 done: Callable[[], Awaitable[None]], chunk_seconds: float = 0.1) -> None:
        self.tts = tts
        self.client_rate = client_rate
        self._send = send
        self._done = done
        self._chunk = max(2, int(chunk_seconds * client_rate) * 2)
        self._queue: asyncio.Queue[str] = asyncio.Queue(maxsize=64)
        self._worker: asyncio.Task[None] | None = None
        self.first_audio_at: list[float] = []

    def speak(self, text: str) -> bool:
        """Queue ``text``; False when the queue is full (the client floods)."""
        if self._worker is None or self._worker.done():
            self._worker = asyncio.ensure_future(self._run())
        try:
            self._queue.put_nowait(text)
            return True
        except asyncio.QueueFull:
            return False

    async def _run(self) -> None:
        while True:
            text = await self._queue.get()
            convert = Converter(self.tts.sample_rate, self.client_rate)
            held = b""
            async for pcm in self.tts.stream_synthesize(text):
                held += convert(pcm)
                while len(held) >= self._chunk:
                    await self._send(held[: self._chunk])
                    held = held[self._chunk :]
            if held:
                await self._send(held[: len(held) // 2 * 2])
            await self._done()

    async def interrupt(self) -> None:
        """Drop what is queued and stop the synthesis under way."""
        while not self._queue.empty():
            self._queue.get_nowait()
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._worker
            self._worker = None

    async def aclose(self) -> None:
        await self.interrupt()
        await self.tts.aclose()
