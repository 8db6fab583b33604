"""The TTS component contract: text in, PCM pushed to ``self.audio_track``.

As in the reference, a plugin's ``synthesize`` receives a string or an async iterator of text
and ``FlushMarker``s and writes 16-bit PCM at ``self.sample_rate`` with
``await self.audio_track.add_new_bytes(pcm)``. The pipeline resamples to the output rate, so
plugins never resample by hand.

Unlike the reference, ``audio_track`` is per synthesis: ``synthesize_into(sink, text)`` makes
``self.audio_track`` read ``sink`` for that call (and the tasks it starts) only, so two
syntheses on one TTS (a reply and a ``TTSAudioCache`` fetch) never write into each other.
Assigning ``tts.audio_track = track`` still sets the track used outside such a call.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from typing import Any, Literal

from ..utils.events import EventEmitter


class FlushMarker:
    """Marker inside a TTS text stream: close the current segment and start a new one."""

    __slots__ = ()


class TTSError(Exception):
    """A provider failure (connection lost, server error, timeout)."""


FirstAudioCallback = Callable[[], Awaitable[None]]

_CALL_SINK: ContextVar[Any] = ContextVar("vocalis_tts_call_sink", default=None)
"""The sink of the synthesis running in this task (see ``TTS.synthesize_into``)."""


class TTS(EventEmitter[Literal["error", "word_spoken"]], ABC):
    """Base class of text-to-speech providers."""

    supports_concurrent_synthesis: bool = False
    """True when two ``synthesize_into`` calls may run at once on this instance (a local model
    with no per-call state); then the pipeline synthesizes the first sentence of a preemptive
    answer before the user's turn is committed."""

    def __init__(
        self, sample_rate: int = 16000, num_channels: int = 1, word_timestamps: bool = False
    ) -> None:
        super().__init__()
        self._label = f"{type(self).__module__}.{type(self).__name__}"
        self._sample_rate = sample_rate
        self._num_channels = num_channels
        self._first_audio_callback: FirstAudioCallback | None = None
        self._first_chunk_sent = False
        self._default_track: Any = None
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
    def audio_track(self) -> Any:
        """Where synthesized PCM goes: the sink of the current ``synthesize_into`` call, else
        the track assigned to the TTS."""
        sink = _CALL_SINK.get()
        return sink if sink is not None else self._default_track

    @audio_track.setter
    def audio_track(self, track: Any) -> None:
        self._default_track = track

    async def synthesize_into(
        self, sink: Any, text: AsyncIterator[str | FlushMarker] | str, **kwargs: Any
    ) -> None:
        """``synthesize(text)`` with ``self.audio_track`` reading ``sink`` for this call (and
        the tasks it starts) only. A plugin that writes from a task started earlier must use the
        sink it read when ``synthesize`` began (see ``_emit_audio``)."""
        token = _CALL_SINK.set(sink)
        try:
            await self.synthesize(text, **kwargs)
        finally:
            _CALL_SINK.reset(token)

    @property
    def can_pause(self) -> bool:
        return bool(self.audio_track is not None and getattr(self.audio_track, "can_pause", False))

    def on_first_audio_byte(self, callback: FirstAudioCallback) -> None:
        """Set the callback fired when the first audio of a synthesis is produced (TTFB)."""
        self._first_audio_callback = callback

    def reset_first_audio_tracking(self) -> None:
        """Start a new synthesis for first-byte tracking."""
        self._first_chunk_sent = False

    async def _emit_audio(self, pcm: bytes, sink: Any = None) -> None:
        """Push PCM to ``sink`` (default: ``self.audio_track``), firing the first-byte
        callback once per synthesis. A plugin that receives audio in a task of its own passes
        the sink it captured when its ``synthesize`` began.

        A helper for plugins: the reference leaves first-byte tracking to each plugin.
        """
        target = sink if sink is not None else self.audio_track
        if not pcm or target is None:
            return
        if not self._first_chunk_sent:
            self._first_chunk_sent = True
            if self._first_audio_callback is not None:
                await self._first_audio_callback()
        await target.add_new_bytes(pcm)

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
        """Pull-style adapter: yields the PCM that ``synthesize`` produces, from its own sink."""
        queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        if self.loop is None:
            self.loop = asyncio.get_running_loop()

        async def run() -> None:
            try:
                await self.synthesize_into(_QueueTrack(queue), text_stream, **kwargs)
            finally:
                await queue.put(None)

        task = asyncio.create_task(run())
        try:
            while (chunk := await queue.get()) is not None:
                yield chunk
            await task
        finally:
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
