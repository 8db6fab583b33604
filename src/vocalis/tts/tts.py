"""The TTS component contract: text in, PCM pushed to ``self.audio_track``.

As in the reference, a plugin's ``synthesize`` receives a string or an async iterator of text
and ``FlushMarker``s and writes 16-bit PCM at ``self.sample_rate`` with
``await self.audio_track.add_new_bytes(pcm)``. The pipeline sets ``audio_track`` and ``loop``
and resamples to the output rate, so plugins never resample by hand.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Literal

from ..utils.events import EventEmitter


class FlushMarker:
    """Marker inside a TTS text stream: close the current segment and start a new one."""

    __slots__ = ()


class TTSError(Exception):
    """A provider failure (connection lost, server error, timeout)."""


FirstAudioCallback = Callable[[], Awaitable[None]]


class TTS(EventEmitter[Literal["error", "word_spoken"]], ABC):
    """Base class of text-to-speech providers."""

    def __init__(
        self, sample_rate: int = 16000, num_channels: int = 1, word_timestamps: bool = False
    ) -> None:
        super().__init__()
        self._label = f"{type(self).__module__}.{type(self).__name__}"
        self._sample_rate = sample_rate
        self._num_channels = num_channels
        self._first_audio_callback: FirstAudioCallback | None = None
        self._first_chunk_sent = False
        self.audio_track: Any = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.supports_word_timestamps = word_timestamps

    @property
    def label(self) -> str:
        return self._label

    @property
    def sample_rate(self) -> int:
        return self._sample_rate

    @property
    def num_channels(self) -> int:
        return self._num_channels

    @property
    def can_pause(self) -> bool:
        return bool(self.audio_track is not None and getattr(self.audio_track, "can_pause", False))

    def on_first_audio_byte(self, callback: FirstAudioCallback) -> None:
        """Set the callback fired when the first audio of a synthesis is produced (TTFB)."""
        self._first_audio_callback = callback

    def reset_first_audio_tracking(self) -> None:
        """Start a new synthesis for first-byte tracking."""
        self._first_chunk_sent = False

    async def _emit_audio(self, pcm: bytes) -> None:
        """Push PCM to the track, firing the first-byte callback once per synthesis.

        A helper for plugins: the reference leaves first-byte tracking to each plugin.
        """
        if not pcm or self.audio_track is None:
            return
        if not self._first_chunk_sent:
            self._first_chunk_sent = True
            if self._first_audio_callback is not None:
                await self._first_audio_callback()
        await self.audio_track.add_new_bytes(pcm)

    @abstractmethod
    async def synthesize(
        self,
        text: AsyncIterator[str | FlushMarker] | str,
        voice_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Synthesize ``text`` and push its audio to ``self.audio_track``."""

    @abstractmethod
    async def interrupt(self) -> None:
        """Stop synthesis promptly."""

    async def pause(self) -> None:
        """Pause playback if the track can, else interrupt (the reference's fallback)."""
        if self.can_pause:
            self.audio_track.pause()
        else:
            await self.interrupt()

    async def resume(self) -> None:
        """Resume paused playback."""
        if self.can_pause:
            self.audio_track.resume()

    async def prewarm(self) -> None:
        """Load models or open connections ahead of use; idempotent."""

    async def stream_synthesize(
        self, text_stream: AsyncIterator[str | FlushMarker] | str, **kwargs: Any
    ) -> AsyncIterator[bytes]:
        """Pull-style adapter: yields the PCM that ``synthesize`` would push to a track."""
        queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        saved_track, saved_loop = self.audio_track, self.loop
        self.audio_track = _QueueTrack(queue)
        if self.loop is None:
            self.loop = asyncio.get_running_loop()

        async def run() -> None:
            try:
                await self.synthesize(text_stream, **kwargs)
            finally:
                await queue.put(None)

        task = asyncio.create_task(run())
        try:
            while (chunk := await queue.get()) is not None:
                yield chunk
            await task
        finally:
            self.audio_track, self.loop = saved_track, saved_loop
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def aclose(self) -> None:
        """Release resources."""
        self._first_audio_callback = None

    async def __aenter__(self) -> TTS:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class _QueueTrack:
    """The audio-track interface backed by a queue, for ``stream_synthesize``."""

    can_pause = False

    def __init__(self, queue: asyncio.Queue[bytes | None]) -> None:
        self._queue = queue

    async def add_new_bytes(self, audio: bytes) -> None:
        await self._queue.put(bytes(audio))

    def on_last_audio_byte(self, callback: Any) -> None:
        pass

    def set_pipeline_hooks(self, hooks: Any) -> None:
        pass

    def enable_audio_input(self, manual_control: bool = False) -> None:
        pass

    def mark_synthesis_complete(self) -> None:
        pass

    def interrupt(self) -> None:
        pass
