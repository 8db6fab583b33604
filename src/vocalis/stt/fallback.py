"""FallbackSTT: an STT that fails over between providers without losing the user's words.

The wrapper keeps the audio heard since the last final transcript (at most
``replay_buffer_sec``) and replays it to the provider it switches to, so the utterance in
progress is transcribed whole. The reference retried only the failing frame, only once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from ..utils.clock import now
from ..utils.failover import ProviderFailover
from ..utils.fallback_wiring import FallbackProviders
from .stt import STT, SpeechEventType, STTError, STTResponse

logger = logging.getLogger("vocalis.stt.fallback")

ProviderAction = Callable[[STT], Awaitable[None]]


class RecentAudio:
    """At most ``max_bytes`` of the latest PCM (whole chunks, newest always kept)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._chunks: deque[bytes] = deque()
        self._size = 0

    def append(self, chunk: bytes) -> None:
        if not chunk or self.max_bytes <= 0:
            return
        self._chunks.append(bytes(chunk))
        self._size += len(chunk)
        while len(self._chunks) > 1 and self._size > self.max_bytes:
            self._size -= len(self._chunks.popleft())

    def chunks(self) -> list[bytes]:
        return list(self._chunks)

    def clear(self) -> None:
        self._chunks.clear()
        self._size = 0

    def __len__(self) -> int:
        return self._size


class FallbackSTT(STT):
    """Sends audio to the active provider; on failure switches and replays recent audio.

    Failures are exceptions from ``process_audio``/``flush`` and "error" events (for example a
    dropped WebSocket). Latency is the time from ``flush()`` (end of speech) to the next final
    transcript, measured here. Transcripts from a provider that is no longer active are
    dropped, since the audio they cover was replayed to its successor. Providers should share
    one ``input_sample_rate``: the pipeline resamples for the first one only.
    """

    def __init__(
        self,
        providers: Sequence[STT],
        temporary_disable_sec: float = 60.0,
        permanent_disable_after_attempts: int = 3,
        latency_threshold_ms: float | None = None,
        consecutive_latency_hits: int = 3,
        replay_buffer_sec: float = 2.0,
    ) -> None:
        super().__init__()
        self._fallback: FallbackProviders[STT] = FallbackProviders(
            providers,
            kind="STT",
            emit=self.emit,
            error=STTError,
            logger=logger,
            on_switch=self._switched,
            temporary_disable_sec=temporary_disable_sec,
            permanent_disable_after_attempts=permanent_disable_after_attempts,
            latency_threshold_ms=latency_threshold_ms,
            consecutive_latency_hits=consecutive_latency_hits,
        )
        self.providers: list[STT] = self._fallback.providers
        self.failover: ProviderFailover[STT] = self._fallback.failover
        self.input_sample_rate = self.providers[0].input_sample_rate
        self.final_in_flush = all(p.final_in_flush for p in self.providers)
        if any(p.input_sample_rate != self.input_sample_rate for p in self.providers):
            logger.warning("FallbackSTT providers want different sample rates; all get %d Hz",
                           self.input_sample_rate)
        self.recent_audio = RecentAudio(int(replay_buffer_sec * self.input_sample_rate) * 2)
        self._replay_pending = False
        self._lock = asyncio.Lock()
        self._flushed_at: float | None = None
        for provider in self.providers:
            provider.on_stt_transcript(self._relay_for(provider))

    @property
    def active_provider(self) -> STT:
        """The provider receiving audio."""
        return self.failover.active

    def _relay_for(self, provider: STT) -> Callable[[STTResponse], Awaitable[None]]:
        async def relay(response: STTResponse) -> None:
            if provider is not self.failover.active:
                return
            if response.event_type == SpeechEventType.FINAL:
                self.recent_audio.clear()
                self._record_final_latency(provider)
            if self._transcript_callback is not None:
                await self._transcript_callback(response)

        return relay

    def _switched(self) -> None:
        """Point the transcript relay at the new provider and replay recent audio to it."""
        active = self.failover.active
        active.on_stt_transcript(self._relay_for(active))
        self._replay_pending = True
        self._flushed_at = None
        logger.warning("STT switched to %s", active.label)

    def _record_final_latency(self, provider: STT) -> None:
        if self._flushed_at is None:
            return
        latency_ms = (now() - self._flushed_at) * 1000.0
        self._flushed_at = None
        self._fallback.record_latency(latency_ms, provider)

    async def process_audio(
        self, audio_frames: bytes, language: str | None = None, **kwargs: Any
    ) -> None:
        """Send a chunk to the active provider (after replaying recent audio if it is new)."""
        self._fallback.check_recovery()
        self.recent_audio.append(audio_frames)

        async def send(provider: STT) -> None:
            await provider.process_audio(audio_frames, language=language, **kwargs)

        await self._with_failover(send, language, kwargs, frame_in_replay=bool(audio_frames))

    async def flush(self) -> None:
        """Ask the active provider for a final transcript; starts the latency measurement."""
        self._flushed_at = now()

        async def flush(provider: STT) -> None:
            await provider.flush()

        await self._with_failover(flush, None, {}, frame_in_replay=False)

    async def finish(self) -> None:
        """End of input: the active provider's final transcripts of everything buffered."""
        self._flushed_at = now()

        async def finish(provider: STT) -> None:
            await provider.finish()

        await self._with_failover(finish, None, {}, frame_in_replay=False)

    async def _with_failover(
        self,
        action: ProviderAction,
        language: str | None,
        kwargs: dict[str, Any],
        *,
        frame_in_replay: bool,
    ) -> None:
        """Run ``action`` on the active provider, switching (and replaying) until one works."""
        failures: list[tuple[STT, BaseException]] = []
        async with self._lock:
            while True:
                provider = self._fallback.next_provider(failures)
                replaying = self._replay_pending
                try:
                    if replaying:
                        self._replay_pending = False
                        for chunk in self.recent_audio.chunks():
                            await provider.process_audio(chunk, language=language, **kwargs)
                    if not (replaying and frame_in_replay):
                        await action(provider)
                    return
                except Exception as exc:
                    if replaying:
                        self._replay_pending = True
                    self._fallback.provider_failed(provider, exc, failures)

    async def prewarm(self) -> None:
        """Forwarded to the active provider."""
        await self.failover.active.prewarm()

    async def aclose(self) -> None:
        """Close every provider (errors are logged), then the wrapper."""
        await self._fallback.aclose()
        self.recent_audio.clear()
        await super().aclose()
