"""FallbackTTS: a TTS that fails over between providers and retries the same text.

It stands in for a single TTS: ``audio_track`` and ``loop`` assignments reach every provider,
and the first-byte callback fires once per synthesis whichever provider produced the audio.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from ..utils.clock import now
from ..utils.failover import ProviderFailover
from ..utils.fallback_wiring import FallbackProviders
from .tts import TTS, FlushMarker, TTSError

logger = logging.getLogger("vocalis.tts.fallback")

TextItem = str | FlushMarker


class ReplayableText:
    """An async text stream that can be restarted from its beginning for a retry.

    Every item pulled from the source is kept; ``replay()`` yields them again, then continues
    with the source. Starting a new replay ends the previous one, so a failed provider's
    lingering reader cannot steal text from its successor.
    """

    def __init__(
        self, source: AsyncIterator[TextItem], on_first_text: Callable[[], None] | None = None
    ) -> None:
        self._source = source.__aiter__()
        self._seen: list[TextItem] = []
        self._generation = 0
        self._exhausted = False
        self._lock = asyncio.Lock()
        self._on_first_text = on_first_text

    @property
    def consumed(self) -> list[TextItem]:
        """The items pulled from the source so far."""
        return list(self._seen)

    def replay(self) -> AsyncIterator[TextItem]:
        """A fresh iterator over the whole stream."""
        self._generation += 1
        return self._iterate(self._generation)

    async def _iterate(self, generation: int) -> AsyncIterator[TextItem]:
        index = 0
        while generation == self._generation:
            if index < len(self._seen):
                index += 1
                yield self._seen[index - 1]
                continue
            if self._exhausted:
                return
            async with self._lock:
                if index < len(self._seen) or generation != self._generation:
                    continue
                try:
                    item = await self._source.__anext__()
                except StopAsyncIteration:
                    self._exhausted = True
                    return
                self._seen.append(item)
                if isinstance(item, str) and item and self._on_first_text is not None:
                    self._on_first_text()
                    self._on_first_text = None


class FallbackTTS(TTS):
    """Synthesizes with the active provider; on failure switches and retries the same text.

    When ``synthesize`` gets a text stream, the text consumed so far is kept and replayed to
    the next provider, so nothing is skipped (audio the failed provider already played may be
    heard again). Time to first byte (from the first text to the first audio) is measured
    here for latency switching. An exception raised after ``interrupt()`` is not a failure.
    All providers should share one sample rate: the wrapper declares the first provider's.
    Unlike the reference, "error" is emitted after the switch, as FallbackLLM/STT do.
    """

    def __init__(
        self,
        providers: Sequence[TTS],
        temporary_disable_sec: float = 60.0,
        permanent_disable_after_attempts: int = 3,
        latency_threshold_ms: float | None = None,
        consecutive_latency_hits: int = 3,
    ) -> None:
        if not providers:
            raise ValueError("FallbackTTS needs at least one provider")
        self._initializing = True
        super().__init__(
            sample_rate=providers[0].sample_rate, num_channels=providers[0].num_channels
        )
        self._fallback: FallbackProviders[TTS] = FallbackProviders(
            providers,
            kind="TTS",
            emit=self.emit,
            error=TTSError,
            logger=logger,
            on_switch=self._switched,
            forwarded=("word_spoken",),
            temporary_disable_sec=temporary_disable_sec,
            permanent_disable_after_attempts=permanent_disable_after_attempts,
            latency_threshold_ms=latency_threshold_ms,
            consecutive_latency_hits=consecutive_latency_hits,
        )
        self.providers: list[TTS] = self._fallback.providers
        self.failover: ProviderFailover[TTS] = self._fallback.failover
        if any(p.sample_rate != self.sample_rate for p in self.providers):
            logger.warning("FallbackTTS providers differ in sample rate; declaring %d Hz",
                           self.sample_rate)
        self._text_started_at: float | None = None
        self._interrupted = False
        for provider in self.providers:
            provider.on_first_audio_byte(self._first_audio_relay(provider))
        self._initializing = False

    @property
    def active_provider(self) -> TTS:
        """The provider synthesizing now."""
        return self.failover.active

    @TTS.audio_track.setter  # type: ignore[attr-defined, untyped-decorator]
    def audio_track(self, value: Any) -> None:
        """The output track; assigning it reaches every provider. During ``synthesize_into``
        the providers write to that call's sink, like the wrapper."""
        TTS.audio_track.fset(self, value)  # type: ignore[attr-defined]
        self._propagate("audio_track", value)

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The event loop; assigning it reaches every provider."""
        return self.__dict__.get("_loop")

    @loop.setter
    def loop(self, value: asyncio.AbstractEventLoop | None) -> None:
        self.__dict__["_loop"] = value
        self._propagate("loop", value)

    def _set_loop_and_audio_track(self, loop: Any, audio_track: Any) -> None:
        """Set both at once, on the wrapper and every provider."""
        self.loop = loop
        self.audio_track = audio_track

    def _propagate(self, name: str, value: Any, providers: Sequence[TTS] | None = None) -> None:
        if getattr(self, "_initializing", True):
            return
        for provider in providers if providers is not None else self.providers:
            setter = getattr(provider, f"_set_{name}", None)
            if callable(setter):
                setter(value)
            else:
                setattr(provider, name, value)

    def _first_audio_relay(self, provider: TTS) -> Callable[[], Awaitable[None]]:
        async def relay() -> None:
            if provider is not self.failover.active or self._first_chunk_sent:
                return
            self._first_chunk_sent = True
            if self._text_started_at is not None:
                latency_ms = (now() - self._text_started_at) * 1000.0
                self._text_started_at = None
                self._fallback.record_latency(latency_ms, provider)
            if self._first_audio_callback is not None:
                await self._first_audio_callback()

        return relay

    def _switched(self) -> None:
        """Point the first-byte relay, the loop and the output track at the new provider."""
        active = self.failover.active
        active.on_first_audio_byte(self._first_audio_relay(active))
        self._propagate("loop", self.loop, [active])
        self._propagate("audio_track", self._default_track, [active])
        logger.warning("TTS switched to %s", active.label)

    def reset_first_audio_tracking(self) -> None:
        """Start a new synthesis: the first-byte callback may fire again."""
        super().reset_first_audio_tracking()
        self.failover.active.reset_first_audio_tracking()

    async def synthesize(
        self,
        text: AsyncIterator[TextItem] | str,
        voice_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Synthesize with the active provider, retrying the same text on the next ones."""
        self._fallback.check_recovery()
        self._interrupted = False
        self._text_started_at = None
        source: str | ReplayableText
        if isinstance(text, str):
            source = text
            self._text_started_at = now()
        else:
            source = ReplayableText(text, self._mark_text_started)
        failures: list[tuple[TTS, BaseException]] = []
        while True:
            provider = self._fallback.next_provider(failures)
            attempt = source if isinstance(source, str) else source.replay()
            try:
                provider.reset_first_audio_tracking()
                await provider.synthesize(attempt, voice_id=voice_id, **kwargs)
                return
            except Exception as exc:
                if self._interrupted:
                    logger.debug("TTS %s stopped after interrupt: %s", provider.label, exc)
                    return
                self._fallback.provider_failed(provider, exc, failures)

    def _mark_text_started(self) -> None:
        if self._text_started_at is None:
            self._text_started_at = now()

    async def interrupt(self) -> None:
        """Forwarded to the active provider; a failure it causes is not a provider failure."""
        self._interrupted = True
        await self.failover.active.interrupt()

    async def prewarm(self) -> None:
        """Forwarded to the active provider."""
        await self.failover.active.prewarm()

    async def aclose(self) -> None:
        """Close every provider (errors are logged), then the wrapper."""
        await self._fallback.aclose()
        await super().aclose()
