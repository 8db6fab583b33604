"""FallbackTTS: settings propagation, retry of the same text, first-byte and latency, recovery."""

import asyncio
from typing import Any

import pytest

from vocalis.tts.fallback import FallbackTTS, ReplayableText
from vocalis.tts.tts import TTS, FlushMarker, TTSError
from vocalis.utils import run_virtual


class RecordingTrack:
    def __init__(self) -> None:
        self.audio: list[bytes] = []

    async def add_new_bytes(self, pcm: bytes) -> None:
        self.audio.append(pcm)


class FakeTTS(TTS):
    """Speaks each text piece as ``name:text`` bytes; can fail after N pieces or be slow."""

    def __init__(self, name: str, fail_after: int | None = None, delay: float = 0.0,
                 sample_rate: int = 24000) -> None:
        super().__init__(sample_rate=sample_rate)
        self._label = name
        self.fail_after = fail_after
        self.delay = delay
        self.heard: list[str] = []
        self.interrupted = 0
        self.closed = False
        self.loop_set_via_hook: Any = None

    def _set_loop(self, loop: Any) -> None:
        self.loop_set_via_hook = loop
        self.loop = loop

    async def synthesize(self, text, voice_id=None, **kwargs):
        pieces = [text] if isinstance(text, str) else text
        count = 0
        if isinstance(pieces, list):
            items = pieces
        else:
            items = [item async for item in _until_failure(pieces, self)]
        for item in items:
            if isinstance(item, FlushMarker):
                continue
            if self.fail_after is not None and count >= self.fail_after:
                raise TTSError(f"{self._label} lost connection")
            if self.delay:
                await asyncio.sleep(self.delay)
            self.heard.append(item)
            count += 1
            await self._emit_audio(f"{self._label}:{item}".encode())

    async def interrupt(self):
        self.interrupted += 1

    async def aclose(self):
        self.closed = True
        await super().aclose()


async def _until_failure(stream: Any, tts: FakeTTS) -> Any:
    """Pull text items, stopping one past the failure point like a real streaming plugin."""
    count = 0
    async for item in stream:
        yield item
        if isinstance(item, str):
            count += 1
        if tts.fail_after is not None and count > tts.fail_after:
            return


async def _texts(*items: Any) -> Any:
    for item in items:
        yield item


def _wrapper(*providers: FakeTTS, **kwargs: Any) -> tuple[FallbackTTS, RecordingTrack, list[Any]]:
    tts = FallbackTTS(list(providers), **kwargs)
    track = RecordingTrack()
    tts.audio_track = track
    errors: list[Any] = []
    tts.on("error", errors.append)
    return tts, track, errors


def test_format_comes_from_first_provider_and_settings_reach_all():
    a, b = FakeTTS("a", sample_rate=24000), FakeTTS("b", sample_rate=16000)
    tts, track, _ = _wrapper(a, b)
    assert tts.sample_rate == 24000
    assert a.audio_track is track and b.audio_track is track
    loop = object()
    tts.loop = loop  # type: ignore[assignment]
    assert a.loop_set_via_hook is loop and b.loop_set_via_hook is loop
    other = RecordingTrack()
    tts._set_loop_and_audio_track(None, other)
    assert a.audio_track is other and b.audio_track is other


async def test_string_is_retried_on_the_next_provider():
    a, b = FakeTTS("a", fail_after=0), FakeTTS("b")
    tts, track, errors = _wrapper(a, b)
    await tts.synthesize("Hello there.")
    assert track.audio == [b"b:Hello there."]
    assert tts.active_provider is b
    assert [str(e) for e in errors] == ["a lost connection"]


async def test_stream_retry_replays_text_consumed_so_far():
    a, b = FakeTTS("a", fail_after=1), FakeTTS("b")
    tts, track, _ = _wrapper(a, b)
    await tts.synthesize(_texts("One. ", FlushMarker(), "Two. ", "Three."))
    assert a.heard == ["One. "]
    assert b.heard == ["One. ", "Two. ", "Three."]
    assert track.audio[0] == b"a:One. "
    assert track.audio[1:] == [b"b:One. ", b"b:Two. ", b"b:Three."]


async def test_first_byte_callback_fires_once_per_synthesis_across_a_switch():
    a, b = FakeTTS("a", fail_after=1), FakeTTS("b")
    tts, _, _ = _wrapper(a, b)
    fired: list[int] = []

    async def on_first() -> None:
        fired.append(1)

    tts.on_first_audio_byte(on_first)
    tts.reset_first_audio_tracking()
    await tts.synthesize(_texts("One. ", "Two."))
    assert fired == [1]
    tts.reset_first_audio_tracking()
    await tts.synthesize("Again.")
    assert fired == [1, 1]


async def test_all_failing_raises_tts_error():
    tts, _, errors = _wrapper(FakeTTS("a", fail_after=0), FakeTTS("b", fail_after=0))
    with pytest.raises(TTSError, match="All TTS providers failed"):
        await tts.synthesize("Hi")
    assert len(errors) == 2


async def test_failure_after_interrupt_is_not_a_provider_failure():
    class StopsOnInterrupt(FakeTTS):
        async def synthesize(self, text, voice_id=None, **kwargs):
            await tts.interrupt()
            raise TTSError("socket closed by interrupt")

    a, b = StopsOnInterrupt("a"), FakeTTS("b")
    tts, track, errors = _wrapper(a, b)
    await tts.synthesize("Hi")
    assert tts.active_provider is a
    assert a.interrupted == 1
    assert track.audio == [] and errors == []


def test_slow_first_byte_switches_and_recovery_returns():
    async def main():
        a, b = FakeTTS("a", delay=0.6), FakeTTS("b", delay=0.1)
        tts, track, _ = _wrapper(
            a, b, latency_threshold_ms=400.0, consecutive_latency_hits=2, temporary_disable_sec=30.0
        )
        for _ in range(2):
            tts.reset_first_audio_tracking()
            await tts.synthesize("x")
        assert tts.active_provider is b
        await tts.synthesize("y")
        assert track.audio[-1] == b"b:y"
        await asyncio.sleep(30.0)
        a.delay = 0.0
        await tts.synthesize("z")
        assert tts.active_provider is a
        assert track.audio[-1] == b"a:z"

    run_virtual(main())


async def test_error_event_switches_and_close_reaches_all():
    a, b = FakeTTS("a"), FakeTTS("b")
    tts, _, errors = _wrapper(a, b)
    a.emit("error", TTSError("quota"))
    assert tts.active_provider is b
    assert len(errors) == 1
    await tts.interrupt()
    assert (a.interrupted, b.interrupted) == (0, 1)
    await tts.aclose()
    assert a.closed and b.closed


async def test_word_spoken_events_are_forwarded_from_active_provider():
    a, b = FakeTTS("a"), FakeTTS("b")
    tts, _, _ = _wrapper(a, b)
    words: list[Any] = []
    tts.on("word_spoken", words.append)
    a.emit("word_spoken", {"word": "hi"})
    b.emit("word_spoken", {"word": "ignored"})
    assert words == [{"word": "hi"}]


async def test_replayable_text_restarts_and_ends_stale_readers():
    stream = ReplayableText(_texts("a", "b", "c"))
    first = stream.replay()
    assert await first.__anext__() == "a"
    second = stream.replay()
    assert [item async for item in second] == ["a", "b", "c"]
    assert [item async for item in first] == []
    assert stream.consumed == ["a", "b", "c"]


def test_needs_providers():
    with pytest.raises(ValueError):
        FallbackTTS([])
